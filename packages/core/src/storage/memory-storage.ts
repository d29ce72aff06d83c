import { type Clock, systemClock } from "../ports/clock.js";
import type { ReserveResult, SetOptions, Storage, TakeResult, TokenWindow } from "../ports/storage.js";
import { type BucketState, refill, refused, stampAfterTake, TAKEN, waitForTokens } from "./token-bucket.js";

export const MEMORY_STORAGE_NAME = "memory";

export interface MemoryStorageOptions {
  /** Expiry is judged by this clock. @default systemClock */
  readonly clock?: Clock;
  /**
   * Values, and bucket windows, kept before the least recently used are evicted (a bound,
   * invariant 8). @default 100000
   */
  readonly maxEntries?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

interface Bucket extends BucketState {
  expiresAt: number;
}

/**
 * The embedded default: one process, atomic because JavaScript runs one callback at a time and
 * every operation completes without yielding.
 */
export function memoryStorage(options: MemoryStorageOptions = {}): Storage {
  const clock = options.clock ?? systemClock;
  const maxEntries = options.maxEntries ?? 100_000;
  // Both maps are kept in least-recently-used order (a Map iterates in insertion order, so a use
  // re-inserts): eviction in creation order would let keys an agent can mint at will (one PSK
  // failure bucket per source address) push out a provider's busy rate-limit bucket, resetting
  // its limit. Under LRU, a flood evicts only what has been idle through all of it.
  const entries = new Map<string, Entry>();
  // Bucket key → window length → state. The caller's bucket key is the same string on every
  // request (its hash is cached), where "<key>:<windowMs>" would be built and hashed on each take.
  const buckets = new Map<string, Map<number, Bucket>>();
  let bucketCount = 0;
  // The most recently used bucket key: a run of takes on one key (one provider's limit) moves
  // nothing.
  let newest: string | undefined;
  // Each window's tokens and stamp before the take, reused across takes (a take never yields):
  // windows are read before any is written, as in every other storage.
  const before: number[] = [];
  const stamps: number[] = [];

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    entries.delete(key);
    if (entry.expiresAt <= clock.now()) return undefined;
    entries.set(key, entry);
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
    let byWindow = buckets.get(key);
    if (byWindow && key !== newest) {
      // Refused takes count as use too: the bucket refusing a flood is the one that must stay.
      buckets.delete(key);
      buckets.set(key, byWindow);
      newest = key;
    }
    let waitMs = 0;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i] as TokenWindow;
      const bucket = byWindow?.get(w.windowMs);
      const state = bucket && bucket.expiresAt > nowMs ? bucket : undefined;
      const tokens = refill(state, w, nowMs);
      before[i] = tokens;
      stamps[i] = stampAfterTake(state, nowMs);
      waitMs = Math.max(waitMs, waitForTokens(tokens, w, cost));
    }
    if (waitMs > 0) return refused(waitMs);
    if (!byWindow) {
      buckets.set(key, (byWindow = new Map()));
      newest = key;
    }
    // A bucket untouched for a whole window is full again: every state expires after its window.
    for (let i = 0; i < windows.length; i++) {
      const { windowMs } = windows[i] as TokenWindow;
      const bucket = byWindow.get(windowMs);
      const tokens = (before[i] as number) - cost;
      const updatedMs = stamps[i] as number;
      const expiresAt = nowMs + windowMs;
      if (bucket) {
        bucket.tokens = tokens;
        bucket.updatedMs = updatedMs;
        bucket.expiresAt = expiresAt;
      } else {
        byWindow.set(windowMs, { tokens, updatedMs, expiresAt });
        bucketCount++;
      }
    }
    // Bounded (invariant 8): the least recently used bucket keys go, each with all its windows,
    // never the one just taken from (its debit must stand; it is the newest anyway).
    if (bucketCount > maxEntries) {
      for (const [oldest, itsWindows] of buckets) {
        if (bucketCount <= maxEntries) break;
        if (oldest === key) continue;
        buckets.delete(oldest);
        bucketCount -= itsWindows.size;
      }
    }
    return TAKEN;
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
