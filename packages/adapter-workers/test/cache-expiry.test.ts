/**
 * KV keeps every entry at least 60 s; a 5-second cache entry must still die after 5 s. The entry
 * carries its own expiry, and this test checks against the real KV of the running Worker.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { call, eventually, providerYaml } from "./support/calls.js";
import { type LoopbackUpstreams, startLoopbackUpstreams } from "@outpost/test-support";
import { startWorkerdProxy, type WorkerdProxy } from "./support/workerd-proxy.js";

let upstreams: LoopbackUpstreams;
let proxy: WorkerdProxy;

beforeAll(async () => {
  upstreams = await startLoopbackUpstreams();
  const yaml = providerYaml("docs", `${upstreams.upstream.url}/docs`, 'auth: {type: none}\nforwarding:\n  mode: allowlist\n  allow: [{pattern: "/pages/**", methods: [GET], cache_ttl: 5}]');
  proxy = await startWorkerdProxy({ providers: [yaml], secrets: {} });
});
afterAll(async () => {
  await proxy?.stop();
  await upstreams?.stop();
});

it("a GET with cache_ttl 5 is a HIT within 5 s and reaches the upstream again after 5 s, although KV still holds it", async () => {
  // Typed against workers-types, which this package does not install: the two methods used here.
  const kv = (await proxy.mf.getKVNamespace("OUTPOST_KV")) as unknown as {
    list(options: { prefix: string }): Promise<{ keys: { name: string; expiration?: number }[] }>;
    get(key: string): Promise<string | null>;
  };
  const first = await call(proxy.request, "docs", "/pages/a");
  expect([first.status, first.headers.get("x-proxy-cache")]).toEqual([200, "MISS"]);
  // The store happens after the answer (waitUntil): wait for it rather than guess how long it takes.
  const [key] = await eventually(async () => ((await kv.list({ prefix: "outpost:cache:" })).keys.length > 0 ? (await kv.list({ prefix: "outpost:cache:" })).keys : undefined));
  const entry = JSON.parse((await kv.get(key!.name)) as string) as { v: string; exp: number };
  // Its own expiry is 5 s out; KV's is the 60 s minimum.
  expect(key!.expiration! * 1000 - entry.exp).toBeGreaterThanOrEqual(54_000);

  expect((await call(proxy.request, "docs", "/pages/a")).headers.get("x-proxy-cache")).toBe("HIT");
  expect(upstreams.upstream.requests).toHaveLength(1);

  await new Promise((r) => setTimeout(r, entry.exp - Date.now() + 100));
  expect((await kv.list({ prefix: "outpost:cache:" })).keys.map((k) => k.name)).toEqual([key!.name]);
  const after = await call(proxy.request, "docs", "/pages/a");
  expect([after.status, after.headers.get("x-proxy-cache")]).toEqual([200, "MISS"]);
  expect(upstreams.upstream.requests).toHaveLength(2);
});
