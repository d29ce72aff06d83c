import { expect, it } from "vitest";
import type { ScenarioContext } from "./context.js";

/** Keys unique to this run: a shared storage (Redis, KV) outlives the suite. */
const runKey = (name: string) => `${name}-${crypto.randomUUID()}`;

export function statefulScenarios(ctx: ScenarioContext): void {
  it("cache: a repeated GET from one host is a HIT and reaches the upstream once; another host gets its own MISS", async () => {
    const target = `/items/${runKey("c")}`;
    const first = await ctx.send({ provider: "limited", target });
    expect([first.status, first.headers.get("x-proxy-cache")]).toEqual([200, "MISS"]);
    await new Promise((r) => setTimeout(r, 20));
    const second = await ctx.send({ provider: "limited", target });
    expect([second.status, second.headers.get("x-proxy-cache"), second.text]).toEqual([200, "HIT", first.text]);
    expect(second.headers.get("content-type")).toBe(first.headers.get("content-type"));
    const other = await ctx.send({ as: "lan", provider: "limited", target });
    expect(other.headers.get("x-proxy-cache")).toBe("MISS");
    expect(ctx.upstream().requests).toHaveLength(2);
  });

  it("cache: an answer with Set-Cookie is never stored", async () => {
    const target = `/items/${runKey("s")}/set-cookie`;
    await ctx.send({ provider: "limited", target });
    await new Promise((r) => setTimeout(r, 20));
    const again = await ctx.send({ provider: "limited", target });
    expect(again.headers.get("x-proxy-cache")).toBe("MISS");
    expect(ctx.upstream().requests).toHaveLength(2);
  });

  it("idempotency: a repeated POST is replayed as IDEMPOTENT-HIT with the same status and body; another body is 422", async () => {
    const key = runKey("k");
    const post = (body: string) =>
      ctx.send({ provider: "limited", method: "POST", target: "/pay/echo-body", body, headers: [["Idempotency-Key", key], ["Content-Type", "application/json"]] });
    const first = await post('{"amount":1}');
    expect(first.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const replay = await post('{"amount":1}');
    expect([replay.status, replay.headers.get("x-proxy-cache"), replay.text]).toEqual([200, "IDEMPOTENT-HIT", '{"amount":1}']);
    const reused = await post('{"amount":2}');
    expect([reused.status, reused.json().error.code]).toEqual([422, "PROXY_IDEMPOTENCY_KEY_REUSED"]);
    expect(ctx.upstream().requests).toHaveLength(1);
    expect(recorded(ctx, "idempotency-key")).toEqual([key]);
  });

  it("idempotency: 20 concurrent duplicates reach the upstream exactly once; the others get 409 or the replay", async () => {
    const key = runKey("race");
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        ctx.send({ provider: "limited", method: "POST", target: "/pay/sse?n=2&gap=100", body: "{}", headers: [["Idempotency-Key", key]] }),
      ),
    );
    expect(ctx.upstream().requests).toHaveLength(1);
    for (const r of results) {
      const outcome = r.status === 409 ? r.json().error.code : r.headers.get("x-proxy-cache");
      expect(["BYPASS", "IDEMPOTENT-HIT", "PROXY_IDEMPOTENCY_IN_PROGRESS"]).toContain(outcome);
    }
    expect(results.filter((r) => r.headers.get("x-proxy-cache") === "BYPASS")).toHaveLength(1);
  });

  it("rate limit: capacity 3 per minute, no queueing: the 4th gets 429 PROXY_RATE_LIMITED with Retry-After", async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await ctx.send({ provider: "limited", target: `/capped/${i}` });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.json().error).toMatchObject({ code: "PROXY_RATE_LIMITED", metadata: { retry_after: 20, category: "capped" } });
    expect(last!.headers.get("retry-after")).toBe("20");
    expect(ctx.upstream().requests).toHaveLength(3);
  });

  it("upstream 429 with Retry-After: 1 cools the category down: the next request never reaches the upstream; after 1 s it does", async () => {
    const limited = await ctx.send({ provider: "limited", target: "/cooling/x/429?ra=1" });
    expect([limited.status, limited.json().error.code, limited.headers.get("retry-after")]).toEqual([429, "PROXY_UPSTREAM_RATE_LIMITED", "1"]);
    const during = await ctx.send({ provider: "limited", target: "/cooling/y" });
    expect([during.status, during.json().error.code]).toEqual([429, "PROXY_UPSTREAM_RATE_LIMITED"]);
    expect(ctx.upstream().requests).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ctx.send({ provider: "limited", target: "/cooling/y" })).status).toBe(200);
    expect(ctx.upstream().requests).toHaveLength(2);
  });
}

function recorded(ctx: ScenarioContext, name: string): string[] {
  const raw = ctx.upstream().requests[0]?.rawHeaders ?? [];
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}
