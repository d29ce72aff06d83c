import { describe, expect, it } from "vitest";
import { createFixture, settle } from "./support/gateway-fixture.js";

const PROVIDER = `name: p
base_url: https://api.example.com
auth: {type: bearer_static, env: P_TOKEN}
forwarding:
  mode: transparent
  rate_limits:
    default: [{capacity: 2, window_ms: 60000}]
`;

/** The upstream answers POST /charges with a fresh id each time, 500 on /fail, slowly on /slow. */
function script(path: string) {
  if (path.endsWith("/fail")) return new Response('{"error":"boom"}', { status: 500 });
  if (path.endsWith("/slow")) return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100));
  return undefined;
}

async function post(f: ReturnType<typeof createFixture>, target: string, key: string | undefined, body: string, from: "a" | "b" = "a") {
  const res = await f.send(target, { method: "POST", body, from, headers: key === undefined ? {} : { "Idempotency-Key": key } });
  const text = await res.text();
  await settle();
  return { status: res.status, cache: res.headers.get("x-proxy-cache"), text, code: res.status >= 400 && text.startsWith("{") ? JSON.parse(text).error?.code : undefined };
}

describe("idempotency (DESIGN §5.3)", () => {
  it("two identical POSTs: one upstream call; the second is an IDEMPOTENT-HIT with the same status and body; the header is still forwarded", async () => {
    const f = createFixture(PROVIDER, { script });
    const first = await post(f, "/v1/charges", "K1", '{"amount":1}');
    const second = await post(f, "/v1/charges", "K1", '{"amount":1}');
    expect(first.cache).toBe("BYPASS");
    expect(second).toMatchObject({ status: first.status, cache: "IDEMPOTENT-HIT", text: first.text });
    expect(f.upstream).toHaveLength(1);
    expect(f.upstream[0]?.headers.get("idempotency-key")).toBe("K1");
    expect(f.upstream[0]?.body).toBe('{"amount":1}');
  });

  it("20 concurrent duplicates: exactly one upstream call, the others 409 or a replay", async () => {
    const f = createFixture(PROVIDER.replace("capacity: 2", "capacity: 100"), { script });
    const results = await Promise.all(Array.from({ length: 20 }, () => post(f, "/v1/slow", "K-race", '{"amount":2}')));
    expect(f.upstream).toHaveLength(1);
    const forwarded = results.filter((r) => r.cache === "BYPASS");
    expect(forwarded).toHaveLength(1);
    for (const r of results) {
      if (r === forwarded[0]) continue;
      expect(r.code === "PROXY_IDEMPOTENCY_IN_PROGRESS" || r.cache === "IDEMPOTENT-HIT").toBe(true);
    }
    expect(results.some((r) => r.code === "PROXY_IDEMPOTENCY_IN_PROGRESS" && r.status === 409)).toBe(true);
  });

  it("the same key with another body, path or method gets 422 PROXY_IDEMPOTENCY_KEY_REUSED", async () => {
    const f = createFixture(PROVIDER.replace("capacity: 2", "capacity: 100"), { script });
    await post(f, "/v1/charges", "K2", '{"amount":1}');
    expect(await post(f, "/v1/charges", "K2", '{"amount":9}')).toMatchObject({ status: 422, code: "PROXY_IDEMPOTENCY_KEY_REUSED" });
    expect(await post(f, "/v1/refunds", "K2", '{"amount":1}')).toMatchObject({ status: 422, code: "PROXY_IDEMPOTENCY_KEY_REUSED" });
    expect(f.upstream).toHaveLength(1);
  });

  it("a 500 answer is not stored: a retry with the same key reaches the upstream", async () => {
    const f = createFixture(PROVIDER, { script });
    expect((await post(f, "/v1/fail", "K3", "{}")).status).toBe(500);
    expect((await post(f, "/v1/fail", "K3", "{}")).status).toBe(500);
    expect(f.upstream).toHaveLength(2);
  });

  it("host B using host A's key is independent of A", async () => {
    const f = createFixture(PROVIDER, { script });
    const a = await post(f, "/v1/charges", "K4", '{"amount":1}', "a");
    const b = await post(f, "/v1/charges", "K4", '{"amount":1}', "b");
    expect(b.cache).toBe("BYPASS");
    expect(b.text).not.toBe(a.text);
    expect(f.upstream).toHaveLength(2);
  });

  it("replays consume no rate-limit tokens", async () => {
    const f = createFixture(PROVIDER, { script });
    await post(f, "/v1/charges", "K5", "{}");
    for (let i = 0; i < 5; i++) expect((await post(f, "/v1/charges", "K5", "{}")).cache).toBe("IDEMPOTENT-HIT");
    expect((await post(f, "/v1/other", undefined, "{}")).status).toBe(200);
    expect((await post(f, "/v1/other", undefined, "{}")).status).toBe(429);
  });

  it("a rate-limit refusal after the claim releases the key", async () => {
    const f = createFixture(PROVIDER, { script });
    await post(f, "/v1/a", undefined, "{}");
    await post(f, "/v1/b", undefined, "{}");
    expect((await post(f, "/v1/charges", "K6", "{}")).status).toBe(429);
    await f.clock.advance(30_000);
    expect((await post(f, "/v1/charges", "K6", "{}")).status).toBe(200);
  });

  it("answers are replayed for 24 h, then the key is forgotten", async () => {
    const f = createFixture(PROVIDER.replace("capacity: 2", "capacity: 100"), { script });
    await post(f, "/v1/charges", "K7", "{}");
    await f.clock.advance(24 * 3600 * 1000 - 1000);
    expect((await post(f, "/v1/charges", "K7", "{}")).cache).toBe("IDEMPOTENT-HIT");
    await f.clock.advance(2000);
    expect((await post(f, "/v1/charges", "K7", "{}")).cache).toBe("BYPASS");
    expect(f.upstream).toHaveLength(2);
  });

  it("Idempotency-Key on GET is ignored; an over-long key is a 400", async () => {
    const f = createFixture(PROVIDER.replace("capacity: 2", "capacity: 100"), { script });
    const get1 = await f.send("/v1/x", { headers: { "Idempotency-Key": "K8" } });
    const get2 = await f.send("/v1/x", { headers: { "Idempotency-Key": "K8" } });
    expect([get1.headers.get("x-proxy-cache"), get2.headers.get("x-proxy-cache")]).toEqual(["BYPASS", "BYPASS"]);
    expect((await post(f, "/v1/charges", "k".repeat(256), "{}")).code).toBe("PROXY_BAD_REQUEST");
  });

  it("an answer larger than max_idempotency_entry_bytes is not kept: the key is freed and a retry reaches the upstream", async () => {
    const f = createFixture(PROVIDER.replace("mode: transparent", "mode: transparent\n  max_idempotency_entry_bytes: 4"), { script });
    const first = await post(f, "/v1/charges", "K-big", '{"amount":1}');
    const second = await post(f, "/v1/charges", "K-big", '{"amount":1}');
    expect([first.cache, second.cache]).toEqual(["BYPASS", "BYPASS"]);
    expect(f.upstream).toHaveLength(2);
  });
});
