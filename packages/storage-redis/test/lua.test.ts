import { createHash } from "node:crypto";
import { takeFromWindows, type BucketState, type TakeResult, type TokenWindow } from "@outpost/core";
import fc from "fast-check";
import type { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import * as lua from "../src/lua.js";
import { redisStorage } from "../src/index.js";
import { sharedRedis, testPrefix } from "./helpers.js";

const scripts = Object.values(lua).filter((v): v is lua.LuaScript => typeof v === "object" && v !== null && "sha1" in v);

describe("pinned Lua scripts", () => {
  it("there are scripts to check", () => {
    expect(scripts.map((s) => s.name).sort()).toEqual(["reserve", "take-tokens"]);
  });

  it.each(scripts)("$name: the pinned SHA1 is sha1(script)", (script) => {
    expect(script.sha1).toBe(createHash("sha1").update(script.lua).digest("hex"));
  });

  it.each(scripts)("$name: documents its KEYS and ARGV", (script) => {
    expect(script.lua).toMatch(/^-- KEYS\[/m);
    expect(script.lua).toMatch(/^-- ARGV\[1\] +=/m);
  });
});

describe("the take-tokens script computes exactly what core's takeFromWindows does", () => {
  const keyPrefix = testPrefix("lua");
  const redis = sharedRedis();
  let client: Redis;
  beforeEach(async () => {
    client = await redis.get();
  });
  afterAll(async () => {
    if (client) await redisStorage({ client, keyPrefix }).clear();
    await redis.quit();
  });

  const windowArb = fc.record({ capacity: fc.integer({ min: 1, max: 50 }), windowMs: fc.integer({ min: 1_000, max: 120_000 }) });
  const stepArb = fc.record({ advanceMs: fc.integer({ min: 0, max: 5_000 }), cost: fc.integer({ min: 0, max: 60 }) });

  it("for random windows and sequences of takes (fractional tokens, costs above capacity)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(windowArb, { minLength: 1, maxLength: 3, selector: (w) => w.windowMs }), fc.array(stepArb, { maxLength: 25 }), async (windows, steps) => {
        const storage = redisStorage({ client, keyPrefix });
        const bucket = `prop-${run++}`;
        let states: Array<BucketState | undefined> = windows.map(() => undefined);
        let now = 1_700_000_000_000;
        for (const step of steps) {
          now += step.advanceMs;
          const expected = model(states, windows, now, step.cost);
          states = expected.states;
          expect(await storage.takeTokens(bucket, windows, now, step.cost)).toEqual(expected.result);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keeps fractional tokens exact across calls (Lua's default 14-digit number formatting would not)", async () => {
    // Found by searching for a sequence where state rounded to 14 digits changes an answer:
    // exact arithmetic leaves 0.9900000000000002 tokens and a wait of 353 ms, rounding 354 ms.
    const storage = redisStorage({ client, keyPrefix });
    const windows = [{ capacity: 5, windowMs: 2_000 }];
    const steps: Array<[number, number]> = [[37, 0], [1351, 2], [1713, 4], [1713, 2], [1907, 4], [2496, 2], [2841, 4], [3747, 4], [3756, 2], [3756, 4], [3756, 4], [4598, 4]];
    let states: Array<BucketState | undefined> = [undefined];
    const base = 1_700_000_000_000;
    const answers: TakeResult[] = [];
    for (const [at, cost] of steps) {
      const expected = model(states, windows, base + at, cost);
      states = expected.states;
      answers.push(await storage.takeTokens("precision", windows, base + at, cost));
      expect(answers.at(-1)).toEqual(expected.result);
    }
    expect(answers.at(-1)).toEqual({ ok: false, retryAfterMs: 353 });
  });
});

function model(states: Array<BucketState | undefined>, windows: TokenWindow[], now: number, cost: number) {
  const { result, next } = takeFromWindows(states, windows, now, cost);
  return { result: result as TakeResult, states: next ?? states };
}
