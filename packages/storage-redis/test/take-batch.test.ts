import type { TakeResult, TokenWindow } from "@outpost/core";
import type { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_TAKES_PER_BATCH } from "../src/internal/take-batcher.js";
import { redisStorage } from "../src/index.js";
import { countingClient, sharedRedis, testPrefix } from "./helpers.js";

// Takes made in one event-loop turn share one EVALSHA. Batching must be invisible: every take
// gets the answer it would get alone, in the order the takes were made, gates included.
const redis = sharedRedis();
let client: Redis;
const prefixes: string[] = [];
beforeEach(async () => {
  client = await redis.get();
});
afterAll(async () => {
  for (const keyPrefix of prefixes) await redisStorage({ client, keyPrefix }).clear();
  await redis.quit();
});

function freshPrefix(name: string): string {
  const keyPrefix = testPrefix(`take-batch-${name}`);
  prefixes.push(keyPrefix);
  return keyPrefix;
}

interface Take {
  readonly bucket: string;
  readonly windows: readonly TokenWindow[];
  readonly cost: number;
  readonly gate?: string;
}

const small = [{ capacity: 3, windowMs: 1_000 }];
const twoWindows = [
  { capacity: 5, windowMs: 1_000 },
  { capacity: 2.5, windowMs: 60_000 },
];
/** Several buckets, shared windows, costs above capacity, a closed gate and a missing one. */
const TAKES: Take[] = Array.from({ length: 40 }, (_, i) => ({
  bucket: ["a", "b", "c", "d"][i % 4]!,
  windows: i % 4 === 1 ? twoWindows : small,
  cost: i % 7 === 3 ? 4 : i % 5 === 0 ? 0.5 : 1,
  ...(i % 4 === 2 ? { gate: "gate-closed" } : i % 4 === 3 ? { gate: "gate-missing" } : {}),
}));

async function prepare(keyPrefix: string, now: number) {
  await client.set(`${keyPrefix}gate-closed`, String(now + 1_500), "PX", 60_000);
}

describe("takeTokens batching", () => {
  it("takes made in one turn share one EVALSHA and get exactly what one-by-one takes get", async () => {
    const now = 1_700_000_000_000;
    const oneByOne = freshPrefix("sequential");
    const batched = freshPrefix("batched");
    await Promise.all([prepare(oneByOne, now), prepare(batched, now)]);

    const sequential = redisStorage({ client, keyPrefix: oneByOne });
    const expected: TakeResult[] = [];
    for (const t of TAKES) expected.push(await sequential.takeTokens(t.bucket, t.windows, now, t.cost, t.gate));
    expect(expected.filter((r) => r.ok).length).toBeGreaterThan(0);
    expect(expected.filter((r) => !r.ok && r.gated).length).toBeGreaterThan(0);
    expect(expected.filter((r) => !r.ok && !r.gated).length).toBeGreaterThan(0);

    const counting = countingClient(client);
    const storage = redisStorage({ client: counting.client, keyPrefix: batched });
    await storage.takeTokens("warm-up", small, now); // the script is in the server's cache from here on
    counting.calls.length = 0;
    const results = await Promise.all(TAKES.map((t) => storage.takeTokens(t.bucket, t.windows, now, t.cost, t.gate)));
    expect(results).toEqual(expected);
    expect(counting.calls).toEqual(["evalsha"]);

    // State afterwards is the same too: the next takes agree.
    const next = await Promise.all(TAKES.slice(0, 8).map((t) => storage.takeTokens(t.bucket, t.windows, now + 400, t.cost, t.gate)));
    const nextSequential: TakeResult[] = [];
    for (const t of TAKES.slice(0, 8)) nextSequential.push(await sequential.takeTokens(t.bucket, t.windows, now + 400, t.cost, t.gate));
    expect(next).toEqual(nextSequential);
  });

  it(`more than ${MAX_TAKES_PER_BATCH} takes in one turn go out in several commands, none lost`, async () => {
    const counting = countingClient(client);
    const storage = redisStorage({ client: counting.client, keyPrefix: freshPrefix("split") });
    const now = Date.now();
    await storage.takeTokens("warm-up", small, now);
    counting.calls.length = 0;
    const count = MAX_TAKES_PER_BATCH * 2 + 10;
    const results = await Promise.all(Array.from({ length: count }, () => storage.takeTokens("many", [{ capacity: 200, windowMs: 60_000 }], now)));
    expect(results.filter((r) => r.ok)).toHaveLength(200);
    expect(counting.calls).toEqual(["evalsha", "evalsha", "evalsha"]);
  });

  it("a take that fails in Redis (a key of the wrong type) fails alone; the others in its batch are answered", async () => {
    const keyPrefix = freshPrefix("wrong-type");
    const storage = redisStorage({ client, keyPrefix });
    await client.hset(`${keyPrefix}broken:1000`, "field", "value");
    const now = Date.now();
    const [before, broken, after] = await Promise.allSettled([
      storage.takeTokens("fine", small, now),
      storage.takeTokens("broken", small, now),
      storage.takeTokens("fine", small, now),
    ]);
    expect(before).toEqual({ status: "fulfilled", value: { ok: true } });
    expect(after).toEqual({ status: "fulfilled", value: { ok: true } });
    expect(broken.status).toBe("rejected");
    expect(String((broken as PromiseRejectedResult).reason)).toMatch(/takeTokens failed: .*WRONGTYPE/);
  });

  it("a take with a number that is not finite fails alone, before it is sent; the others in its turn are answered", async () => {
    const keyPrefix = freshPrefix("not-finite");
    const storage = redisStorage({ client, keyPrefix });
    const now = Date.now();
    const [before, nan, infinite, after] = await Promise.allSettled([
      storage.takeTokens("a", small, now),
      storage.takeTokens("b", small, Number.NaN),
      storage.takeTokens("c", [{ capacity: Number.POSITIVE_INFINITY, windowMs: 1_000 }], now),
      storage.takeTokens("d", small, now),
    ]);
    expect(before).toEqual({ status: "fulfilled", value: { ok: true } });
    expect(after).toEqual({ status: "fulfilled", value: { ok: true } });
    for (const refused of [nan, infinite]) {
      expect(refused.status).toBe("rejected");
      expect(String((refused as PromiseRejectedResult).reason)).toMatch(/must be finite/);
    }
    // The takes around them landed on their own keys.
    expect(await client.exists(`${keyPrefix}a:1000`, `${keyPrefix}d:1000`)).toBe(2);
  });

  it("takes made in different turns are separate commands", async () => {
    const counting = countingClient(client);
    const storage = redisStorage({ client: counting.client, keyPrefix: freshPrefix("turns") });
    const now = Date.now();
    await storage.takeTokens("warm-up", small, now);
    counting.calls.length = 0;
    const first = storage.takeTokens("t", small, now);
    await new Promise((resolve) => setImmediate(resolve));
    const second = storage.takeTokens("t", small, now);
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    expect(counting.calls).toEqual(["evalsha", "evalsha"]);
  });
});
