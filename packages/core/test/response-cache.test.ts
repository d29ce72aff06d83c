import { describe, expect, it } from "vitest";
import { createFixture, settle } from "./support/gateway-fixture.js";

const PROVIDER = `name: p
base_url: https://api.example.com
auth: {type: bearer_static, env: P_TOKEN}
cache_vary: [Stripe-Account]
forwarding:
  mode: allowlist
  allow:
    - {pattern: "/cached/**", methods: [GET, HEAD], cache_ttl: 30}
    - {pattern: "/plain/**", methods: [GET]}
`;

const script = (path: string) => {
  const last = path.split("/").at(-1);
  if (last === "cookie") return new Response("{}", { headers: { "Set-Cookie": "s=1", "Content-Type": "application/json" } });
  if (last === "nostore") return new Response("{}", { headers: { "Cache-Control": "no-store" } });
  if (last === "private") return new Response("{}", { headers: { "Cache-Control": "private, max-age=60" } });
  if (last === "partial") return new Response("par", { status: 206, headers: { "Content-Range": "bytes 0-2/10" } });
  if (last === "error") return new Response("{}", { status: 500 });
  if (last === "varystar") return new Response("{}", { headers: { Vary: "*" } });
  if (last === "big") return new Response(new Uint8Array(1024 * 1024 + 1));
  return undefined;
};

async function get(f: ReturnType<typeof createFixture>, target: string, init: Parameters<ReturnType<typeof createFixture>["send"]>[1] = {}) {
  const res = await f.send(target, init);
  const body = await res.text();
  await settle();
  return { status: res.status, cache: res.headers.get("x-proxy-cache"), body, headers: res.headers };
}

describe("response cache (DESIGN §5.2)", () => {
  it("a second identical GET from the same host is a HIT with the same status, body and content type; the upstream saw one request", async () => {
    const f = createFixture(PROVIDER, { script });
    const miss = await get(f, "/cached/a?x=1&y=2");
    expect(miss.cache).toBe("MISS");
    const hit = await get(f, "/cached/a?y=2&x=1");
    expect(hit).toMatchObject({ status: 200, cache: "HIT", body: miss.body });
    expect(hit.headers.get("content-type")).toBe(miss.headers.get("content-type"));
    expect(hit.headers.get("x-proxy-provider")).toBe("p");
    expect(f.upstream).toHaveLength(1);
  });

  it("host A's cached answer is never served to host B", async () => {
    const f = createFixture(PROVIDER, { script });
    await get(f, "/cached/a", { from: "a" });
    expect((await get(f, "/cached/a", { from: "b" })).cache).toBe("MISS");
    expect(f.upstream).toHaveLength(2);
    expect((await get(f, "/cached/a", { from: "b" })).cache).toBe("HIT");
  });

  it("the key includes Accept and cache_vary headers", async () => {
    const f = createFixture(PROVIDER, { script });
    await get(f, "/cached/a", { headers: { Accept: "application/json" } });
    expect((await get(f, "/cached/a", { headers: { Accept: "text/csv" } })).cache).toBe("MISS");
    await get(f, "/cached/b", { headers: { "Stripe-Account": "acct_1" } });
    expect((await get(f, "/cached/b", { headers: { "Stripe-Account": "acct_2" } })).cache).toBe("MISS");
    expect((await get(f, "/cached/b", { headers: { "Stripe-Account": "acct_1" } })).cache).toBe("HIT");
  });

  it.each(["cookie", "nostore", "private", "partial", "error", "varystar", "big"])("a %s answer is never stored", async (kind) => {
    const f = createFixture(PROVIDER, { script });
    await get(f, `/cached/${kind}`);
    const again = await get(f, `/cached/${kind}`);
    expect(again.cache).toBe("MISS");
    expect(f.upstream).toHaveLength(2);
  });

  it("a Set-Cookie answer is relayed without the cookie and not stored", async () => {
    const f = createFixture(PROVIDER, { script });
    const res = await get(f, "/cached/cookie");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("entries expire after cache_ttl", async () => {
    const f = createFixture(PROVIDER, { script });
    await get(f, "/cached/t");
    await f.clock.advance(29_000);
    expect((await get(f, "/cached/t")).cache).toBe("HIT");
    await f.clock.advance(2_000);
    expect((await get(f, "/cached/t")).cache).toBe("MISS");
  });

  it("routes without cache_ttl are BYPASS; an abandoned read is not stored", async () => {
    const f = createFixture(PROVIDER, { script });
    expect((await get(f, "/plain/x")).cache).toBe("BYPASS");
    const abandoned = await f.send("/cached/abandon");
    await abandoned.body?.cancel();
    await settle();
    expect((await get(f, "/cached/abandon")).cache).toBe("MISS");
  });

  it("an answer larger than max_cache_entry_bytes is relayed whole and not stored", async () => {
    const f = createFixture(PROVIDER.replace("mode: allowlist", "mode: allowlist\n  max_cache_entry_bytes: 6"), { script });
    const first = await get(f, "/cached/small");
    const again = await get(f, "/cached/small");
    expect(first.body).toBe('{"n":1}');
    expect([first.cache, again.cache]).toEqual(["MISS", "MISS"]);
    expect(again.body).toBe('{"n":2}');
    expect(f.upstream).toHaveLength(2);
  });
});
