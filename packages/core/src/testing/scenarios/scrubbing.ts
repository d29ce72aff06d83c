import { expect, it } from "vitest";
import type { ScenarioContext } from "./context.js";
import { leakForms } from "./leaks.js";

const CASES = [
  ["github", "/repos/a/b", "GH_TOKEN"],
  ["stripe", "/v1/x", "STRIPE_KEY"],
  ["legacy", "/v1/x", "LEGACY_KEY"],
  ["jira", "/rest", "JIRA_TOKEN"],
  ["custom", "/x", "CUSTOM_KEY"],
] as const;

export function scrubbingScenarios(ctx: ScenarioContext): void {
  it("an upstream that echoes the injected credential (headers, URL, decoded Basic) never shows it to the agent (SEC-64)", async () => {
    for (const [provider, base, secret] of CASES) {
      const res = await ctx.send({ provider, target: `${base}/echo-secret` });
      expect({ provider, status: res.status }).toEqual({ provider, status: 200 });
      const seen = [res.text, ...[...res.headers].map(([n, v]) => `${n}: ${v}`)].join("\n");
      for (const form of leakForms(ctx.secrets[secret]!)) expect({ provider, leaked: seen.includes(form) }).toEqual({ provider, leaked: false });
      expect(res.text).toContain("****");
    }
  });

  it("an echoed Authorization response header is scrubbed and counted in X-Proxy-Redacted", async () => {
    const res = await ctx.send({ target: "/repos/a/b/echo-secret" });
    expect(res.headers.get("x-echo-authorization")).not.toContain(ctx.secrets.GH_TOKEN);
    expect(Number(res.headers.get("x-proxy-redacted"))).toBeGreaterThanOrEqual(1);
  });

  it("a credential split across two chunks 50 ms apart is still caught", async () => {
    for (const [provider, base, secret] of CASES) {
      const res = await ctx.send({ provider, target: `${base}/split-secret` });
      expect(res.status).toBe(200);
      expect({ provider, leaked: res.text.includes(ctx.secrets[secret]!) }).toEqual({ provider, leaked: false });
    }
  });

  it("scrubbing keeps the body's length: the upstream Content-Length stays true", async () => {
    const res = await ctx.send({ target: "/repos/a/b/echo-secret" });
    const declared = res.headers.get("content-length");
    if (declared !== null) expect(res.body.byteLength).toBe(Number(declared));
  });
}
