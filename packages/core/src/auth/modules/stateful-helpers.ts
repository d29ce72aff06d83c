import * as v from "valibot";
import { deciding } from "../../pipeline/storage-guard.js";
import type { Storage } from "../../ports/storage.js";

/** `invalidate_on`: upstream statuses that mean "this credential was rejected". */
export const InvalidateOn = v.pipe(
  v.array(v.pipe(v.number(), v.integer("must be an integer"), v.minValue(400, "must be a 4xx or 5xx status"), v.maxValue(599, "must be a 4xx or 5xx status"))),
  v.minLength(1, "must list at least one status"),
);

/** How many rotated-out tokens stay in `secretValues()`: answers to requests sent with them may still be streaming. */
const RECENT_LIMIT = 8;

/**
 * The credential values a module has sent lately, for scrubbing. `fixed` (configured secrets)
 * always stay; tokens are kept newest last and the oldest drop out past a small bound, so a long
 * run of rotations cannot grow it (invariant 8).
 */
export function recentValues(fixed: readonly string[]): { add(value: string): void; readonly values: readonly string[] } {
  const base = fixed.filter((s) => s !== "");
  let tokens: string[] = [];
  let values: readonly string[] = base;
  return {
    add(value) {
      if (value === "" || tokens[tokens.length - 1] === value) return;
      tokens = [...tokens.filter((t) => t !== value), value].slice(-RECENT_LIMIT);
      values = [...new Set([...base, ...tokens])];
    },
    get values() {
      return values;
    },
  };
}

/**
 * The storage operations a module makes while deciding a request: a failure becomes 503
 * `PROXY_STORAGE_UNAVAILABLE` (invariant 7), distinct from a credential that cannot be had (502).
 */
export function decidingStorage(storage: Storage): Pick<Storage, "get" | "set" | "delete" | "reserve"> {
  return {
    get: (key) => deciding(() => storage.get(key)),
    set: (key, value, options) => deciding(() => storage.set(key, value, options)),
    delete: (key) => deciding(() => storage.delete(key)),
    reserve: (key, value, options) => deciding(() => storage.reserve(key, value, options)),
  };
}
