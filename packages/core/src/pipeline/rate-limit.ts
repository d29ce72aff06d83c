import type { CompiledProvider } from "../config/compiled-config.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Clock } from "../ports/clock.js";
import type { Storage, TakeResult, TokenWindow } from "../ports/storage.js";
import { checkCooldown, retryAfterSeconds, upstreamRateLimited } from "./cooldown.js";
import { storageKeys } from "./storage-keys.js";
import { deciding } from "./storage-guard.js";

interface CategoryLimit {
  readonly windows: readonly TokenWindow[];
  readonly key: string;
  readonly gate: string;
}

/**
 * DESIGN §2.1: a category's own windows, else `default`, else unlimited. Per compiled provider (a
 * reload compiles new ones), windows and keys are built once per category.
 */
const limits = new WeakMap<CompiledProvider, Map<string, CategoryLimit>>();

function limitOf(provider: CompiledProvider, category: string): CategoryLimit {
  let byCategory = limits.get(provider);
  if (!byCategory) limits.set(provider, (byCategory = new Map()));
  let limit = byCategory.get(category);
  if (!limit) {
    const configured = provider.config.forwarding.rate_limits;
    const windows = (configured[category] ?? configured.default ?? []).map((w) => ({ capacity: w.capacity, windowMs: w.window_ms }));
    limit = { windows, key: storageKeys.rateLimit(provider.name, category), gate: storageKeys.cooldown(provider.name, category) };
    // Categories come from the provider's own rules, so this map is bounded by configuration.
    byCategory.set(category, limit);
  }
  return limit;
}

/**
 * Waiting requests per provider and category in this instance. Each holds a connection and a
 * timer, so an agent that floods a limited category must not be able to park unboundedly many
 * (invariant 8). Keyed by the compiled provider: a reload starts fresh counts.
 */
const waiting = new WeakMap<CompiledProvider, Map<string, number>>();

function queueFull(category: string, retryAfterMs: number): GatewayError {
  const seconds = retryAfterSeconds(retryAfterMs);
  return new GatewayError("PROXY_RATE_LIMITED", "rate limit reached and too many requests are already waiting", {
    metadata: { retry_after: seconds, category },
    headers: { "Retry-After": String(seconds) },
  });
}

/**
 * Step 12: refuses during an upstream cooldown, then takes one token from every window of the
 * category at once, waiting up to `queue_timeout_ms` for them; then 429 with `Retry-After`. With
 * limits it is one storage operation (one round trip on Redis); without, the cooldown read alone.
 * `onWaited` hears about requests that waited (admitted or not), when the wait ends.
 */
export function admit(
  storage: Storage,
  clock: Clock,
  provider: CompiledProvider,
  category: string,
  onWaited?: (waitedSince: number, admitted: boolean) => void,
): Promise<void> {
  const limit = limitOf(provider, category);
  if (limit.windows.length === 0) return checkCooldown(storage, clock, provider.name, category);
  // The common case, a token at the first try, without an async frame: one take, one reaction.
  const now = clock.now();
  return deciding(() => storage.takeTokens(limit.key, limit.windows, now, 1, limit.gate)).then((first) =>
    first.ok ? undefined : admitAfterRefusal(storage, clock, provider, category, limit, now, first, onWaited),
  );
}

/** A take was refused: 429 at once, or wait in the queue for tokens and take again. */
async function admitAfterRefusal(
  storage: Storage,
  clock: Clock,
  provider: CompiledProvider,
  category: string,
  { windows, key, gate }: CategoryLimit,
  firstAt: number,
  first: TakeResult,
  onWaited?: (waitedSince: number, admitted: boolean) => void,
): Promise<void> {
  const deadline = firstAt + provider.config.forwarding.queue_timeout_ms;
  let waitedSince: number | undefined;
  let now = firstAt;
  let result = first;
  try {
    for (;;) {
      if (result.ok) {
        if (waitedSince !== undefined) onWaited?.(waitedSince, true);
        return;
      }
      if (result.gated) throw upstreamRateLimited(result.retryAfterMs, category);
      if (now + result.retryAfterMs > deadline) {
        const seconds = retryAfterSeconds(result.retryAfterMs);
        throw new GatewayError("PROXY_RATE_LIMITED", "rate limit reached for this provider and category", {
          metadata: { retry_after: seconds, category },
          headers: { "Retry-After": String(seconds) },
        });
      }
      const retryAfterMs = result.retryAfterMs;
      await queued(provider, category, retryAfterMs, () => {
        waitedSince ??= clock.now();
        return clock.sleep(retryAfterMs);
      });
      now = clock.now();
      result = await deciding(() => storage.takeTokens(key, windows, now, 1, gate));
    }
  } catch (error) {
    if (waitedSince !== undefined) onWaited?.(waitedSince, false);
    throw error;
  }
}

async function queued(provider: CompiledProvider, category: string, retryAfterMs: number, wait: () => Promise<void>): Promise<void> {
  let counts = waiting.get(provider);
  if (!counts) waiting.set(provider, (counts = new Map()));
  const now = counts.get(category) ?? 0;
  if (now >= provider.config.forwarding.max_queued) throw queueFull(category, retryAfterMs);
  counts.set(category, now + 1);
  try {
    await wait();
  } finally {
    const left = (counts.get(category) ?? 1) - 1;
    if (left === 0) counts.delete(category);
    else counts.set(category, left);
  }
}
