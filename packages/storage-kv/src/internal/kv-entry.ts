/**
 * Workers KV refuses an `expirationTtl` under 60 s and, being eventually consistent, may serve a
 * value for a while after that anyway. So every value carries its own expiry (`exp`, epoch ms)
 * and a reader ignores an entry past it: a 5-second cache entry is never served in its 6th second,
 * although KV still holds it until its own, later, expiry removes it.
 */
interface KvEntry {
  readonly v: string;
  /** Epoch ms after which the entry is dead; null for no expiry. */
  readonly exp: number | null;
}

/** KV's minimum `expirationTtl`, in seconds. */
export const KV_MIN_TTL_S = 60;

export function encodeEntry(value: string, ttlMs: number | undefined, now: number): { text: string; expirationTtl?: number } {
  if (ttlMs === undefined || ttlMs === Number.POSITIVE_INFINITY) return { text: JSON.stringify({ v: value, exp: null }) };
  return {
    text: JSON.stringify({ v: value, exp: now + ttlMs }),
    expirationTtl: Math.max(KV_MIN_TTL_S, Math.ceil(ttlMs / 1000)),
  };
}

/** The live value, or undefined when absent, stale, or not written by this storage. */
export function decodeEntry(text: string | null, now: number): string | undefined {
  if (text === null) return undefined;
  let entry: KvEntry;
  try {
    entry = JSON.parse(text) as KvEntry;
  } catch {
    return undefined;
  }
  if (typeof entry?.v !== "string") return undefined;
  return entry.exp === null || entry.exp > now ? entry.v : undefined;
}
