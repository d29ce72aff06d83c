import * as v from "valibot";
import { EnvName, HeaderName, HeaderValue } from "../../config/schema-helpers.js";
import { sha256Hex } from "../../internal/hash.js";
import type { Storage } from "../../ports/storage.js";
import { type AuthInjection, defineAuthModule } from "../types.js";
import { decidingStorage, InvalidateOn, recentValues } from "./stateful-helpers.js";

/** Where `outpost token set/clear` and this module keep the token of `auth.key`. */
export function bearerStoreKey(key: string): string {
  return `token:${key}`;
}

/**
 * Marker: "the `env_seed` whose SHA-256 is this value was rejected upstream; do not seed it again".
 * Holding the hash rather than a flag means a restart with a *new* seed value seeds it.
 */
export function bearerStoreStaleSeedKey(key: string): string {
  return `token:${key}:stale-seed`;
}

/** What `outpost token set` does: store the token (no TTL) and forget any stale-seed marker. */
export async function setBearerStoreToken(storage: Pick<Storage, "set" | "delete">, key: string, token: string): Promise<void> {
  await storage.set(bearerStoreKey(key), token);
  await storage.delete(bearerStoreStaleSeedKey(key));
}

/**
 * `reserve` always takes a TTL; ten years stands for "no expiry", so a seed lives until an
 * operator or an `invalidate_on` status replaces it, like a token set by `outpost token set`.
 */
const SEED_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

export const bearerStoreAuth = defineAuthModule({
  type: "bearer_store",
  schema: v.strictObject({
    /** `bearer_redis` is the original Outpost's name for the same module. */
    type: v.picklist(["bearer_store", "bearer_redis"]),
    /** Names the token in storage; shared by every instance on the same storage. */
    key: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "must be 1-128 letters, digits, '.', '_' or '-'")),
    /** Stored once when storage has no token yet, then never again after it is rejected. */
    env_seed: v.optional(EnvName),
    header: v.optional(HeaderName, "Authorization"),
    prefix: v.optional(HeaderValue, "Bearer "),
    invalidate_on: v.optional(InvalidateOn, [401]),
  }),
  secretRefs: (c) => (c.env_seed === undefined ? [] : [{ path: ["auth", "env_seed"], env: c.env_seed, required: false }]),
  create: (c, context) => {
    const storage = decidingStorage(context.storage);
    const tokenKey = bearerStoreKey(c.key);
    const staleKey = bearerStoreStaleSeedKey(c.key);
    const seed = c.env_seed === undefined ? undefined : context.secrets.get(c.env_seed) || undefined;
    const invalidateOn = new Set(c.invalidate_on);
    const seen = recentValues(seed === undefined ? [] : [seed]);
    /** Which token each answer was sent with, so `onResponse` drops only a rejected token. */
    const sentWith = new WeakMap<AuthInjection, string>();
    let seedHash: Promise<string> | undefined;
    let seedStale = false;
    let lastSent: string | undefined;

    const hashOfSeed = () => (seedHash ??= sha256Hex(seed ?? ""));

    /** Seeds with `reserve`: of concurrent instances one stores it, and an existing token is never overwritten. */
    async function seedOnce(): Promise<string | undefined> {
      if (seed === undefined || seedStale) return undefined;
      if ((await storage.get(staleKey)) === (await hashOfSeed())) {
        seedStale = true;
        return undefined;
      }
      const result = await storage.reserve(tokenKey, seed, { ttlMs: SEED_TTL_MS });
      return result.reserved ? seed : result.existing;
    }

    return {
      type: "bearer_store",
      headerNames: [c.header.toLowerCase()],
      queryParams: [],
      secretValues: () => seen.values,
      // One storage read per request: a rotation by another process is used by the very next request.
      apply: async () => {
        const token = (await storage.get(tokenKey)) ?? (await seedOnce());
        // Fixed text: the pipeline answers 502 PROXY_AUTH_ERROR; the key names no secret.
        if (token === undefined || token === "") throw new Error(`bearer_store: no token stored under key "${c.key}"`);
        seen.add(token);
        lastSent = token;
        const injection: AuthInjection = { headers: [[c.header, c.prefix + token]], query: [] };
        sentWith.set(injection, token);
        return injection;
      },
      onResponse: async (status, applied) => {
        if (!invalidateOn.has(status)) return;
        const rejected = (applied && sentWith.get(applied)) ?? lastSent;
        try {
          // The marker goes first, so an instance that finds the token gone also finds the seed stale.
          if (seed !== undefined) {
            seedStale = true;
            await storage.set(staleKey, await hashOfSeed());
          }
          // Only the rejected token: one rotated in meanwhile (`outpost token set`) stays.
          if (rejected !== undefined && (await storage.get(tokenKey)) === rejected) await storage.delete(tokenKey);
        } catch {
          // The answer is already on its way; the next rejection retries the invalidation.
        }
      },
    };
  },
});
