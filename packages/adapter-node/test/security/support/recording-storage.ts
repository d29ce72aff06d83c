/**
 * Storage for the adversarial fixture: core's memory storage, with every write kept so the leak
 * scan can read all of it (token keys excepted), and a switch that makes it fail (invariant 7).
 */
import { memoryStorage, type Storage } from "@outpost/core";

/** A memory storage that keeps every write (key and value), so the leak scan can read them all. */
export interface RecordingStorage extends Storage {
  readonly writes: { key: string; value: string }[];
  /** Distinct keys ever written (set, reserve, token buckets). */
  keys(): Set<string>;
  /** While true every operation rejects, as a storage that went away does (invariant 7). */
  failing: boolean;
}

/** Wraps `inner` (core's memory storage by default; the Redis storage for the Redis runs). */
export function recordingStorage(inner: Storage = memoryStorage()): RecordingStorage {
  const writes: { key: string; value: string }[] = [];
  const bucketKeys = new Set<string>();
  const up = async () => {
    if (storage.failing) throw new Error("storage unavailable (test)");
  };
  const storage: RecordingStorage = {
    name: inner.name,
    capabilities: inner.capabilities,
    writes,
    failing: false,
    keys: () => new Set([...writes.map((w) => w.key), ...bucketKeys]),
    get: async (key) => (await up(), inner.get(key)),
    set: async (key, value, options) => {
      await up();
      writes.push({ key, value });
      return inner.set(key, value, options);
    },
    delete: async (key) => (await up(), inner.delete(key)),
    reserve: async (key, value, options) => {
      await up();
      const result = await inner.reserve(key, value, options);
      if (result.reserved) writes.push({ key, value });
      return result;
    },
    takeTokens: async (key, windows, nowMs, cost, gateKey) => {
      await up();
      bucketKeys.add(key);
      return inner.takeTokens(key, windows, nowMs, cost, gateKey);
    },
    ping: async () => (await up(), inner.ping()),
  };
  return storage;
}
