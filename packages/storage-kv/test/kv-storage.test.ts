import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type KvNamespaceLike, kvStorage } from "../src/index.js";

/** The real KV binding, with every write it receives counted. */
function countingKv() {
  const writes: string[] = [];
  const namespace: KvNamespaceLike = {
    get: (key) => env.OUTPOST_KV.get(key),
    put: (key, value, options) => (writes.push(`put ${key}`), env.OUTPOST_KV.put(key, value, options)),
    delete: (key) => (writes.push(`delete ${key}`), env.OUTPOST_KV.delete(key)),
  };
  return { namespace, writes };
}

function storageWith(keyPrefix = `kvtest:${crypto.randomUUID()}:`) {
  const kv = countingKv();
  return { ...kv, keyPrefix, storage: kvStorage({ namespace: kv.namespace, durableObject: env.OUTPOST_COORDINATOR, keyPrefix }) };
}

describe("kvStorage specifics (in workerd)", () => {
  it("runs inside workerd", () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });

  it("a 300 ms cache entry is dead after 300 ms although KV keeps it for its 60 s minimum", async () => {
    const { storage, keyPrefix } = storageWith();
    await storage.set("cache:x", "v", { ttlMs: 300 });
    expect(await storage.get("cache:x")).toBe("v");
    await new Promise((r) => setTimeout(r, 400));
    expect(await storage.get("cache:x")).toBeUndefined();
    const raw = JSON.parse((await env.OUTPOST_KV.get(`${keyPrefix}cache:x`)) as string);
    expect(raw).toMatchObject({ v: "v", exp: expect.any(Number) });
    const [listed] = (await env.OUTPOST_KV.list({ prefix: keyPrefix })).keys;
    expect(listed?.expiration).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 55);
  });

  it("expirationTtl is max(60, ceil(ttl / 1000)) seconds; no TTL means no KV expiry", async () => {
    const { storage, keyPrefix } = storageWith();
    const before = Math.floor(Date.now() / 1000);
    await storage.set("cache:long", "v", { ttlMs: 90_500 });
    await storage.set("cache:forever", "v");
    const keys = Object.fromEntries((await env.OUTPOST_KV.list({ prefix: keyPrefix })).keys.map((k) => [k.name.slice(keyPrefix.length), k.expiration]));
    expect(keys["cache:long"]! - before).toBeGreaterThanOrEqual(90);
    expect(keys["cache:long"]! - before).toBeLessThanOrEqual(92);
    expect(keys["cache:forever"]).toBeUndefined();
    expect(await storage.get("cache:forever")).toBe("v");
  });

  it("a TTL of zero deletes; delete removes from KV", async () => {
    const { storage } = storageWith();
    await storage.set("cache:z", "v", { ttlMs: 60_000 });
    await storage.set("cache:z", "w", { ttlMs: 0 });
    expect(await storage.get("cache:z")).toBeUndefined();
    await storage.set("cache:d", "v");
    await storage.delete("cache:d");
    expect(await storage.get("cache:d")).toBeUndefined();
  });

  it("every key family except the response cache causes zero KV writes", async () => {
    const { storage, writes, keyPrefix } = storageWith();
    const windows = [{ capacity: 5, windowMs: 60_000 }];
    await storage.set("cooldown:p:c", String(Date.now() - 1), { ttlMs: 1_000 });
    expect((await storage.takeTokens("rl:p:c", windows, Date.now(), 1, "cooldown:p:c")).ok).toBe(true);
    expect(await storage.reserve("idem:p:h:k", "pending", { ttlMs: 60_000 })).toEqual({ reserved: true });
    await storage.set("idem:p:h:k", "done", { ttlMs: 60_000 });
    expect(await storage.get("idem:p:h:k")).toBe("done");
    expect(await storage.reserve("oauth2:id:lock", "me", { ttlMs: 5_000 })).toEqual({ reserved: true });
    await storage.delete("oauth2:id:lock");
    expect(await storage.reserve("token:t", "seed", { ttlMs: 60_000 })).toEqual({ reserved: true });
    expect(await storage.get("token:t")).toBe("seed");
    expect(writes).toEqual([]);
    await storage.set("cache:k", "v", { ttlMs: 5_000 });
    expect(writes).toEqual([`put ${keyPrefix}cache:k`]);
  });

  it("two storages on the same bindings (two isolates) share buckets and reservations", async () => {
    const keyPrefix = `kvtest:${crypto.randomUUID()}:`;
    const [a, b] = [storageWith(keyPrefix).storage, storageWith(keyPrefix).storage];
    const now = Date.now();
    const windows = [{ capacity: 20, windowMs: 60_000 }];
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).takeTokens("rl:p:c", windows, now)));
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(await a.reserve("idem:p:h:x", "a", { ttlMs: 60_000 })).toEqual({ reserved: true });
    expect(await b.reserve("idem:p:h:x", "b", { ttlMs: 60_000 })).toEqual({ reserved: false, existing: "a" });
  });

  it("why the Durable Object: the same 100 concurrent takes against a KV-only counter over-permit", async () => {
    const key = `kvtest:${crypto.randomUUID()}:naive`;
    // Read, compare, write back: what a limiter on KV alone can do, with no atomic operation.
    const take = async () => {
      const used = Number((await env.OUTPOST_KV.get(key)) ?? "0");
      if (used >= 20) return false;
      await env.OUTPOST_KV.put(key, String(used + 1));
      return true;
    };
    const admitted = (await Promise.all(Array.from({ length: 100 }, take))).filter(Boolean).length;
    expect(admitted).toBeGreaterThan(20);
  });

  it("a cost above a window's capacity is refused with an infinite wait (survives the JSON hop)", async () => {
    const { storage } = storageWith();
    expect(await storage.takeTokens("rl:p:c", [{ capacity: 2, windowMs: 1_000 }], Date.now(), 3)).toEqual({ ok: false, retryAfterMs: Number.POSITIVE_INFINITY });
  });

  it("a gate key outside its bucket's object is refused loudly, never silently ignored", async () => {
    const { storage } = storageWith();
    await expect(storage.takeTokens("rl:p:c", [{ capacity: 1, windowMs: 1_000 }], Date.now(), 1, "cooldown:other:c")).rejects.toThrow(/gate key/);
  });
});
