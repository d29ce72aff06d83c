import type { ReserveResult, SetOptions, Storage, TakeResult, TokenWindow } from "@outpost/core";
import type { DurableObjectNamespaceLike, KvNamespaceLike } from "./internal/cf-types.js";
import { decodeEntry, encodeEntry } from "./internal/kv-entry.js";
import { type CoordinatorOp, decodeTake, wireTtl } from "./internal/protocol.js";
import { KV_KEY_PREFIXES, onKv, shardOf } from "./internal/routing.js";

export const KV_STORAGE_NAME = "kv";

export interface KvStorageOptions {
  /** The KV namespace binding (e.g. `env.OUTPOST_KV`): holds the response cache. */
  readonly namespace: KvNamespaceLike;
  /** The `OutpostCoordinator` Durable Object namespace binding: everything atomic. */
  readonly durableObject: DurableObjectNamespaceLike;
  /**
   * Prepended to every KV key and Durable Object key and name, so several deployments can share
   * one namespace. `""` stores keys as given.
   */
  readonly keyPrefix: string;
  /**
   * Key families kept in KV rather than the Durable Object. Only list families that are used with
   * get/set/delete alone and tolerate KV's eventual consistency (up to 60 s between locations).
   * @default ["cache:"]
   */
  readonly kvPrefixes?: readonly string[];
}

/**
 * Storage for Workers: KV for the response cache (cheap reads everywhere, short TTLs honoured by
 * an expiry stored with each value), and the `OutpostCoordinator` Durable Object for every other
 * key, which makes `reserve` and `takeTokens` atomic across every isolate and location.
 *
 * KV writes: only response-cache stores (and `delete`s) write to KV; a request that is not cached
 * costs zero KV writes (the free plan allows 1,000 a day). Rate limits, cooldowns, idempotency and
 * tokens cost one Durable Object request per operation instead.
 */
export function kvStorage(options: KvStorageOptions): Storage {
  const { namespace, durableObject, keyPrefix } = options;
  if (typeof keyPrefix !== "string") throw new TypeError("[outpost] [storage-kv] keyPrefix must be a string");
  const kvPrefixes = options.kvPrefixes ?? KV_KEY_PREFIXES;
  const k = (key: string) => keyPrefix + key;

  /**
   * One request to the key's object. Stubs are made per call, not cached: `idFromName` is a local
   * hash, and a stub made while serving one request must not be used while serving another.
   */
  async function coordinate<T>(shardKey: string, op: CoordinatorOp): Promise<T> {
    const stub = durableObject.get(durableObject.idFromName(k(shardOf(shardKey))));
    const res = await stub.fetch("https://outpost-coordinator/", { method: "POST", body: JSON.stringify(op) });
    if (!res.ok) throw new Error(`[outpost] [storage-kv] coordinator answered ${res.status}`);
    return (await res.json()) as T;
  }

  return {
    name: KV_STORAGE_NAME,
    // Short TTLs are honoured (stored expiry); KV only keeps the bytes at least 60 s.
    capabilities: { atomic: true, minTtlMs: 60_000, shared: true },
    get: async (key: string) => {
      if (onKv(key, kvPrefixes)) return decodeEntry(await namespace.get(k(key)), Date.now());
      return (await coordinate<string | null>(key, { op: "get", key: k(key) })) ?? undefined;
    },
    set: async (key: string, value: string, opts?: SetOptions) => {
      if (!onKv(key, kvPrefixes)) return void (await coordinate(key, { op: "set", key: k(key), value, ttlMs: wireTtl(opts?.ttlMs) }));
      if (opts?.ttlMs !== undefined && opts.ttlMs <= 0) return namespace.delete(k(key));
      const entry = encodeEntry(value, opts?.ttlMs, Date.now());
      await namespace.put(k(key), entry.text, entry.expirationTtl === undefined ? {} : { expirationTtl: entry.expirationTtl });
    },
    delete: async (key: string) => {
      if (onKv(key, kvPrefixes)) return namespace.delete(k(key));
      await coordinate(key, { op: "delete", key: k(key) });
    },
    reserve: (key: string, value: string, opts: Required<SetOptions>) =>
      coordinate<ReserveResult>(key, { op: "reserve", key: k(key), value, ttlMs: wireTtl(opts.ttlMs) }),
    takeTokens: async (key: string, windows: readonly TokenWindow[], nowMs: number, cost = 1, gateKey?: string): Promise<TakeResult> => {
      // The gate is read inside the bucket's object; one kept elsewhere would silently never apply.
      if (gateKey !== undefined && shardOf(gateKey) !== shardOf(key)) throw new Error("[outpost] [storage-kv] a gate key must share its bucket's Durable Object");
      const op = { op: "take", key: k(key), windows, nowMs, cost, ...(gateKey === undefined ? {} : { gateKey: k(gateKey) }) } as const;
      return decodeTake(await coordinate<TakeResult>(key, op));
    },
    ping: async () => {
      await Promise.all([namespace.get(k("ping")), coordinate(KV_STORAGE_NAME, { op: "ping" })]);
    },
  } satisfies Storage;
}
