import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "@outpost/test-support";

/** The Redis every Redis test uses: scripts/test.sh exports REDIS_URL (starting one if needed). */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A prefix unique to one test, so runs sharing the machine's Redis never see each other's keys. */
export function testPrefix(name: string): string {
  return `outpost-test:${name}:${crypto.randomUUID()}:`;
}

/** Deletes every key under the prefix (SCAN, never KEYS). */
export async function clearPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

export async function redisCommand(...args: [string, ...(string | number)[]]): Promise<unknown> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await client.call(...args);
  } finally {
    client.disconnect();
  }
}

/** A private redis-server on a free loopback port, for tests that stop and restart it. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout.trim() === "PONG") return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("private redis-server did not start");
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}
