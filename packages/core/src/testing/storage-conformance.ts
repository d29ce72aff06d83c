import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Storage } from "../ports/storage.js";
import { createFakeClock, type FakeClock } from "./fake-clock.js";

export interface StorageConformanceOptions {
  readonly name: string;
  /** A storage for one test. Keys from different tests never collide (the suite prefixes them). */
  create(clock: FakeClock): Storage | Promise<Storage>;
  /**
   * Expiry is judged by the clock given to `create` (memory). Backends with their own time
   * (Redis, KV) say false, and the suite waits real milliseconds for expiry instead.
   */
  readonly usesClock: boolean;
  /** Called after each test, e.g. to delete the test's keys. */
  cleanup?(storage: Storage): void | Promise<void>;
}

/**
 * The behaviour every `Storage` must have (DESIGN §9), one call per implementation:
 * `describeStorageConformance({ name: "redis", create: () => redisStorage(…), usesClock: false })`.
 */
export function describeStorageConformance(options: StorageConformanceOptions): void {
  describe(`Storage conformance: ${options.name}`, () => {
    let clock: FakeClock;
    let storage: Storage;
    let prefix: string;
    const key = (name: string) => `${prefix}${name}`;

    /** Lets `ms` pass on whichever clock judges expiry. */
    const pass = async (ms: number) => {
      if (options.usesClock) await clock.advance(ms);
      else await new Promise((r) => setTimeout(r, ms));
    };

    beforeEach(async () => {
      clock = createFakeClock(Date.now());
      storage = await options.create(clock);
      prefix = `conf:${crypto.randomUUID()}:`;
    });
    afterEach(async () => {
      await options.cleanup?.(storage);
    });

    it("declares its capabilities", () => {
      expect(typeof storage.name).toBe("string");
      expect(typeof storage.capabilities.atomic).toBe("boolean");
      expect(storage.capabilities.minTtlMs).toBeGreaterThan(0);
      expect(typeof storage.capabilities.shared).toBe("boolean");
    });

    it("answers ping", async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it("get of a missing key is undefined; set then get returns the value; set overwrites", async () => {
      expect(await storage.get(key("a"))).toBeUndefined();
      await storage.set(key("a"), "one");
      expect(await storage.get(key("a"))).toBe("one");
      await storage.set(key("a"), "two", { ttlMs: 60_000 });
      expect(await storage.get(key("a"))).toBe("two");
    });

    it("round-trips unicode and large values unchanged", async () => {
      const big = "é€😀\n\"'\\".repeat(40_000);
      await storage.set(key("big"), big, { ttlMs: 60_000 });
      expect(await storage.get(key("big"))).toBe(big);
    });

    it("delete removes a key; deleting a missing key is fine", async () => {
      await storage.set(key("d"), "x");
      await storage.delete(key("d"));
      expect(await storage.get(key("d"))).toBeUndefined();
      await expect(storage.delete(key("never"))).resolves.toBeUndefined();
    });

    it("an entry expires after its TTL and not before", async () => {
      await storage.set(key("t"), "v", { ttlMs: 300 });
      await pass(100);
      expect(await storage.get(key("t"))).toBe("v");
      await pass(400);
      expect(await storage.get(key("t"))).toBeUndefined();
    });

    it("an entry without a TTL persists", async () => {
      await storage.set(key("p"), "v");
      await pass(options.usesClock ? 365 * 24 * 3600 * 1000 : 200);
      expect(await storage.get(key("p"))).toBe("v");
    });

    it("reserve stores only when absent and otherwise returns the existing value", async () => {
      expect(await storage.reserve(key("r"), "first", { ttlMs: 60_000 })).toEqual({ reserved: true });
      expect(await storage.reserve(key("r"), "second", { ttlMs: 60_000 })).toEqual({ reserved: false, existing: "first" });
      expect(await storage.get(key("r"))).toBe("first");
    });

    it("a reservation expires, after which the key can be reserved again", async () => {
      await storage.reserve(key("re"), "a", { ttlMs: 300 });
      await pass(500);
      expect(await storage.reserve(key("re"), "b", { ttlMs: 60_000 })).toEqual({ reserved: true });
      expect(await storage.get(key("re"))).toBe("b");
    });

    it("50 concurrent reserves of one key: exactly one wins, every loser sees the winner's value", async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => storage.reserve(key("race"), `caller-${i}`, { ttlMs: 60_000 })));
      const winners = results.filter((r) => r.reserved);
      expect(winners).toHaveLength(1);
      const stored = await storage.get(key("race"));
      for (const r of results) if (!r.reserved) expect(r.existing).toBe(stored);
    });

    it("takeTokens: a full bucket gives capacity tokens, then refuses with the time until the next one", async () => {
      const now = clock.now();
      const windows = [{ capacity: 3, windowMs: 1_000 }];
      for (let i = 0; i < 3; i++) expect(await storage.takeTokens(key("b"), windows, now)).toEqual({ ok: true });
      const refused = await storage.takeTokens(key("b"), windows, now);
      expect(refused.ok).toBe(false);
      expect(refused.ok ? 0 : refused.retryAfterMs).toBe(334);
      expect(await storage.takeTokens(key("b"), windows, now + 334)).toEqual({ ok: true });
      expect((await storage.takeTokens(key("b"), windows, now + 334)).ok).toBe(false);
    });

    it("takeTokens refills continuously up to capacity, never beyond", async () => {
      const now = clock.now();
      const windows = [{ capacity: 2, windowMs: 1_000 }];
      await storage.takeTokens(key("f"), windows, now);
      await storage.takeTokens(key("f"), windows, now);
      const later = now + 10_000;
      expect(await storage.takeTokens(key("f"), windows, later)).toEqual({ ok: true });
      expect(await storage.takeTokens(key("f"), windows, later)).toEqual({ ok: true });
      expect((await storage.takeTokens(key("f"), windows, later)).ok).toBe(false);
    });

    it("takeTokens from an instance whose clock is behind never moves the bucket's time back (no refill counted twice)", async () => {
      const now = clock.now();
      const windows = [{ capacity: 10, windowMs: 10_000 }];
      for (let i = 0; i < 10; i++) await storage.takeTokens(key("skew"), windows, now);
      // 5 s later one token per second has come back: 5 tokens. A skewed instance takes one at `now`.
      expect(await storage.takeTokens(key("skew"), windows, now + 5_000)).toEqual({ ok: true });
      expect(await storage.takeTokens(key("skew"), windows, now)).toEqual({ ok: true });
      // At now + 5 s exactly 3 of the 5 remain; were the stamp moved back to `now`, 5 s would count again.
      for (let i = 0; i < 3; i++) expect(await storage.takeTokens(key("skew"), windows, now + 5_000)).toEqual({ ok: true });
      expect((await storage.takeTokens(key("skew"), windows, now + 5_000)).ok).toBe(false);
    });

    it("takeTokens over several windows is all or nothing: a refusal takes from no window", async () => {
      const now = clock.now();
      const perSecond = { capacity: 5, windowMs: 1_000 };
      const perMinute = { capacity: 2, windowMs: 60_000 };
      expect(await storage.takeTokens(key("m"), [perSecond, perMinute], now)).toEqual({ ok: true });
      expect(await storage.takeTokens(key("m"), [perSecond, perMinute], now)).toEqual({ ok: true });
      const refused = await storage.takeTokens(key("m"), [perSecond, perMinute], now);
      expect(refused).toEqual({ ok: false, retryAfterMs: 30_000 });
      // The per-second window still holds exactly its 3 remaining tokens.
      for (let i = 0; i < 3; i++) expect(await storage.takeTokens(key("m"), [perSecond], now)).toEqual({ ok: true });
      expect((await storage.takeTokens(key("m"), [perSecond], now)).ok).toBe(false);
    });

    it("takeTokens: the wait is set by the slowest window that lacks tokens", async () => {
      const now = clock.now();
      const windows = [
        { capacity: 3, windowMs: 1_000 },
        { capacity: 5, windowMs: 60_000 },
      ];
      for (let i = 0; i < 3; i++) expect((await storage.takeTokens(key("s"), windows, now)).ok).toBe(true);
      expect(await storage.takeTokens(key("s"), windows, now)).toEqual({ ok: false, retryAfterMs: 334 });
      expect((await storage.takeTokens(key("s"), windows, now + 1_000)).ok).toBe(true);
      expect((await storage.takeTokens(key("s"), windows, now + 1_000)).ok).toBe(true);
      const minute = await storage.takeTokens(key("s"), windows, now + 2_000);
      expect(minute.ok).toBe(false);
      expect(minute.ok ? 0 : minute.retryAfterMs).toBe(10_000);
    });

    it("100 concurrent takes against capacity 20: exactly 20 succeed (no lost updates)", async () => {
      const now = clock.now();
      const windows = [{ capacity: 20, windowMs: 60_000 }];
      const results = await Promise.all(Array.from({ length: 100 }, () => storage.takeTokens(key("c"), windows, now)));
      expect(results.filter((r) => r.ok)).toHaveLength(20);
    });

    it("buckets with different keys are independent", async () => {
      const now = clock.now();
      const windows = [{ capacity: 1, windowMs: 60_000 }];
      expect((await storage.takeTokens(key("x"), windows, now)).ok).toBe(true);
      expect((await storage.takeTokens(key("y"), windows, now)).ok).toBe(true);
      expect((await storage.takeTokens(key("x"), windows, now)).ok).toBe(false);
    });

    it("takeTokens with a gate key refuses while the gate holds a later time, taking nothing", async () => {
      const now = clock.now();
      const windows = [{ capacity: 2, windowMs: 60_000 }];
      await storage.set(key("gate"), String(now + 1_500), { ttlMs: 60_000 });
      expect(await storage.takeTokens(key("g"), windows, now, 1, key("gate"))).toEqual({ ok: false, retryAfterMs: 1_500, gated: true });
      expect(await storage.takeTokens(key("g"), windows, now + 1_500, 1, key("gate"))).toEqual({ ok: true });
      expect(await storage.takeTokens(key("g"), windows, now + 1_500, 1, key("gate"))).toEqual({ ok: true });
      expect((await storage.takeTokens(key("g"), windows, now + 1_500, 1, key("gate"))).ok).toBe(false);
    });

    it("takeTokens with a missing gate key behaves as without one", async () => {
      const windows = [{ capacity: 1, windowMs: 60_000 }];
      expect(await storage.takeTokens(key("n"), windows, clock.now(), 1, key("no-gate"))).toEqual({ ok: true });
    });

    it("takeTokens honours a cost above one", async () => {
      const now = clock.now();
      const windows = [{ capacity: 10, windowMs: 10_000 }];
      expect(await storage.takeTokens(key("k"), windows, now, 7)).toEqual({ ok: true });
      expect(await storage.takeTokens(key("k"), windows, now, 4)).toEqual({ ok: false, retryAfterMs: 1_000 });
      expect(await storage.takeTokens(key("k"), windows, now, 3)).toEqual({ ok: true });
    });
  });
}
