import { freePort } from "@outpost/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RESERVE_SCRIPT, redisStorage, TAKE_TOKENS_SCRIPT } from "../src/index.js";
import { connectRedis, countingClient, HAS_REDIS_SERVER, killRedisServer, nextReady, sharedRedis, startRedisServer, testPrefix } from "./helpers.js";

// A Redis restart, a failover to a replica or `SCRIPT FLUSH` empties the script cache; EVALSHA
// then answers NOSCRIPT, and the storage must resend the script instead of failing the request.
// Other test files use the shared server at the same time and may reload a script right after a
// flush, so the test that checks the exact commands sent runs on a private server.
const windows = [{ capacity: 3, windowMs: 60_000 }];

/** Take, reserve, flush, then the same again: state intact, scripts back in the cache. */
async function flushBetweenOperations(client: Redis, admin: Redis, keyPrefix: string) {
  const counting = countingClient(client);
  const storage = redisStorage({ client: counting.client, keyPrefix });
  const now = Date.now();
  expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: true });
  expect(await storage.reserve("r", "first", { ttlMs: 60_000 })).toEqual({ reserved: true });

  await admin.script("FLUSH");
  counting.calls.length = 0;
  expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: true });
  expect(await storage.reserve("r", "second", { ttlMs: 60_000 })).toEqual({ reserved: false, existing: "first" });
  expect(await admin.script("EXISTS", TAKE_TOKENS_SCRIPT.sha1, RESERVE_SCRIPT.sha1)).toEqual([1, 1]);
  const afterFlush = [...counting.calls];

  counting.calls.length = 0;
  expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: true });
  expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: false, retryAfterMs: 20_000 });
  expect(counting.calls).toEqual(["evalsha", "evalsha"]); // back to one round trip each
  return afterFlush;
}

describe("SCRIPT FLUSH on the shared Redis", () => {
  const redisClient = sharedRedis();
  const redisAdmin = sharedRedis();
  let client: Redis;
  let admin: Redis;
  const keyPrefix = testPrefix("script-flush");
  beforeEach(async () => {
    [client, admin] = await Promise.all([redisClient.get(), redisAdmin.get()]);
  });
  afterAll(async () => {
    if (admin) await redisStorage({ client: admin, keyPrefix }).clear();
    await Promise.all([redisClient.quit(), redisAdmin.quit()]);
  });

  it("between operations: the next take and reserve still succeed, with their state intact", async () => {
    await flushBetweenOperations(client, admin, keyPrefix);
  });

  it("20 concurrent takes right after a flush: all answered, none lost", async () => {
    const storage = redisStorage({ client, keyPrefix });
    await admin.script("FLUSH");
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => storage.takeTokens("c", [{ capacity: 5, windowMs: 60_000 }], now)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });

  it("a dropped connection plus an empty script cache: requests work again once the client reconnects", async () => {
    const storage = redisStorage({ client, keyPrefix });
    const id = await client.client("ID");
    const reconnected = nextReady(client);
    await admin.script("FLUSH");
    await admin.client("KILL", "ID", id);
    await reconnected;
    expect(await storage.reserve("after-kill", "v", { ttlMs: 60_000 })).toEqual({ reserved: true });
    expect(await storage.takeTokens("after-kill", [{ capacity: 1, windowMs: 60_000 }], Date.now())).toEqual({ ok: true });
    await expect(storage.ping()).resolves.toBeUndefined();
  });
});

describe("SCRIPT FLUSH on a private Redis (nobody else reloads the scripts)", () => {
  // Needs the redis-server binary; under CI its absence is a failure, never a skip.
  it.skipIf(!HAS_REDIS_SERVER && process.env.CI !== "true")("NOSCRIPT costs one extra round trip (EVAL), once per script", async () => {
    expect(HAS_REDIS_SERVER, "redis-server must be on PATH").toBe(true);
    const port = await freePort();
    const server = await startRedisServer(port);
    try {
      const url = `redis://127.0.0.1:${port}`;
      const [client, admin] = await Promise.all([connectRedis(url), connectRedis(url)]);
      const afterFlush = await flushBetweenOperations(client, admin, testPrefix("script-flush-private"));
      expect(afterFlush).toEqual(["evalsha", "eval", "evalsha", "eval"]);
      client.disconnect();
      admin.disconnect();
    } finally {
      await killRedisServer(server);
    }
  });
});
