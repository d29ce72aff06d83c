import { describe, expect, it } from "vitest";
import { describeStorageConformance } from "../testing/storage-conformance.js";
import { memoryStorage } from "./memory-storage.js";

describeStorageConformance({ name: "memory", create: (clock) => memoryStorage({ clock }), usesClock: true });

describe("memory storage bounds (invariant 8)", () => {
  const window = [{ capacity: 1, windowMs: 60_000 }];
  const now = 1_700_000_000_000;

  it("keeps at most maxEntries bucket windows: the least recently used key is dropped, and starts full again", async () => {
    const storage = memoryStorage({ maxEntries: 2 });
    expect(await storage.takeTokens("a", window, now)).toEqual({ ok: true });
    await storage.takeTokens("b", window, now);
    expect((await storage.takeTokens("a", window, now)).ok).toBe(false); // two keys fit; "a" is used last
    await storage.takeTokens("c", window, now); // a third: "b", idle since, goes
    expect(await storage.takeTokens("b", window, now)).toEqual({ ok: true }); // full again; "a" goes for it
    expect((await storage.takeTokens("c", window, now)).ok).toBe(false);
    expect(await storage.takeTokens("a", window, now)).toEqual({ ok: true });
  });

  it("a flood of new keys cannot reset a limit that is in use (a PSK failure bucket per source address)", async () => {
    const storage = memoryStorage({ maxEntries: 100 });
    const limit = [{ capacity: 50, windowMs: 60_000 }];
    let taken = 0;
    for (let i = 0; i < 1_000; i++) {
      await storage.takeTokens(`pskfail:host:10.0.${i >> 8}.${i & 255}`, window, now);
      if (i % 10 === 0 && (await storage.takeTokens("rl:github:default", limit, now)).ok) taken++;
    }
    // 100 takes were tried, 10× the bound of keys went by between them: only the capacity passed.
    expect(taken).toBe(50);
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

  it("keeps at most maxEntries values: the least recently read or written goes", async () => {
    const storage = memoryStorage({ maxEntries: 2 });
    await storage.set("a", "1");
    await storage.set("b", "2");
    expect(await storage.get("a")).toBe("1");
    await storage.set("c", "3");
    expect(await storage.get("b")).toBeUndefined();
    expect(await storage.get("a")).toBe("1");
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
