import { type Clock, systemClock } from "../ports/clock.js";
import type { ReserveResult, SetOptions, Storage, TakeResult, TokenWindow } from "../ports/storage.js";
import { type BucketState, takeFromWindows } from "./token-bucket.js";

export const MEMORY_STORAGE_NAME = "memory";

export interface MemoryStorageOptions {
  /** Expiry is judged by this clock. @default systemClock */
  readonly clock?: Clock;
  /** Entries kept before the oldest are evicted (a bound, invariant 8). @default 100000 */
  readonly maxEntries?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

interface Bucket {
  state: BucketState;
  expiresAt: number;
}

/**
 * The embedded default: one process, atomic because JavaScript runs one callback at a time and
 * every operation completes without yielding.
 */
export function memoryStorage(options: MemoryStorageOptions = {}): Storage {
  const clock = options.clock ?? systemClock;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();
  const buckets = new Map<string, Bucket>();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const put = (key: string, value: string, ttlMs: number | undefined) => {
    entries.delete(key);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(key, { value, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + ttlMs });
  };

  const take = (key: string, windows: readonly TokenWindow[], nowMs: number, cost: number, gateKey: string | undefined): TakeResult => {
    const gate = gateKey === undefined ? undefined : Number(live(gateKey)?.value);
    if (gate !== undefined && gate > nowMs) return { ok: false, retryAfterMs: Math.ceil(gate - nowMs), gated: true };
    const keys: string[] = [];
    const held: Array<Bucket | undefined> = [];
    const states: Array<BucketState | undefined> = [];
    for (const window of windows) {
      const bucketKey = `${key}:${window.windowMs}`;
      const bucket = buckets.get(bucketKey);
      keys.push(bucketKey);
      held.push(bucket);
      states.push(bucket && bucket.expiresAt > nowMs ? bucket.state : undefined);
    }
    const { result, next } = takeFromWindows(states, windows, nowMs, cost);
    if (!next) return result;
    // A bucket untouched for a whole window is full again: its state can go (TTL on everything).
    // An existing entry is updated in place (Map.set would not move it in eviction order either).
    for (let i = 0; i < next.length; i++) {
      const expiresAt = nowMs + (windows[i] as TokenWindow).windowMs;
      const bucket = held[i];
      if (bucket) {
        bucket.state = next[i] as BucketState;
        bucket.expiresAt = expiresAt;
      } else buckets.set(keys[i] as string, { state: next[i] as BucketState, expiresAt });
    }
    if (buckets.size > maxEntries) buckets.delete(buckets.keys().next().value as string);
    return result;
  };

  return {
    name: MEMORY_STORAGE_NAME,
    capabilities: { atomic: true, minTtlMs: 1, shared: false },
    get: async (key) => live(key)?.value,
    set: async (key: string, value: string, opts?: SetOptions) => put(key, value, opts?.ttlMs),
    delete: async (key) => {
      entries.delete(key);
    },
    reserve: async (key, value, opts): Promise<ReserveResult> => {
      const existing = live(key);
      if (existing) return { reserved: false, existing: existing.value };
      put(key, value, opts.ttlMs);
      return { reserved: true };
    },
    takeTokens: (key: string, windows: readonly TokenWindow[], nowMs: number, cost = 1, gateKey?: string): Promise<TakeResult> => {
      // Settled at once and without an async wrapper: this runs on every rate-limited request.
      try {
        return Promise.resolve(take(key, windows, nowMs, cost, gateKey));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    ping: async () => {},
  } satisfies Storage;
}
