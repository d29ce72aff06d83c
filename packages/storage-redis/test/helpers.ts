import { type ChildProcess, spawn, spawnSync } from "node:child_process";
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

/**
 * One client for a test file, connected once and handed to each test in `beforeEach`: when Redis
 * is missing every test fails with the reason (a failing `beforeAll` would report them skipped).
 */
export function sharedRedis(url = REDIS_URL): { get(): Promise<Redis>; quit(): Promise<void> } {
  const connecting = connectRedis(url);
  connecting.catch(() => {}); // reported by every get()
  return {
    get: () => connecting,
    quit: async () => {
      const client = await connecting.catch(() => undefined);
      await client?.quit();
    },
  };
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

/**
 * Resolves at the client's next "ready". Unlike `events.once`, connection errors on the way
 * (refused while the server restarts) do not reject it.
 */
export function nextReady(client: Redis): Promise<void> {
  return new Promise((resolve) => client.once("ready", () => resolve()));
}

/** Whether a private server can be started; under CI its absence fails the tests that need one. */
export const HAS_REDIS_SERVER = spawnSync("redis-server", ["--version"]).status === 0;

/**
 * A private, throwaway redis-server on `port` that keeps nothing on disk, resolved once it accepts
 * connections: for tests that stop it or must be the only client (exact script-cache state).
 */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const server = spawn("redis-server", args, { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    server.stdout?.on("data", (chunk) => {
      log += String(chunk);
      if (log.includes("Ready to accept connections")) resolve();
    });
    server.once("exit", () => reject(new Error(`redis-server exited before it was ready:\n${log}`)));
  });
  return server;
}

/** Kills a server started by `startRedisServer` (SIGKILL: a crash, not a clean shutdown). */
export async function killRedisServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, "exit");
  server.kill("SIGKILL");
  await exited;
}
