import { describeStorageConformance } from "@outpost/core/testing";
import type { Storage } from "@outpost/core";
import { env } from "cloudflare:workers";
import { kvStorage } from "../src/index.js";

// The shared conformance suite, inside workerd, against the real KV and Durable Object bindings.
// KV and the object judge expiry by their own time, so the suite waits real milliseconds.

const base = () => ({ namespace: env.OUTPOST_KV, durableObject: env.OUTPOST_COORDINATOR, keyPrefix: "outpost-test:" });

// Every key family but `cache:` lives in the Durable Object: the suite's keys take that path.
describeStorageConformance({ name: "KV + Durable Object: the Durable Object path", create: () => kvStorage(base()), usesClock: false });

/**
 * The suite's plain get/set/delete tests use these key names, and only get/set/delete: here they
 * are moved into the KV family, so expiry, large values, overwrite and delete are proven on KV,
 * while reserve and token tests in the same run keep their keys on the Durable Object.
 */
const PLAIN = new Set(["a", "big", "d", "never", "t", "p"]);
function plainOnKv(storage: Storage): Storage {
  const route = (key: string) => (PLAIN.has(key.slice(key.lastIndexOf(":") + 1)) ? `cache:${key}` : key);
  return {
    ...storage,
    get: (key) => storage.get(route(key)),
    set: (key, value, opts) => storage.set(route(key), value, opts),
    delete: (key) => storage.delete(route(key)),
  };
}
describeStorageConformance({ name: "KV + Durable Object: plain values on KV", create: () => plainOnKv(kvStorage(base())), usesClock: false });
