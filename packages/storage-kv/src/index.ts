/**
 * @module @outpost/storage-kv
 * Outpost's `Storage` on Cloudflare Workers:
 * `kvStorage({ namespace: env.OUTPOST_KV, durableObject: env.OUTPOST_COORDINATOR, keyPrefix: "outpost:" })`,
 * with `export { OutpostCoordinator } from "@outpost/storage-kv"` in the Worker's entry.
 */
export { kvStorage, KV_STORAGE_NAME } from "./kv-storage.js";
export type { KvStorageOptions } from "./kv-storage.js";
export { OutpostCoordinator } from "./coordinator.js";
export { KV_KEY_PREFIXES, shardOf } from "./internal/routing.js";
export { KV_MIN_TTL_S } from "./internal/kv-entry.js";
export type { DurableObjectNamespaceLike, DurableObjectStateLike, DurableObjectStubLike, KvNamespaceLike } from "./internal/cf-types.js";
