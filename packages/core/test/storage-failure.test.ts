import { describe, expect, it } from "vitest";
import type { Storage } from "../src/index.js";
import { createFixture, settle } from "./support/gateway-fixture.js";

/** A storage whose backend is down: every operation rejects (invariant 7, SEC-107). */
const down: Storage = {
  name: "down",
  capabilities: { atomic: true, minTtlMs: 1, shared: true },
  get: () => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")),
  set: () => Promise.reject(new Error("ECONNREFUSED")),
  delete: () => Promise.reject(new Error("ECONNREFUSED")),
  reserve: () => Promise.reject(new Error("ECONNREFUSED")),
  takeTokens: () => Promise.reject(new Error("ECONNREFUSED")),
  ping: () => Promise.reject(new Error("ECONNREFUSED")),
};

const PROVIDER = `name: p
base_url: https://api.example.com
auth: {type: bearer_static, env: P_TOKEN}
forwarding:
  mode: allowlist
  rate_limits:
    limited: [{capacity: 10, window_ms: 1000}]
  allow:
    - {pattern: "/limited/**", methods: [GET], category: limited}
    - {pattern: "/cached/**", methods: [GET], cache_ttl: 60}
    - {pattern: "/pay/**", methods: [POST], sensitive: false}
`;

describe("storage unavailable: deciding steps fail closed with 503, the cache fails open", () => {
  it("a rate-limited route answers 503 PROXY_STORAGE_UNAVAILABLE and never forwards; the message names no backend detail", async () => {
    const f = createFixture(PROVIDER, { storage: down });
    const res = await f.send("/limited/x");
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.code).toBe("PROXY_STORAGE_UNAVAILABLE");
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|6379/);
    expect(f.upstream).toHaveLength(0);
  });

  it("a POST with an Idempotency-Key answers 503 before the upstream", async () => {
    const f = createFixture(PROVIDER, { storage: down });
    const res = await f.send("/pay/x", { method: "POST", body: "{}", headers: { "Idempotency-Key": "K" } });
    expect(res.status).toBe(503);
    expect(f.upstream).toHaveLength(0);
  });

  it("a cacheable GET on a route without rate limits is forwarded without the cache", async () => {
    const f = createFixture(PROVIDER, { storage: down });
    const res = await f.send("/cached/x");
    expect(res.status).toBe(200);
    await res.text();
    await settle();
    expect(f.upstream).toHaveLength(1);
  });

  it("/readyz answers 503 while /healthz answers 200", async () => {
    const f = createFixture(PROVIDER, { storage: down });
    const ready = await f.gateway.fetch(new Request("http://outpost/readyz"), { clientAddress: "203.0.113.9" });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable", storage: "down" });
    const health = await f.gateway.fetch(new Request("http://outpost/healthz"), { clientAddress: "203.0.113.9" });
    expect(health.status).toBe(200);
  });

  it("/readyz answers 200 with a working storage", async () => {
    const f = createFixture(PROVIDER);
    const ready = await f.gateway.fetch(new Request("http://outpost/readyz"), { clientAddress: "203.0.113.9" });
    expect(await ready.json()).toEqual({ status: "ready", storage: "memory" });
  });
});
