/**
 * The one storage port every stateful feature uses (DESIGN §5). Keys are built by core from
 * configuration (provider, host id, category, and hashes of agent input), never from raw agent
 * input alone (invariant 8). Values are strings; byte payloads are encoded by the caller.
 */

export interface StorageCapabilities {
  /**
   * `reserve` and `takeTokens` are atomic across every process that shares this storage: two
   * concurrent callers can never both reserve one key, nor both take the last token.
   */
  readonly atomic: boolean;
  /**
   * Shortest TTL the backend honours, in ms. Callers may ask for less; a storage whose native
   * minimum is higher (Workers KV: 60 s) must still never return an entry past its TTL.
   */
  readonly minTtlMs: number;
  /** Other processes see the same data (Redis, KV); `outpost token set` needs this. */
  readonly shared: boolean;
}

export interface SetOptions {
  /** Time to live in ms; omitted means the entry persists (operator-set tokens only). */
  readonly ttlMs?: number;
}

export interface TokenWindow {
  /** Tokens the bucket holds when full. */
  readonly capacity: number;
  /** Time to refill from empty to full, in ms (refill is continuous). */
  readonly windowMs: number;
}

export type TakeResult =
  | { readonly ok: true }
  /** `gated`: refused because the gate key holds a later time (a cooldown), not for lack of tokens. */
  | { readonly ok: false; readonly retryAfterMs: number; readonly gated?: true };

export type ReserveResult = { readonly reserved: true } | { readonly reserved: false; readonly existing: string };

export interface Storage {
  /** For logs and `/readyz`: "memory", "redis", … */
  readonly name: string;
  readonly capabilities: StorageCapabilities;
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: SetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Stores `value` only if `key` is absent (atomic when `capabilities.atomic`); else returns what is there. */
  reserve(key: string, value: string, options: Required<SetOptions>): Promise<ReserveResult>;
  /**
   * Takes `cost` tokens from every window of the bucket `key` — all or nothing, in one atomic
   * operation. Buckets start full and refill continuously. When any window lacks tokens nothing
   * is taken and `retryAfterMs` says when all of them will have enough. `nowMs` comes from the
   * caller's clock so every instance agrees on time. With `gateKey`, the take is first refused
   * (`gated`, nothing taken) while that key holds an epoch-ms time after `nowMs`: an upstream's
   * cooldown and the rate limit cost one operation, one round trip on Redis.
   */
  takeTokens(key: string, windows: readonly TokenWindow[], nowMs: number, cost?: number, gateKey?: string): Promise<TakeResult>;
  /** Resolves when the storage answers; rejects otherwise (`/readyz`). */
  ping(): Promise<void>;
}
