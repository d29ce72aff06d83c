import { expect, it } from "vitest";
import type { ScenarioContext } from "./context.js";

export function upstreamFailureScenarios(ctx: ScenarioContext): void {
  it("connection refused gets 502 PROXY_UPSTREAM_ERROR with a fixed message: no URL, host, port or secret", async () => {
    const res = await ctx.send({ provider: "dead", target: "/x?token=abc" });
    expect(res.status).toBe(502);
    const body = res.json();
    expect(body.error.code).toBe("PROXY_UPSTREAM_ERROR");
    expect(res.text).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}|http|ECONNREFUSED|token=/);
  });

  it("an upstream that never answers gets 504 PROXY_UPSTREAM_TIMEOUT after timeout_ms", async () => {
    const started = Date.now();
    const res = await ctx.send({ target: "/repos/a/b/hang" });
    expect(res.status).toBe(504);
    expect(res.json().error.code).toBe("PROXY_UPSTREAM_TIMEOUT");
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(ctx.upstream().requests).toHaveLength(1);
    const again = await ctx.send({ target: "/repos/a/b/hang" });
    expect(again.status).toBe(504);
    expect(ctx.upstream().requests).toHaveLength(2);
  });
}
