import { expect, it } from "vitest";
import { readAll, type ScenarioContext } from "./context.js";
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
      expect(res.text).toContain("[REDACTED]");
    }
  });

  it("an echoed Authorization response header is scrubbed and counted, with the body's replacements, in X-Proxy-Redacted", async () => {
    const res = await ctx.send({ target: "/repos/a/b/echo-secret" });
    expect(res.headers.get("x-echo-authorization")).toBe("Bearer [REDACTED]");
    const inBody = res.text.split("[REDACTED]").length - 1;
    expect(inBody).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get("x-proxy-redacted"))).toBe(inBody + 1);
  });

  it("a credential split across two chunks 50 ms apart is still caught", async () => {
    for (const [provider, base, secret] of CASES) {
      const res = await ctx.send({ provider, target: `${base}/split-secret` });
      expect(res.status).toBe(200);
      expect({ provider, leaked: res.text.includes(ctx.secrets[secret]!) }).toEqual({ provider, leaked: false });
      expect(res.text).toContain("[REDACTED]");
    }
  });

  it("a scrubbed small answer carries the exact Content-Length of what the agent receives", async () => {
    const res = await ctx.send({ target: "/repos/a/b/echo-secret" });
    expect(res.headers.get("content-length")).toBe(String(res.body.byteLength));
  });

  it("a compressed answer from a scrubbed provider is never relayed unscrubbed (refused, or decoded and scrubbed)", async () => {
    const res = await ctx.send({ target: "/repos/a/b/gzip", headers: [["Accept-Encoding", "gzip"]] });
    if (res.status === 502) expect(res.json().error.code).toBe("PROXY_UPSTREAM_ERROR");
    else {
      // Decoded by the runtime's fetch and scrubbed; workerd may compress it again for the wire.
      expect(res.status).toBe(200);
      const body = res.headers.get("content-encoding") === "gzip" ? await readAll(new Blob([res.body as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"))) : res.body;
      expect(JSON.parse(new TextDecoder().decode(body))).toEqual({ ok: true, encoding: "gzip" });
    }
  });
}
