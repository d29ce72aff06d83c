import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { freePort } from "@outpost/test-support";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisClient, type RedisLike, redisStorage } from "../src/index.js";
import { connectRedis, countingClient, HAS_REDIS_SERVER, killRedisServer, nextReady, startRedisServer, testPrefix } from "./helpers.js";

// Every operation must reject within the storage's bound when Redis is gone, so the gateway
// answers 503 promptly (invariant 7) instead of holding requests open.
const TIMEOUT_MS = 300;
const SLACK_MS = 700; // event-loop lag while every test project runs at once; a hang would be seconds
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs every Storage operation and checks each rejects, and within the bound. */
async function expectEveryOperationRejects(client: RedisLike) {
  const storage = redisStorage({ client, keyPrefix: testPrefix("unreachable"), commandTimeoutMs: TIMEOUT_MS });
  const operations: Record<string, () => Promise<unknown>> = {
    ping: () => storage.ping(),
    get: () => storage.get("k"),
    set: () => storage.set("k", "v", { ttlMs: 1_000 }),
    delete: () => storage.delete("k"),
    reserve: () => storage.reserve("k", "v", { ttlMs: 1_000 }),
    takeTokens: () => storage.takeTokens("b", [{ capacity: 1, windowMs: 1_000 }], Date.now()),
    clear: () => storage.clear(),
  };
  // All at once: each is timed from its own start, and a hang in one cannot hide behind another.
  await Promise.all(
    Object.entries(operations).map(async ([name, operation]) => {
      const started = performance.now();
      await expect(operation(), name).rejects.toThrow();
      expect(performance.now() - started, name).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    }),
  );
}

/** A client that never gives up reconnecting; error events are expected here. */
function track<T extends Redis>(client: T): T {
  client.on("error", () => {});
  cleanups.push(() => client.disconnect());
  return client;
}

describe("Redis unreachable", () => {
  it("closed port, createRedisClient settings: every operation rejects at once", async () => {
    const port = await freePort();
    await expectEveryOperationRejects(track(createRedisClient(`redis://127.0.0.1:${port}`)));
  });

  it("closed port, ioredis defaults (offline queue, 20 retries): the storage's own timer still bounds every operation", async () => {
    const port = await freePort();
    const client = track(new Redis(`redis://127.0.0.1:${port}`));
    await expectEveryOperationRejects(client);
  });

  it("a server that accepts connections but never answers: rejects at the timeout", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => silent.close(resolve)));
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const { port } = silent.address() as { port: number };
    const client = track(new Redis({ host: "127.0.0.1", port, enableReadyCheck: false, maxRetriesPerRequest: 1 }));
    await once(client, "connect");
    await expectEveryOperationRejects(client);

    // Takes sent in different turns are separate batches under one watchdog timer: each rejects
    // at its own deadline, not at the first batch's.
    const storage = redisStorage({ client, keyPrefix: testPrefix("staggered"), commandTimeoutMs: TIMEOUT_MS });
    const staggered = [0, 100, 200].map(async (delay) => {
      await new Promise((resolve) => setTimeout(resolve, delay));
      const started = performance.now();
      await expect(storage.takeTokens("b", [{ capacity: 1, windowMs: 1_000 }], Date.now())).rejects.toThrow(/timed out/);
      return performance.now() - started;
    });
    for (const elapsed of await Promise.all(staggered)) {
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    }
  });
});

// A real restart of a private server: connection lost, data and script cache gone. Needs the
// redis-server binary; under CI its absence is a failure, never a skip.
describe("Redis stopped, then started again", () => {
  it.skipIf(!HAS_REDIS_SERVER && process.env.CI !== "true")("operations reject while it is down and succeed once the client has reconnected", async () => {
    expect(HAS_REDIS_SERVER, "redis-server must be on PATH").toBe(true);
    const port = await freePort();
    const start = async () => {
      const server = await startRedisServer(port);
      cleanups.push(() => killRedisServer(server));
      return server;
    };
    const server = await start();
    const client = track(await connectRedis(`redis://127.0.0.1:${port}`));
    const counting = countingClient(client);
    const storage = redisStorage({ client: counting.client, keyPrefix: testPrefix("restart"), commandTimeoutMs: TIMEOUT_MS });
    const windows = [{ capacity: 2, windowMs: 60_000 }];
    expect(await storage.takeTokens("b", windows, Date.now())).toEqual({ ok: true });
    expect(await storage.reserve("r", "v", { ttlMs: 60_000 })).toEqual({ reserved: true });

    await killRedisServer(server);
    await expectEveryOperationRejects(client);

    const reconnected = nextReady(client);
    await start();
    await reconnected;
    // A fresh server: no data (nothing persisted) and an empty script cache, so the first EVALSHA
    // of each script answers NOSCRIPT and the storage resends the source once.
    counting.calls.length = 0;
    expect(await storage.takeTokens("b", windows, Date.now())).toEqual({ ok: true });
    expect(await storage.reserve("r", "w", { ttlMs: 60_000 })).toEqual({ reserved: true });
    expect(await storage.takeTokens("b", windows, Date.now())).toEqual({ ok: true });
    expect(counting.calls).toEqual(["evalsha", "eval", "evalsha", "eval", "evalsha"]);
    await expect(storage.ping()).resolves.toBeUndefined();
  });
});
