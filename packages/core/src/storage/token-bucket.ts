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
    waitMs = Math.max(waitMs, waitForTokens(tokens, w, cost));
  }
  if (waitMs > 0) return { result: refused(waitMs), next: undefined };
  const next: BucketState[] = [];
  for (let i = 0; i < available.length; i++) next.push({ tokens: (available[i] as number) - cost, updatedMs: stampAfterTake(states[i], nowMs) });
  return { result: TAKEN, next };
}

/** One window's share of a take: ms until `cost` tokens are there (0 now, ∞ never). */
export function waitForTokens(tokens: number, window: TokenWindow, cost: number): number {
  const missing = cost - tokens;
  // Not `missing <= 0`: a NaN must not wait, as in the Lua take, rather than cancel a refusal.
  if (!(missing > 0)) return 0;
  return cost > window.capacity ? Number.POSITIVE_INFINITY : (missing * window.windowMs) / window.capacity;
}

/**
 * A window's stamp after a take. It never moves back: a take from an instance whose clock is
 * behind must not make the next take count the same refill time twice.
 */
export function stampAfterTake(state: BucketState | undefined, nowMs: number): number {
  return Math.max(nowMs, state?.updatedMs ?? nowMs);
}

/** A successful take's answer; frozen, so one object serves every take. */
export const TAKEN: TakeResult = Object.freeze({ ok: true });

/** The refusal for the longest wait over a take's windows. */
export function refused(waitMs: number): TakeResult {
  return { ok: false, retryAfterMs: Math.ceil(waitMs) };
}
