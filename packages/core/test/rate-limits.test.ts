import { describe, expect, it } from "vitest";
import { createFixture, settle } from "./support/gateway-fixture.js";

const provider = (queueTimeoutMs: number, extra = "") => `name: p
base_url: https://api.example.com
auth: {type: bearer_static, env: P_TOKEN}
forwarding:
  mode: transparent
  queue_timeout_ms: ${queueTimeoutMs}
  rate_limits:
    default: [{capacity: 3, window_ms: 1000}, {capacity: 5, window_ms: 60000}]
    writes: [{capacity: 1, window_ms: 60000}]
  allow:
    - {pattern: "/w/**", methods: ["*"], category: writes}
${extra}`;

describe("rate limits (DESIGN §5.1), fake clock", () => {
  it("3/s and 5/min: the 4th request in a second gets 429 with Retry-After rounded up and metadata.retry_after", async () => {
    const f = createFixture(provider(0));
    for (let i = 0; i < 3; i++) expect((await f.send("/x")).status).toBe(200);
    const refused = await f.send("/x");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toEqual({
      status: "FAILURE",
      error: { code: "PROXY_RATE_LIMITED", message: expect.any(String), metadata: { retry_after: 1, category: "default" } },
    });
    expect(f.upstream).toHaveLength(3);
  });

  it("a refusal takes no token from the minute window (all-or-nothing)", async () => {
    const f = createFixture(provider(0));
    for (let i = 0; i < 3; i++) await f.send("/x");
    expect((await f.send("/x")).status).toBe(429);
    await f.clock.advance(1000);
    // The minute window still has 2 tokens: the refused request took none.
    expect((await f.send("/x")).status).toBe(200);
    expect((await f.send("/x")).status).toBe(200);
    const minute = await f.send("/x");
    expect(minute.status).toBe(429);
    // 5 per minute refills one token every 12 s; 1 s of it has passed.
    expect(minute.headers.get("retry-after")).toBe("11");
    expect(f.upstream).toHaveLength(5);
  });

  it("within queue_timeout_ms the 4th request waits for a token instead of failing", async () => {
    const f = createFixture(provider(2000));
    for (let i = 0; i < 3; i++) await f.send("/x");
    let settled = false;
    const waiting = f.send("/x").then((r) => ((settled = true), r));
    await settle();
    expect(settled).toBe(false);
    expect(f.upstream).toHaveLength(3);
    await f.clock.advance(334);
    expect((await waiting).status).toBe(200);
    expect(f.upstream).toHaveLength(4);
  });

  it("a wait longer than queue_timeout_ms is refused at once", async () => {
    const f = createFixture(provider(100));
    for (let i = 0; i < 3; i++) await f.send("/x");
    const refused = await f.send("/x");
    expect(refused.status).toBe(429);
    expect(f.clock.pending).toBe(0);
  });

  it("categories have their own buckets; a category without its own list uses default", async () => {
    const f = createFixture(provider(0));
    expect((await f.send("/w/1", { method: "POST", body: "{}" })).status).toBe(200);
    expect((await f.send("/w/2", { method: "POST", body: "{}" })).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await f.send("/x")).status).toBe(200);
  });

  it("cache hits consume no tokens", async () => {
    const f = createFixture(provider(0).replace("mode: transparent", "mode: transparent\n  default_cache_ttl: 60"));
    const miss = await f.send("/c");
    expect(miss.headers.get("x-proxy-cache")).toBe("MISS");
    await miss.text();
    await settle();
    for (let i = 0; i < 5; i++) expect((await f.send("/c")).headers.get("x-proxy-cache")).toBe("HIT");
    expect((await f.send("/d")).status).toBe(200);
    expect((await f.send("/e")).status).toBe(200);
    expect((await f.send("/f")).status).toBe(429);
  });

  it("at most max_queued requests of a category wait at once; the next is refused at once, and the queue drains", async () => {
    const f = createFixture(provider(60_000).replace("queue_timeout_ms: 60000", "queue_timeout_ms: 60000\n  max_queued: 2"));
    for (let i = 0; i < 3; i++) await f.send("/x");
    const parked = [f.send("/x"), f.send("/x")];
    await settle();
    const overflow = await f.send("/x");
    expect(overflow.status).toBe(429);
    expect(overflow.headers.get("retry-after")).toBe("1");
    expect((await overflow.json()).error.message).toContain("waiting");
    expect(f.upstream).toHaveLength(3);
    await f.clock.advance(1000);
    expect((await Promise.all(parked)).map((r) => r.status)).toEqual([200, 200]);
    // The waiters left the queue: new ones may wait again (the minute window is empty now).
    const again = [f.send("/x"), f.send("/x")];
    await settle();
    expect(f.clock.pending).toBe(2);
    await f.clock.advance(60_000);
    expect((await Promise.all(again)).map((r) => r.status)).toEqual([200, 200]);
  });
});
