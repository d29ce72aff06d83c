const MAX_TIMER_MS = 2 ** 31 - 1;

interface Watched<T> {
  readonly item: T;
  readonly deadline: number;
}

export interface DeadlineWatch<T> {
  /** Starts watching an item; its deadline is now plus the allowance. */
  add(item: T): void;
  /**
   * Drops the settled items at the front of the queue at once. Call it when an item settles:
   * items settle mostly in the order they were added (replies on one connection come in order),
   * so the queue holds only what is in flight, and a settled batch is garbage while still young
   * (kept until the timer passed it, every batch outlived a scavenge and was promoted, which grew
   * the old space by megabytes a second under load, bench/).
   */
  settled(): void;
  /** Items held: those in flight, and any settled out of order behind one still in flight. */
  readonly size: number;
}

/**
 * Times out items that all get the same time allowance, with one timer for all of them rather
 * than one each. With one allowance, items are watched in deadline order, so the timer only ever
 * waits for the oldest item still pending. `pending(item)` says whether an item still waits;
 * `expire(item)` is called at most once, for an item still pending at its deadline. The timer is
 * unref'd: it never keeps a process alive.
 */
export function createDeadlineWatch<T>(timeoutMs: number, pending: (item: T) => boolean, expire: (item: T) => void): DeadlineWatch<T> {
  // Node fires a longer (or infinite) timer after 1 ms instead; the longest it honours is 2^31 - 1
  // (and a deadline minus now can round just above an allowance of exactly that).
  const allowance = Math.min(timeoutMs, MAX_TIMER_MS);
  let queue: Array<Watched<T> | undefined> = [];
  let head = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Drops settled items from the front; true when none is left. */
  const dropSettled = (): boolean => {
    while (head < queue.length && !pending((queue[head] as Watched<T>).item)) queue[head++] = undefined;
    if (head < queue.length) return false;
    // Emptied in place: with one batch in flight at a time this runs on every reply.
    queue.length = 0;
    head = 0;
    return true;
  };

  const arm = (now: number) => {
    if (dropSettled()) return;
    timer = setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, (queue[head] as Watched<T>).deadline - now)));
    timer.unref?.();
  };

  const fire = () => {
    timer = undefined;
    const now = performance.now();
    while (head < queue.length) {
      const { item, deadline } = queue[head] as Watched<T>;
      if (pending(item) && deadline > now) break;
      queue[head++] = undefined;
      if (pending(item)) expire(item);
    }
    // An item that settled out of order stays until the front passes it; reclaim the dropped
    // prefix once it is most of the array.
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    arm(now);
  };

  return {
    add(item) {
      const now = performance.now();
      queue.push({ item, deadline: now + allowance });
      if (timer === undefined) arm(now);
    },
    settled() {
      // The armed timer may now wait for an item that is gone; it finds the queue as it is then.
      dropSettled();
    },
    get size() {
      return queue.length - head;
    },
  };
}
