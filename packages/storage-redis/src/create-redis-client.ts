import { Redis, type RedisOptions } from "ioredis";
import { DEFAULT_COMMAND_TIMEOUT_MS } from "./redis-storage.js";

/** Longest pause between two reconnection attempts, in ms. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * ioredis settings under which a command fails fast instead of waiting for a Redis that is gone,
 * while the client keeps reconnecting in the background for as long as the process lives.
 */
export const REDIS_CLIENT_DEFAULTS = {
  // Connect now, so the first request does not pay for the handshake.
  lazyConnect: false,
  // While disconnected, commands reject at once instead of queueing (ioredis' default queues them).
  enableOfflineQueue: false,
  // A command lost with a dropped connection is retried once on reconnect, not 20 times.
  maxRetriesPerRequest: 1,
  // No `commandTimeout`: redisStorage bounds every operation itself (`commandTimeoutMs`), with one
  // watchdog for all the takes in flight, where ioredis would arm and clear a timer per command.
  connectTimeout: DEFAULT_COMMAND_TIMEOUT_MS * 2,
  // Returning a number (never null) means never give up: 50 ms, 100 ms, … capped at 2 s.
  retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 16), MAX_RECONNECT_DELAY_MS),
} satisfies RedisOptions;

/**
 * An ioredis client for `redisStorage`: `createRedisClient("redis://127.0.0.1:6379")`.
 * `options` override the defaults above. With the offline queue off, commands sent before the
 * first connection is ready reject; await `once(client, "ready")` first if that matters. Attach
 * an `error` listener to log connection errors (ioredis prints them to stderr otherwise).
 */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { ...REDIS_CLIENT_DEFAULTS, ...options });
}
