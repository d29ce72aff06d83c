import { once } from "node:events";
import { describeHttpScenarios } from "@outpost/core/testing";
import { createRedisClient, redisStorage } from "@outpost/storage-redis";
import { createNodeHarness } from "./support/node-harness.js";
import { clearPrefix, REDIS_URL, testPrefix } from "./support/redis.js";

/** The whole scenario suite again, with the proxy's state in a real Redis. */
describeHttpScenarios(
  createNodeHarness("Node with Redis storage", async () => {
    const client = createRedisClient(REDIS_URL);
    // Commands sent before the connection is ready fail fast (offline queue off): wait for it.
    await once(client, "ready");
    const keyPrefix = testPrefix("scenarios");
    return {
      storage: redisStorage({ client, keyPrefix }),
      close: async () => {
        await clearPrefix(keyPrefix);
        client.disconnect();
      },
    };
  }),
);
