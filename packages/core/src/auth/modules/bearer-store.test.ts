import { beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.js";
import type { Storage } from "../../ports/storage.js";
import { memoryStorage } from "../../storage/memory-storage.js";
import { createFakeClock, type FakeClock } from "../../testing/fake-clock.js";
import { applyAsync, authModule, headerOf } from "../auth-test-kit.js";
import type { AuthModule, AuthRequest } from "../types.js";
import { bearerStoreKey, bearerStoreStaleSeedKey, setBearerStoreToken } from "./bearer-store.js";

const REQUEST: AuthRequest = { method: "GET", path: "/v1/x", query: "" };

describe("bearer_store", () => {
  let clock: FakeClock;
  let storage: Storage;
  const make = (env: Record<string, string> = {}, extra: string[] = ["env_seed: SEED"], store = storage) =>
    authModule(["type: bearer_store", "key: crm", ...extra], { env, storage: store, clock });
  const bearer = async (module: AuthModule) => headerOf(await module.apply(REQUEST), "authorization");

  beforeEach(() => {
    clock = createFakeClock();
    storage = memoryStorage({ clock });
  });

  it("keeps the token under token:<key> (the storage adds its own prefix)", () => {
    expect(bearerStoreKey("crm")).toBe("token:crm");
  });

  it("without a stored token or a seed, apply fails (502 PROXY_AUTH_ERROR in the pipeline)", async () => {
    const module = make({}, []);
    await expect(module.apply(REQUEST)).rejects.toThrow(/no token stored under key "crm"/);
    await expect(module.apply(REQUEST)).rejects.not.toBeInstanceOf(GatewayError);
  });

  it("an unset env_seed variable is not a configuration error (it is optional)", async () => {
    await expect(make({}).apply(REQUEST)).rejects.toThrow(/no token stored/);
  });

  it("seeds storage once from env_seed and sends it", async () => {
    const module = make({ SEED: "seed-1" });
    expect(await bearer(module)).toBe("Bearer seed-1");
    expect(await storage.get(bearerStoreKey("crm"))).toBe("seed-1");
  });

  it("never overwrites a stored token with the seed: the first instance's seed or an operator's token wins", async () => {
    await setBearerStoreToken(storage, "crm", "operator-token");
    expect(await bearer(make({ SEED: "seed-1" }))).toBe("Bearer operator-token");
    await storage.delete(bearerStoreKey("crm"));
    const [a, b] = await Promise.all([bearer(make({ SEED: "seed-a" })), bearer(make({ SEED: "seed-b" }))]);
    expect(a).toBe(b);
    expect(await storage.get(bearerStoreKey("crm"))).toBe(a?.slice("Bearer ".length));
  });

  it("a token set in storage (outpost token set) is used by the next request, without a restart", async () => {
    const module = make({ SEED: "seed-1" });
    expect(await bearer(module)).toBe("Bearer seed-1");
    await setBearerStoreToken(storage, "crm", "rotated-2");
    expect(await bearer(module)).toBe("Bearer rotated-2");
  });

  it("an invalidate_on status deletes the token and the stale seed is not stored again", async () => {
    const module = make({ SEED: "seed-1" });
    const applied = await module.apply(REQUEST);
    await module.onResponse?.(200, applied);
    expect(await bearer(module)).toBe("Bearer seed-1");
    await module.onResponse?.(401, applied);
    expect(await storage.get(bearerStoreKey("crm"))).toBeUndefined();
    await expect(module.apply(REQUEST)).rejects.toThrow(/no token stored/);
    // Another instance (or a restart) with the same env value does not seed it either.
    await expect(make({ SEED: "seed-1" }).apply(REQUEST)).rejects.toThrow(/no token stored/);
    expect(await storage.get(bearerStoreKey("crm"))).toBeUndefined();
  });

  it("token set after an invalidation works and clears the stale marker; a new env value seeds again", async () => {
    const module = make({ SEED: "seed-1" });
    await module.onResponse?.(401, await module.apply(REQUEST));
    expect(await storage.get(bearerStoreStaleSeedKey("crm"))).toBeDefined();
    await setBearerStoreToken(storage, "crm", "fresh");
    expect(await storage.get(bearerStoreStaleSeedKey("crm"))).toBeUndefined();
    expect(await bearer(module)).toBe("Bearer fresh");

    const restarted = make({ SEED: "seed-1" });
    await restarted.onResponse?.(401, await restarted.apply(REQUEST));
    await expect(make({ SEED: "seed-1" }).apply(REQUEST)).rejects.toThrow(/no token stored/);
    expect(await bearer(make({ SEED: "seed-2" }))).toBe("Bearer seed-2");
  });

  it("a late rejection of a token already rotated does not delete the new token", async () => {
    const module = make({ SEED: "seed-1" });
    const old = await module.apply(REQUEST);
    await setBearerStoreToken(storage, "crm", "rotated");
    await module.apply(REQUEST);
    await module.onResponse?.(401, old);
    expect(await bearer(module)).toBe("Bearer rotated");
  });

  it("honours header, prefix, invalidate_on and the bearer_redis alias", async () => {
    const module = authModule(["type: bearer_redis", "key: k1", "header: X-Token", 'prefix: ""', "invalidate_on: [403]"], { storage, clock });
    await setBearerStoreToken(storage, "k1", "t");
    const applied = await module.apply(REQUEST);
    expect(applied).toEqual({ headers: [["X-Token", "t"]], query: [] });
    expect(module.type).toBe("bearer_store");
    expect(module.headerNames).toEqual(["x-token"]);
    await module.onResponse?.(401, applied);
    expect(await storage.get(bearerStoreKey("k1"))).toBe("t");
    await module.onResponse?.(403, applied);
    expect(await storage.get(bearerStoreKey("k1"))).toBeUndefined();
  });

  it("secretValues has the seed and the tokens sent lately", async () => {
    const module = make({ SEED: "seed-1" });
    expect(module.secretValues()).toEqual(["seed-1"]);
    await module.apply(REQUEST);
    await setBearerStoreToken(storage, "crm", "rotated");
    await module.apply(REQUEST);
    expect(module.secretValues()).toEqual(["seed-1", "rotated"]);
  });

  it("a storage failure answers 503 PROXY_STORAGE_UNAVAILABLE", async () => {
    const broken: Storage = { ...storage, get: () => Promise.reject(new Error("ECONNREFUSED")) };
    const error = await applyAsync(make({ SEED: "s" }, ["env_seed: SEED"], broken), REQUEST).catch((e: unknown) => e);
    expect((error as GatewayError).code).toBe("PROXY_STORAGE_UNAVAILABLE");
  });

  it("rejects a key that could not be a plain storage key segment", () => {
    expect(() => make({}, [], storage)).not.toThrow();
    expect(() => authModule(["type: bearer_store", "key: 'a b'"], { storage, clock })).toThrow(/auth\.key: must be 1-128 letters/);
  });
});
