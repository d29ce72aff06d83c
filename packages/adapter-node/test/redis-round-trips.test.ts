import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, loadConfig, secretsFromRecord } from "@outpost/core";
import { createRedisClient, redisStorage } from "@outpost/storage-redis";
import { clearPrefix, REDIS_URL, testPrefix } from "./support/redis.js";

/** Counts the commands a storage sends to Redis (one command = one round trip here). */
function countingClient(client: ReturnType<typeof createRedisClient>) {
  const calls: string[] = [];
  const counted = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        if (["get", "set", "del", "evalsha", "eval", "scan", "ping", "script"].includes(property)) calls.push(property);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { counted, calls };
}

describe("Redis round trips per request (issue: one per rate-limited request)", () => {
  const prefix = testPrefix("round-trips");
  const client = createRedisClient(REDIS_URL);
  const { counted, calls } = countingClient(client);
  const config = loadConfig({
    providers: [
      {
        file: "p.yaml",
        text: `name: p\nbase_url: https://api.example.com\nauth: {type: bearer_static, env: T}\nforwarding:\n  rate_limits:\n    default: [{capacity: 100, window_ms: 1000}, {capacity: 1000, window_ms: 60000}]\n`,
      },
    ],
    secrets: secretsFromRecord({ T: "t" }),
  });
  const gateway = createGateway(config, { storage: redisStorage({ client: counted, keyPrefix: prefix }), fetch: async () => new Response("{}") });
  const send = async () => (await gateway.fetch(new Request("http://outpost/x", { headers: { "X-Provider": "p" } }), { clientAddress: "127.0.0.1" })).text();

  beforeAll(async () => {
    if (client.status !== "ready") await once(client, "ready");
  });
  afterAll(async () => {
    await clearPrefix(prefix);
    client.disconnect();
  });

  it("a rate-limited request with two windows and a cooldown gate costs exactly one Redis command", async () => {
    await send(); // the first EVALSHA may be followed by a NOSCRIPT reload
    calls.length = 0;
    for (let i = 0; i < 10; i++) await send();
    expect(calls).toEqual(Array(10).fill("evalsha"));
  });

  it("concurrent requests cost at most one Redis command each: takes made in one event-loop turn share one EVALSHA", async () => {
    await send();
    calls.length = 0;
    await Promise.all(Array.from({ length: 16 }, () => send()));
    expect(calls.length).toBeLessThanOrEqual(16); // the invariant: never more than one per request
    // All 16 reach their take within one turn here (no I/O before step 12), so they are one batch.
    expect(calls).toEqual(["evalsha"]);
  });
});
