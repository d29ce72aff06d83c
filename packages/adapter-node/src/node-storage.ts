import { once } from "node:events";
import { memoryStorage, type Storage } from "@outpost/core";

export interface NodeStorage {
  readonly storage: Storage;
  /** For the start-up line, without credentials in the URL. */
  readonly description: string;
  /** Resolves true once the backend answers, false after `timeoutMs` (it keeps trying). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** `redis://user:pass@host:6379/0` → `redis://host:6379/0`: the URL may carry a password. */
function describeRedis(redisUrl: string, keyPrefix: string): string {
  const url = new URL(redisUrl);
  return `redis ${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname === "/" ? "" : url.pathname}, prefix ${keyPrefix}`;
}

/**
 * Redis when a URL is given (DESIGN §2.3), else the embedded in-memory default. A Redis that is
 * down does not stop the proxy: deciding steps answer 503 until it returns, and the client
 * reconnects by itself. The Redis client is loaded only when used: ioredis and its dependencies
 * held ~9.5 MB in a process that never talks to Redis (idle RSS of `outpost serve`, 82 → 73 MB).
 */
export async function createNodeStorage(redisUrl: string | undefined, keyPrefix = "outpost:", warn: (message: string) => void = () => {}): Promise<NodeStorage> {
  if (!redisUrl) {
    return { storage: memoryStorage(), description: "memory", ready: async () => true, close: async () => {} };
  }
  const { createRedisClient, redisStorage } = await import("@outpost/storage-redis");
  const client = createRedisClient(redisUrl);
  let down = false;
  client.on("error", (error: NodeJS.ErrnoException) => {
    if (down) return;
    down = true;
    warn(`redis unavailable (${error.code ?? "error"}); requests that need storage answer 503 until it returns`);
  });
  client.on("ready", () => {
    if (down) warn("redis available again");
    down = false;
  });
  return {
    storage: redisStorage({ client, keyPrefix }),
    description: describeRedis(redisUrl, keyPrefix),
    ready: async (timeoutMs) => {
      if (client.status === "ready") return true;
      const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
      return Promise.race([once(client, "ready").then(() => true), timer]);
    },
    close: async () => {
      client.disconnect();
    },
  };
}
