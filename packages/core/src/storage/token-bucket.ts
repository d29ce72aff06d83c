import type { TakeResult, TokenWindow } from "../ports/storage.js";

/** One window's state: tokens left at `updatedMs`. */
export interface BucketState {
  tokens: number;
  updatedMs: number;
}

/** Tokens available at `nowMs`, refilled continuously at capacity per window. */
export function refill(state: BucketState | undefined, window: TokenWindow, nowMs: number): number {
  if (!state) return window.capacity;
  const elapsed = Math.max(0, nowMs - state.updatedMs);
  return Math.min(window.capacity, state.tokens + (elapsed * window.capacity) / window.windowMs);
}

/**
 * The all-or-nothing multi-window take, as a pure function over the windows' states, so every
 * storage (memory, the Redis Lua script, the Durable Object) computes the same answer.
 * Returns the new states when the take succeeds.
 */
export function takeFromWindows(
  states: ReadonlyArray<BucketState | undefined>,
  windows: readonly TokenWindow[],
  nowMs: number,
  cost: number,
): { result: TakeResult; next: BucketState[] | undefined } {
  const available: number[] = [];
  let waitMs = 0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i] as TokenWindow;
    const tokens = refill(states[i], w, nowMs);
    available.push(tokens);
    const missing = cost - tokens;
    if (missing > 0) waitMs = Math.max(waitMs, cost > w.capacity ? Number.POSITIVE_INFINITY : (missing * w.windowMs) / w.capacity);
  }
  if (waitMs > 0) return { result: { ok: false, retryAfterMs: Math.ceil(waitMs) }, next: undefined };
  // The stamp never moves back: a take from an instance whose clock is behind must not make the
  // next take count the same refill time twice.
  const next: BucketState[] = [];
  for (let i = 0; i < available.length; i++) next.push({ tokens: (available[i] as number) - cost, updatedMs: Math.max(nowMs, states[i]?.updatedMs ?? nowMs) });
  return { result: { ok: true }, next };
}
