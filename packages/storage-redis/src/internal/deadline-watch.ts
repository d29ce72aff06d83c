const MAX_TIMER_MS = 2 ** 31 - 1;

interface Watched<T> {
  readonly item: T;
  readonly deadline: number;
}

/**
 * Times out items that all get the same time allowance, with one timer for all of them rather
 * than one each. With one allowance, items are watched in deadline order, so the timer only ever
 * waits for the oldest item still pending; settled items are dropped lazily when it fires.
 * `pending(item)` says whether an item still waits; `expire(item)` is called at most once, for an
 * item still pending at its deadline. The timer is unref'd: it never keeps a process alive. A
 * settled item is released when the timer next passes it, within about one allowance.
 */
export function createDeadlineWatch<T>(timeoutMs: number, pending: (item: T) => boolean, expire: (item: T) => void): (item: T) => void {
  // Node fires a longer (or infinite) timer after 1 ms instead; the longest it honours is 2^31 - 1
  // (and a deadline minus now can round just above an allowance of exactly that).
  const allowance = Math.min(timeoutMs, MAX_TIMER_MS);
  let queue: Watched<T>[] = [];
  let head = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const arm = (now: number) => {
    while (head < queue.length && !pending((queue[head] as Watched<T>).item)) head++;
    if (head === queue.length) {
      queue = [];
      head = 0;
      return;
    }
    timer = setTimeout(fire, Math.min(MAX_TIMER_MS, Math.max(0, (queue[head] as Watched<T>).deadline - now)));
    timer.unref?.();
  };

  const fire = () => {
    timer = undefined;
    const now = performance.now();
    while (head < queue.length) {
      const { item, deadline } = queue[head] as Watched<T>;
      if (pending(item) && deadline > now) break;
      head++;
      if (pending(item)) expire(item);
    }
    // Reclaim the settled prefix once it is most of the queue, so memory follows what is in flight.
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    arm(now);
  };

  return (item) => {
    const now = performance.now();
    queue.push({ item, deadline: now + allowance });
    if (timer === undefined) arm(now);
  };
}
