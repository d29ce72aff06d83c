import { describeStorageConformance } from "@outpost/core/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeEach } from "vitest";
import { type RedisStorage, redisStorage } from "../src/index.js";
import { sharedRedis, testPrefix } from "./helpers.js";

// The shared conformance suite against a real Redis. Redis judges TTLs by its own time, so the
// suite waits real milliseconds for expiry (`usesClock: false`); token math uses the caller's clock.
const keyPrefix = testPrefix("conformance");
const redis = sharedRedis();
let client: Redis;
let current: RedisStorage | undefined;

// Registered before the suite's own beforeEach, so `create` below always has the client.
beforeEach(async () => {
  client = await redis.get();
});
afterAll(async () => {
  await current?.clear();
  await redis.quit();
});

describeStorageConformance({
  name: "redis",
  create: () => {
    current = redisStorage({ client, keyPrefix });
    return current;
  },
  usesClock: false,
  cleanup: async () => {
    await current?.clear();
  },
});
