import { expect, it } from "vitest";
import type { ScenarioContext } from "./context.js";
import { expectRefused } from "./errors.js";

const SPOOF_HEADERS = [
  "X-Forwarded-For",
  "X-Real-IP",
  "Forwarded",
  "CF-Connecting-IP",
  "True-Client-IP",
  "X-Client-IP",
  "Fastly-Client-IP",
  "X-Cluster-Client-IP",
];

export function identityScenarios(ctx: ScenarioContext): void {
  it("a spoofed client-address header from an untrusted peer does not change the host", async () => {
    for (const name of SPOOF_HEADERS) {
      const value = name === "Forwarded" ? "for=127.0.0.12" : "127.0.0.12";
      await expectRefused(
        ctx,
        { as: "research", psk: ctx.secrets.PSK_X!, method: "POST", target: "/repos/a/b/issues", body: "{}", headers: [[name, value]] },
        "PROXY_AUTH_REQUIRED",
      );
    }
    await expectRefused(ctx, { as: "unknown", headers: [["X-Forwarded-For", "127.0.0.11"]], target: "/repos/a/b" }, "PROXY_HOST_DENIED");
  });

  it("X-Forwarded-For from a trusted proxy is read right to left: a spoofed leftmost entry is ignored", async () => {
    const xff: [string, string] = ["X-Forwarded-For", "127.0.0.12, 127.0.0.11"];
    await expectRefused(ctx, { as: "trustedProxy", psk: ctx.secrets.PSK_R!, method: "POST", target: "/repos/a/b/issues", body: "{}", headers: [xff] }, "PROXY_SENSITIVE_DENIED");
    await expectRefused(ctx, { as: "trustedProxy", psk: ctx.secrets.PSK_X!, target: "/repos/a/b", headers: [xff] }, "PROXY_AUTH_REQUIRED");
    const ok = await ctx.send({ as: "trustedProxy", psk: ctx.secrets.PSK_R!, target: "/repos/a/b", headers: [xff] });
    expect(ok.status).toBe(200);
    expect(ctx.upstream().requests.map((r) => r.url)).toEqual(["/api/repos/a/b"]);
  });

  it("X-Forwarded-For from a trusted proxy changes the host", async () => {
    const res = await ctx.send({ as: "trustedProxy", psk: ctx.secrets.PSK_X!, method: "POST", target: "/repos/a/b/issues", body: "{}", headers: [["X-Forwarded-For", "127.0.0.12"]] });
    expect(res.status).toBe(200);
  });

  it("a trusted proxy without X-Forwarded-For is identified by its own address; a malformed entry is 400", async () => {
    const own = await ctx.send({ as: "trustedProxy", target: "/repos/a/b" });
    expect(own.status).toBe(200);
    ctx.upstream().clear();
    for (const bad of ["not-an-ip", "127.0.0.1:80", "", "127.0.0.11,,"]) {
      await expectRefused(ctx, { as: "trustedProxy", target: "/repos/a/b", headers: [["X-Forwarded-For", bad]] }, "PROXY_BAD_REQUEST");
    }
  });

  it("the PSK is never forwarded, in any case or under any name", async () => {
    const res = await ctx.send({ as: "research", target: "/repos/a/b", headers: [["x-OUTPOST-auth", ctx.secrets.PSK_R!]] });
    expect(res.status).toBe(200);
    const raw = ctx.upstream().requests[0]!.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      expect(raw[i]!.toLowerCase()).not.toBe("x-outpost-auth");
      expect(raw[i + 1]).not.toContain(ctx.secrets.PSK_R);
    }
  });

  it("GET /healthz answers anyone; GET /providers needs a matching host and its PSK and lists only its grants", async () => {
    const health = await ctx.send({ as: "unknown", provider: null, target: "/healthz" });
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: "ok" });
    await expectRefused(ctx, { as: "unknown", provider: null, target: "/providers" }, "PROXY_HOST_DENIED");
    await expectRefused(ctx, { as: "research", psk: null, provider: null, target: "/providers" }, "PROXY_AUTH_REQUIRED");
    const list = await ctx.send({ as: "research", provider: null, target: "/providers" });
    expect(list.status).toBe(200);
    const body = list.json();
    expect(body.providers.map((p: { name: string }) => p.name)).toEqual(["dead", "github", "jira", "legacy", "stripe"]);
    expect(body.providers.find((p: { name: string }) => p.name === "github")).toMatchObject({ mode: "allowlist", auth_type: "bearer_static" });
    expect(list.text).not.toMatch(/GH_TOKEN|_env|SNTL_/);
  });
}
