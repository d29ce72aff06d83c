/**
 * @module @outpost/storage-redis
 * Outpost's `Storage` on Redis: `redisStorage({ client: createRedisClient(url), keyPrefix: "outpost:" })`.
 */
export { redisStorage, REDIS_STORAGE_NAME, DEFAULT_COMMAND_TIMEOUT_MS } from "./redis-storage.js";
export type { RedisStorage, RedisStorageOptions } from "./redis-storage.js";
export { createRedisClient, REDIS_CLIENT_DEFAULTS, MAX_RECONNECT_DELAY_MS } from "./create-redis-client.js";
export type { RedisLike } from "./redis-like.js";
export { TAKE_TOKENS_SCRIPT, RESERVE_SCRIPT } from "./lua.js";
export type { LuaScript } from "./lua.js";
