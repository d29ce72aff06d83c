import { describe, expect, it } from "vitest";
import { describeStorageConformance } from "../testing/storage-conformance.js";
import { memoryStorage } from "./memory-storage.js";

describeStorageConformance({ name: "memory", create: (clock) => memoryStorage({ clock }), usesClock: true });

describe("memory storage bounds (invariant 8)", () => {
  const window = [{ capacity: 1, windowMs: 60_000 }];
  const now = 1_700_000_000_000;

  it("keeps at most maxEntries bucket windows: the oldest bucket key is dropped, and starts full again", async () => {
    const storage = memoryStorage({ maxEntries: 2 });
    expect(await storage.takeTokens("a", window, now)).toEqual({ ok: true });
    expect((await storage.takeTokens("a", window, now)).ok).toBe(false);
    await storage.takeTokens("b", window, now);
    expect((await storage.takeTokens("a", window, now)).ok).toBe(false); // two keys fit
    await storage.takeTokens("c", window, now); // a third: the oldest, "a", goes
    expect(await storage.takeTokens("a", window, now)).toEqual({ ok: true });
    expect((await storage.takeTokens("c", window, now)).ok).toBe(false);
  });

  it("counts every window of a bucket against the bound", async () => {
    const storage = memoryStorage({ maxEntries: 3 });
    const two = [
      { capacity: 1, windowMs: 1_000 },
      { capacity: 5, windowMs: 60_000 },
    ];
    await storage.takeTokens("a", two, now);
    await storage.takeTokens("b", two, now); // four windows held: "a" goes
    expect((await storage.takeTokens("b", two, now)).ok).toBe(false);
    expect(await storage.takeTokens("a", two, now)).toEqual({ ok: true }); // "b" goes, never "a"
    expect((await storage.takeTokens("a", two, now)).ok).toBe(false); // its debit stood
    expect(await storage.takeTokens("b", two, now)).toEqual({ ok: true });
  });

  it("keeps at most maxEntries values", async () => {
    const storage = memoryStorage({ maxEntries: 2 });
    await storage.set("a", "1");
    await storage.set("b", "2");
    await storage.set("c", "3");
    expect(await storage.get("a")).toBeUndefined();
    expect(await storage.get("c")).toBe("3");
  });

  it("windows of the same length read the state before the take, as every storage does", async () => {
    const storage = memoryStorage();
    const same = [
      { capacity: 2, windowMs: 1_000 },
      { capacity: 3, windowMs: 1_000 },
    ];
    // Both windows see the same state; the last write wins: 3 → 2 → 1 → 0 tokens, though the
    // first window alone holds only 2.
    for (let i = 0; i < 3; i++) expect(await storage.takeTokens("k", same, now)).toEqual({ ok: true });
    expect((await storage.takeTokens("k", same, now)).ok).toBe(false);
  });
});
