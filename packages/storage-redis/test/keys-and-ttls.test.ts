import type { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { redisStorage } from "../src/index.js";
import { countingClient, sharedRedis, testPrefix } from "./helpers.js";

const redis = sharedRedis();
let client: Redis;
beforeEach(async () => {
  client = await redis.get();
});
afterAll(() => redis.quit());

async function keysUnder(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
    found.push(...keys);
    cursor = next;
  } while (cursor !== "0");
  return found.sort();
}

describe("keys and TTLs", () => {
  it("every key carries the prefix, and everything but an operator-set value expires", async () => {
    const keyPrefix = testPrefix("keys");
    const storage = redisStorage({ client, keyPrefix });
    const windows = [
      { capacity: 5, windowMs: 1_000 },
      { capacity: 100, windowMs: 3_600_000 },
    ];
    await storage.set("cache:entry", "v", { ttlMs: 30_000 });
    await storage.set("token:operator", "secret");
    await storage.reserve("idem:key", "fp", { ttlMs: 86_400_000 });
    await storage.takeTokens("rl:github:default", windows, Date.now());

    expect(await keysUnder(`${keyPrefix}*`)).toEqual(
      ["cache:entry", "idem:key", "rl:github:default:1000", "rl:github:default:3600000", "token:operator"].map((k) => keyPrefix + k),
    );
    for (const name of ["cache:entry", "idem:key", "rl:github:default:1000", "rl:github:default:3600000", "token:operator"]) {
      expect(await client.exists(name)).toBe(0); // nothing written outside the prefix
    }
    const pttl = async (name: string) => client.pttl(keyPrefix + name);
    expect(await pttl("cache:entry")).toBeGreaterThan(29_000);
    expect(await pttl("cache:entry")).toBeLessThanOrEqual(30_000);
    expect(await pttl("idem:key")).toBeGreaterThan(86_399_000);
    expect(await pttl("rl:github:default:1000")).toBeGreaterThan(0);
    expect(await pttl("rl:github:default:1000")).toBeLessThanOrEqual(1_000);
    expect(await pttl("rl:github:default:3600000")).toBeGreaterThan(3_599_000);
    expect(await pttl("token:operator")).toBe(-1); // set without ttlMs persists

    // Re-setting with a TTL replaces the persistent entry's "no expiry", and vice versa.
    await storage.set("token:operator", "rotated", { ttlMs: 10_000 });
    expect(await pttl("token:operator")).toBeGreaterThan(0);
    await storage.set("cache:entry", "pinned");
    expect(await pttl("cache:entry")).toBe(-1);

    expect(await storage.clear()).toBe(5);
    expect(await keysUnder(`${keyPrefix}*`)).toEqual([]);
  });

  it("TTLs round up to whole ms, never down; a TTL of zero or less stores nothing", async () => {
    const keyPrefix = testPrefix("ttl-edges");
    const storage = redisStorage({ client, keyPrefix });
    await storage.set("frac", "v", { ttlMs: 1_500.2 });
    const pttl = await client.pttl(`${keyPrefix}frac`);
    expect(pttl).toBeGreaterThan(1_000);
    expect(pttl).toBeLessThanOrEqual(1_501); // PX 1501
    await expect(storage.set("tiny", "v", { ttlMs: 0.2 })).resolves.toBeUndefined(); // PX 1, not PX 0 (an error)
    expect(await client.pttl(`${keyPrefix}tiny`)).toBeLessThanOrEqual(1); // 1 ms left, or already gone (-2)
    await storage.set("zero", "v", { ttlMs: 0 });
    expect(await storage.get("zero")).toBeUndefined();
    await storage.set("gone", "old");
    await storage.set("gone", "new", { ttlMs: -5 });
    expect(await storage.get("gone")).toBeUndefined();
    await storage.clear();
  });

  it("clear() treats glob characters in the prefix literally and touches nothing else", async () => {
    const base = testPrefix("glob");
    // Keys an unescaped pattern would wrongly match (`a*b` matches `aXb`, `[ab]` matches `b`, `?` matches `x`);
    // for a prefix ending in a backslash, an unescaped pattern would instead miss the storage's own keys.
    const neighbours = [`${base}aXb`, `${base}ab`, `${base}b`, `${base}x`, `${base}other`];
    for (const key of neighbours) await client.set(key, "keep", "PX", 60_000);
    for (const keyPrefix of [`${base}a*b`, `${base}[ab]`, `${base}?`, `${base}\\`]) {
      const storage = redisStorage({ client, keyPrefix });
      await storage.set("k1", "v", { ttlMs: 60_000 });
      await storage.set("k2", "v", { ttlMs: 60_000 });
      expect(await storage.clear()).toBe(2);
      expect(await client.exists(...neighbours)).toBe(neighbours.length);
    }
    expect(await client.del(...neighbours)).toBe(neighbours.length);
  });

  it("an empty prefix stores keys as given, and clear() then refuses rather than empty the database", async () => {
    const key = testPrefix("no-prefix");
    const storage = redisStorage({ client, keyPrefix: "" });
    await storage.set(key, "v", { ttlMs: 60_000 });
    expect(await client.get(key)).toBe("v");
    await expect(storage.clear()).rejects.toThrow(/keyPrefix/);
    expect(await client.get(key)).toBe("v");
    await storage.delete(key);
  });
});

describe("round trips", () => {
  it("one command per operation; a take over three windows is one EVALSHA", async () => {
    const keyPrefix = testPrefix("round-trips");
    const counting = countingClient(client);
    const storage = redisStorage({ client: counting.client, keyPrefix });
    const windows = [
      { capacity: 10, windowMs: 1_000 },
      { capacity: 100, windowMs: 60_000 },
      { capacity: 1_000, windowMs: 3_600_000 },
    ];
    const measure = async (work: () => Promise<unknown>) => {
      counting.calls.length = 0;
      await work();
      return [...counting.calls];
    };
    await storage.takeTokens("warm", windows, Date.now()); // the script is cached on the server from here on
    await storage.reserve("warm", "v", { ttlMs: 1_000 });

    expect(await measure(() => storage.takeTokens("b", windows, Date.now()))).toEqual(["evalsha"]);
    expect(await measure(() => storage.reserve("r", "v", { ttlMs: 60_000 }))).toEqual(["evalsha"]);
    expect(await measure(() => storage.reserve("r", "w", { ttlMs: 60_000 }))).toEqual(["evalsha"]);
    expect(await measure(() => storage.get("r"))).toEqual(["get"]);
    expect(await measure(() => storage.set("s", "v", { ttlMs: 1_000 }))).toEqual(["set"]);
    expect(await measure(() => storage.delete("s"))).toEqual(["del"]);
    expect(await measure(() => storage.ping())).toEqual(["ping"]);
    await storage.clear();
  });
});
