import { describeStorageConformance } from "@outpost/core/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { type RedisStorage, redisStorage } from "../src/index.js";
import { connectRedis, testPrefix } from "./helpers.js";

// The shared conformance suite against a real Redis. Redis judges TTLs by its own time, so the
// suite waits real milliseconds for expiry (`usesClock: false`); token math uses the caller's clock.
const keyPrefix = testPrefix("conformance");
let client: Redis;
let current: RedisStorage | undefined;

beforeAll(async () => {
  client = await connectRedis();
});
afterAll(async () => {
  await redisStorage({ client, keyPrefix }).clear();
  await client.quit();
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
