/**
 * What the issue asks workerd to show beyond the shared scenarios: Durable Object atomicity across
 * isolates, zero KV writes on the plain path, and the body limit on chunked uploads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, eventually, providerYaml } from "./support/calls.js";
import { type LoopbackUpstreams, startLoopbackUpstreams } from "@outpost/test-support";
import { startWorkerdProxy, type WorkerdProxy } from "./support/workerd-proxy.js";

describe("the Worker in workerd, two isolates on one KV namespace and one Durable Object namespace", () => {
  let upstreams: LoopbackUpstreams;
  let proxy: WorkerdProxy;

  beforeAll(async () => {
    upstreams = await startLoopbackUpstreams();
    const base = upstreams.upstream.url;
    proxy = await startWorkerdProxy(
      {
        providers: [
          providerYaml("burst", `${base}/burst`, "auth: {type: none}\nforwarding: {queue_timeout_ms: 0, rate_limits: {default: [{capacity: 20, window_ms: 60000}]}}"),
          providerYaml("plain", `${base}/plain`, "auth: {type: bearer_static, env: PLAIN_TOKEN}\nforwarding: {treat_writes_as_sensitive: false, max_body_bytes: 1024}"),
          providerYaml("cached", `${base}/cached`, "auth: {type: none}\nforwarding: {default_cache_ttl: 60}"),
        ],
        secrets: { PLAIN_TOKEN: "plain-token-value" },
      },
      ["a", "b"],
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await upstreams?.stop();
  });

  it("100 concurrent requests, half through each isolate, against a limit of 20: exactly 20 reach the upstream", async () => {
    upstreams.upstream.clear();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => call(i % 2 ? proxy.request : (r) => proxy.requestTo("b", r), "burst", `/items/${i}`)),
    );
    expect(upstreams.upstream.requests).toHaveLength(20);
    expect(results.filter((r) => r.status === 200)).toHaveLength(20);
    expect(results.filter((r) => r.status === 429 && r.code === "PROXY_RATE_LIMITED")).toHaveLength(80);
  });

  it("100 plain forwarded requests (no cache, no stored token) cause zero KV writes; a cached answer costs one", async () => {
    await proxy.resetKvWrites();
    for (let i = 0; i < 10; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => call(proxy.request, "plain", `/v1/things/${i * 10 + j}`)));
      expect(batch.map((r) => r.status)).toEqual(Array(10).fill(200));
    }
    expect(await proxy.kvWrites()).toEqual([]);
    // The counter does see writes: one cacheable answer is one put.
    expect((await call(proxy.request, "cached", "/v1/doc")).headers.get("x-proxy-cache")).toBe("MISS");
    const writes = await eventually(async () => ((await proxy.kvWrites()).length > 0 ? proxy.kvWrites() : undefined));
    expect(writes).toEqual([expect.stringMatching(/^put outpost:cache:[0-9a-f]{64}$/)]);
  });

  it("a chunked body over max_body_bytes gets 413 and the upstream acts on nothing (no truncated body)", async () => {
    upstreams.upstream.clear();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode("x".repeat(1000)));
        await new Promise((r) => setTimeout(r, 50));
        controller.enqueue(new TextEncoder().encode("y".repeat(1000)));
        controller.close();
      },
    });
    const res = await proxy.mf.dispatchFetch("http://outpost.test/v1/upload/echo-body", {
      method: "POST",
      headers: { "X-Provider": "plain", "CF-Connecting-IP": "127.0.0.1" },
      body: body as unknown as NonNullable<Parameters<typeof proxy.mf.dispatchFetch>[1]>["body"],
      duplex: "half",
    });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([413, "PROXY_PAYLOAD_TOO_LARGE"]);
    expect(upstreams.upstream.requests.filter((r) => r.body.byteLength > 0)).toEqual([]);
  });

  it("createWorker's onEvent receives one request event per answer, carrying configured names and codes only", async () => {
    const before = (await proxy.events()).length;
    expect((await call(proxy.request, "plain", "/events/one?token=abc")).status).toBe(200);
    expect((await call(proxy.request, "nope", "/events/two")).status).toBe(400);
    const events = await eventually(async () => {
      const all = (await proxy.events()).slice(before).filter((e) => e.type === "request");
      return all.length >= 2 ? all : undefined;
    });
    expect(events.map((e) => [e.provider ?? null, e.statusClass, e.errorCode ?? null])).toEqual([
      ["plain", "2xx", null],
      [null, "4xx", "PROXY_UNKNOWN_PROVIDER"],
    ]);
    const text = JSON.stringify(events);
    for (const absent of ["/events/", "token=abc", "nope", "plain-token-value"]) expect(text).not.toContain(absent);
  });
});
