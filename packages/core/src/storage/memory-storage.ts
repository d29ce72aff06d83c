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

/**
 * The embedded default: one process, atomic because JavaScript runs one callback at a time and
 * every operation completes without yielding.
 */
export function memoryStorage(options: MemoryStorageOptions = {}): Storage {
  const clock = options.clock ?? systemClock;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();
  const buckets = new Map<string, { state: BucketState; expiresAt: number }>();

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
    takeTokens: async (key: string, windows: readonly TokenWindow[], nowMs: number, cost = 1, gateKey?: string): Promise<TakeResult> => {
      const gate = gateKey === undefined ? undefined : Number(live(gateKey)?.value);
      if (gate !== undefined && gate > nowMs) return { ok: false, retryAfterMs: Math.ceil(gate - nowMs), gated: true };
      const keys = windows.map((w) => `${key}:${w.windowMs}`);
      const states = keys.map((k) => {
        const b = buckets.get(k);
        return b && b.expiresAt > nowMs ? b.state : undefined;
      });
      const { result, next } = takeFromWindows(states, windows, nowMs, cost);
      // A bucket untouched for a whole window is full again: its state can go (TTL on everything).
      next?.forEach((state, i) => buckets.set(keys[i] as string, { state, expiresAt: nowMs + (windows[i] as TokenWindow).windowMs }));
      if (buckets.size > maxEntries) buckets.delete(buckets.keys().next().value as string);
      return result;
    },
    ping: async () => {},
  } satisfies Storage;
}
