import type { ReserveResult, SetOptions, Storage, TakeResult, TokenWindow } from "@outpost/core";
import { clearPrefix } from "./internal/clear-prefix.js";
import { runScript } from "./internal/run-script.js";
import { createTakeBatcher } from "./internal/take-batcher.js";
import { withTimeout } from "./internal/with-timeout.js";
import { RESERVE_SCRIPT } from "./lua.js";
import type { RedisLike } from "./redis-like.js";

export const REDIS_STORAGE_NAME = "redis";

/** Default bound on one storage operation, in ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;

export interface RedisStorageOptions {
  /** A constructed ioredis client (see `createRedisClient` for settings that never hang). */
  readonly client: RedisLike;
  /**
   * Prepended to every key, e.g. `"outpost:"`, so several deployments can share one Redis.
   * `""` stores keys as given (a Redis or database of Outpost's own); `clear()` then refuses,
   * since it would delete every key in the database.
   */
  readonly keyPrefix: string;
  /**
   * Longest one operation may take before it rejects, in ms, whatever the client's own
   * settings: a down Redis yields a prompt 503, never a hung request.
   * @default 1000
   */
  readonly commandTimeoutMs?: number;
}

/** A `Storage` plus the housekeeping only Redis needs. */
export interface RedisStorage extends Storage {
  /**
   * Deletes every key under the prefix (SCAN, never KEYS); resolves to how many were deleted.
   * Rejects when the prefix is empty rather than empty the whole database.
   */
  clear(): Promise<number>;
}

/**
 * Storage on a shared Redis: atomic (Lua scripts), shared between instances, and exact to the
 * millisecond (PX expiry). Every rate-limited request costs at most one round trip: the takes
 * made in one event-loop turn share one EVALSHA over all their windows (`take-batcher.ts`). A
 * reserve costs one; get, set and delete are single native commands.
 */
export function redisStorage(options: RedisStorageOptions): RedisStorage {
  const { client, keyPrefix } = options;
  if (typeof keyPrefix !== "string") throw new TypeError("[outpost] [storage-redis] keyPrefix must be a string");
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const k = (key: string) => keyPrefix + key;
  const bounded = <T>(operation: string, work: () => Promise<T>) => withTimeout(Promise.resolve().then(work), timeoutMs, operation);
  const take = createTakeBatcher(client, timeoutMs);

  const storage = {
    name: REDIS_STORAGE_NAME,
    capabilities: { atomic: true, minTtlMs: 1, shared: true },
    get: (key: string) => bounded("get", async () => (await client.get(k(key))) ?? undefined),
    set: (key: string, value: string, opts?: SetOptions) =>
      bounded("set", async () => {
        const ttlMs = opts?.ttlMs;
        if (ttlMs === undefined || ttlMs === Number.POSITIVE_INFINITY) await client.set(k(key), value);
        // Already expired: a PX of 1 would still show it for a millisecond.
        else if (ttlMs <= 0) await client.del(k(key));
        else await client.set(k(key), value, "PX", toPx(ttlMs));
      }),
    delete: (key: string) => bounded("delete", async () => void (await client.del(k(key)))),
    reserve: (key: string, value: string, opts: Required<SetOptions>) =>
      bounded("reserve", async () => parseReserve(await runScript(client, RESERVE_SCRIPT, [k(key)], [value, toPx(opts.ttlMs)]))),
    takeTokens: (key: string, windows: readonly TokenWindow[], nowMs: number, cost = 1, gateKey?: string): Promise<TakeResult> => {
      if (windows.length === 0 && gateKey === undefined) return Promise.resolve({ ok: true });
      // The numbers travel as text (lua.ts): only finite ones read back the same on every Lua (5.3
      // and later reject "NaN" and "Infinity"), and a word that does not read would shift the rest
      // of the batch onto the wrong keys. Anything else fails this take alone, here.
      if (!allFinite(nowMs, cost, windows)) return Promise.reject(new RangeError("[outpost] [storage-redis] takeTokens: nowMs, cost and every window must be finite numbers"));
      const keys: string[] = [];
      let args = `${nowMs} ${cost} ${windows.length} ${gateKey === undefined ? 0 : 1}`;
      for (const w of windows) {
        keys.push(k(`${key}:${w.windowMs}`));
        args += ` ${w.capacity} ${w.windowMs}`;
      }
      if (gateKey !== undefined) keys.push(k(gateKey));
      // Bounded in time by the batcher (one watchdog timer for every batch in flight).
      return take({ keys, args });
    },
    ping: () => bounded("ping", async () => void (await client.ping())),
  } satisfies Storage;

  return { ...storage, clear: () => clearPrefix(client, keyPrefix, bounded) };
}

// --- Internal helpers ---

function allFinite(nowMs: number, cost: number, windows: readonly TokenWindow[]): boolean {
  if (!Number.isFinite(nowMs) || !Number.isFinite(cost)) return false;
  for (const w of windows) if (!Number.isFinite(w.capacity) || !Number.isFinite(w.windowMs)) return false;
  return true;
}

/** PX takes a positive integer; rounding up never lets an entry expire early. */
function toPx(ttlMs: number): number {
  if (Number.isNaN(ttlMs)) throw new RangeError("[outpost] [storage-redis] ttlMs is NaN");
  return Math.max(1, Math.ceil(ttlMs));
}

function parseReserve(reply: unknown): ReserveResult {
  const [stored, existing] = reply as [number, string?];
  return stored === 1 ? { reserved: true } : { reserved: false, existing: existing as string };
}
