import { once } from "node:events";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESERVE_SCRIPT, redisStorage, TAKE_TOKENS_SCRIPT } from "../src/index.js";
import { connectRedis, countingClient, testPrefix } from "./helpers.js";

// A Redis restart, a failover to a replica or `SCRIPT FLUSH` empties the script cache; EVALSHA
// then answers NOSCRIPT, and the storage must resend the script instead of failing the request.
let client: Redis;
let admin: Redis;
const keyPrefix = testPrefix("script-flush");

beforeAll(async () => {
  [client, admin] = await Promise.all([connectRedis(), connectRedis()]);
});
afterAll(async () => {
  await redisStorage({ client: admin, keyPrefix }).clear();
  await Promise.all([client.quit(), admin.quit()]);
});

describe("after SCRIPT FLUSH", () => {
  it("the next take and reserve still succeed, with their state intact, and re-cache the scripts", async () => {
    const counting = countingClient(client);
    const storage = redisStorage({ client: counting.client, keyPrefix });
    const windows = [{ capacity: 3, windowMs: 60_000 }];
    const now = Date.now();
    expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: true });
    expect(await storage.reserve("r", "first", { ttlMs: 60_000 })).toEqual({ reserved: true });

    await admin.script("FLUSH");
    expect(await admin.script("EXISTS", TAKE_TOKENS_SCRIPT.sha1, RESERVE_SCRIPT.sha1)).toEqual([0, 0]);

    counting.calls.length = 0;
    expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: true });
    expect(counting.calls).toEqual(["evalsha", "eval"]); // NOSCRIPT, then the source once
    expect(await storage.reserve("r", "second", { ttlMs: 60_000 })).toEqual({ reserved: false, existing: "first" });
    expect(await admin.script("EXISTS", TAKE_TOKENS_SCRIPT.sha1, RESERVE_SCRIPT.sha1)).toEqual([1, 1]);

    counting.calls.length = 0;
    expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: true });
    expect(await storage.takeTokens("b", windows, now)).toEqual({ ok: false, retryAfterMs: 20_000 });
    expect(counting.calls).toEqual(["evalsha", "evalsha"]); // back to one round trip
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
    const reconnected = once(client, "ready");
    await admin.script("FLUSH");
    await admin.client("KILL", "ID", id);
    await reconnected;
    expect(await storage.reserve("after-kill", "v", { ttlMs: 60_000 })).toEqual({ reserved: true });
    expect(await storage.takeTokens("after-kill", [{ capacity: 1, windowMs: 60_000 }], Date.now())).toEqual({ ok: true });
    await expect(storage.ping()).resolves.toBeUndefined();
  });
});
