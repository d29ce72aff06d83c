import type { Clock } from "../ports/clock.js";

export interface FakeClock extends Clock {
  /** Moves time forward and wakes every sleeper whose time has come, in order. */
  advance(ms: number): Promise<void>;
  set(ms: number): Promise<void>;
  /** Sleepers not yet woken. */
  readonly pending: number;
}

/** A clock that moves only when told to; `sleep` resolves when `advance` passes its deadline. */
export function createFakeClock(startMs = Date.UTC(2026, 0, 1)): FakeClock {
  let current = startMs;
  const sleepers: { at: number; wake: () => void }[] = [];
  const moveTo = async (target: number) => {
    for (;;) {
      sleepers.sort((a, b) => a.at - b.at);
      const next = sleepers[0];
      if (!next || next.at > target) break;
      sleepers.shift();
      current = Math.max(current, next.at);
      next.wake();
      // Let the woken task run (and perhaps sleep again) before time moves on.
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    current = target;
  };
  return {
    now: () => current,
    sleep: (ms) => new Promise<void>((resolve) => sleepers.push({ at: current + Math.max(0, ms), wake: resolve })),
    advance: (ms) => moveTo(current + ms),
    set: (ms) => moveTo(ms),
    get pending() {
      return sleepers.length;
    },
  };
}
