import { describe, expect, it } from "vitest";
import { createDeadlineWatch } from "../src/internal/deadline-watch.js";

// One timer bounds every batch in flight: each item must expire at its own deadline, never
// before it and never when it settled in time, whatever the others do.
const TIMEOUT_MS = 120;
const SLACK_MS = 400; // event-loop lag while every test project runs at once
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Item {
  readonly name: string;
  readonly start: number;
  settled: boolean;
}

describe("deadline watch", () => {
  it("expires each pending item at its own deadline and skips the ones that settled", async () => {
    const expired: Array<{ name: string; after: number }> = [];
    const watch = createDeadlineWatch<Item>(
      TIMEOUT_MS,
      (item) => !item.settled,
      (item) => expired.push({ name: item.name, after: performance.now() - item.start }),
    );
    const make = (name: string): Item => {
      const item = { name, start: performance.now(), settled: false };
      watch.add(item);
      return item;
    };
    make("a");
    await sleep(40);
    const b = make("b");
    await sleep(40);
    make("c");
    b.settled = true;
    await sleep(TIMEOUT_MS * 2 + SLACK_MS);
    expect(expired.map((e) => e.name)).toEqual(["a", "c"]);
    for (const e of expired) {
      expect(e.after, e.name).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
      expect(e.after, e.name).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    }
  });

  it("keeps watching after the queue ran empty, and expires each item once", async () => {
    let expiries = 0;
    const watch = createDeadlineWatch<Item>(TIMEOUT_MS, (item) => !item.settled, (item) => {
      expiries++;
      item.settled = true;
    });
    const first = { name: "first", start: performance.now(), settled: false };
    watch.add(first);
    first.settled = true;
    await sleep(TIMEOUT_MS + 40); // the timer fired on a settled queue and disarmed
    const second = { name: "second", start: performance.now(), settled: false };
    watch.add(second);
    await sleep(TIMEOUT_MS * 2 + SLACK_MS);
    expect(expiries).toBe(1);
    expect(second.settled).toBe(true);
  });

  it("an allowance beyond what a timer can wait (or Infinity) never expires early", async () => {
    const expired: string[] = [];
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      for (const allowance of [2 ** 31, Number.POSITIVE_INFINITY]) {
        const item: Item = { name: String(allowance), start: performance.now(), settled: false };
        createDeadlineWatch<Item>(allowance, () => !item.settled, (it) => expired.push(it.name)).add(item);
      }
      await sleep(60);
    } finally {
      process.off("warning", onWarning);
    }
    expect(expired).toEqual([]);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });

  it("holds only what is in flight: settled items at the front are dropped when told", () => {
    const watch = createDeadlineWatch<Item>(60_000, (item) => !item.settled, () => {});
    const items = Array.from({ length: 5 }, (_, i): Item => ({ name: String(i), start: 0, settled: false }));
    for (const item of items) watch.add(item);
    expect(watch.size).toBe(5);
    (items[0] as Item).settled = true;
    (items[1] as Item).settled = true;
    (items[3] as Item).settled = true; // out of order: held until the front passes it
    watch.settled();
    expect(watch.size).toBe(3);
    (items[2] as Item).settled = true;
    watch.settled();
    expect(watch.size).toBe(1);
    (items[4] as Item).settled = true;
    watch.settled();
    expect(watch.size).toBe(0);
  });

  it("does not keep the process alive", () => {
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const before = timers();
    const item: Item = { name: "idle", start: performance.now(), settled: false };
    createDeadlineWatch<Item>(60_000, () => !item.settled, () => {}).add(item);
    // Node lists only the timers that hold the event loop open.
    expect(timers()).toBe(before);
  });
});
