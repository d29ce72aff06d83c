import { memoryStorage, type Storage } from "@outpost/core";
import { createRedisClient, redisStorage } from "@outpost/storage-redis";

export interface NodeStorage {
  readonly storage: Storage;
  /** For the start-up line, without credentials in the URL. */
  readonly description: string;
  close(): Promise<void>;
}

/** Redis when a URL is given (DESIGN §2.3), else the embedded in-memory default. */
export function createNodeStorage(redisUrl: string | undefined, keyPrefix = ""): NodeStorage {
  if (!redisUrl) return { storage: memoryStorage(), description: "memory", close: async () => {} };
  const client = createRedisClient(redisUrl);
  const url = new URL(redisUrl);
  const where = `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname === "/" ? "" : url.pathname}`;
  return {
    storage: redisStorage({ client, keyPrefix }),
    description: `redis ${where}${keyPrefix ? ` (prefix ${keyPrefix})` : ""}`,
    close: async () => {
      client.disconnect();
    },
  };
}
