/** Milliseconds since the epoch. Core reads time only through this port, so tests can fake it. */
export interface Clock {
  now(): number;
}

/** The only place in core that reads the real time. */
export const systemClock: Clock = { now: () => Date.now() };
