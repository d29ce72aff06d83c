import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { Redis } from "ioredis";
import { createRedisClient, type RedisLike } from "../src/index.js";

/** The Redis every test talks to; `scripts/test.sh` exports it (starting a private server if needed). */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A prefix no other test file or run shares, so files run in parallel on one Redis. */
export function testPrefix(file: string): string {
  return `outpost-test:${file}:${randomUUID()}:`;
}

/**
 * A ready client for `url`. These tests never skip: no Redis is an error, loudly, under CI and
 * everywhere else (DESIGN §9).
 */
export async function connectRedis(url = REDIS_URL, timeoutMs = 5_000): Promise<Redis> {
  const client = createRedisClient(url);
  try {
    await Promise.race([once(client, "ready"), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs))]);
  } catch (error) {
    client.disconnect();
    throw new Error(
      `[storage-redis tests] no Redis answers at ${url} (${String(error)}): start one or set REDIS_URL; ` +
        "scripts/test.sh starts a private one. These tests fail rather than skip without Redis.",
    );
  }
  client.on("error", () => {}); // reconnection noise; failures surface through the commands
  return client;
}

/** Wraps `client` and counts the commands sent through it: one call is one round trip. */
export function countingClient(client: RedisLike): { client: RedisLike; calls: string[] } {
  const calls: string[] = [];
  const counted = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { client: counted, calls };
}
