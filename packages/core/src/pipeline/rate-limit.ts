import type { CompiledProvider } from "../config/compiled-config.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Clock } from "../ports/clock.js";
import type { Storage, TokenWindow } from "../ports/storage.js";
import { checkCooldown, retryAfterSeconds, upstreamRateLimited } from "./cooldown.js";
import { storageKeys } from "./storage-keys.js";
import { deciding } from "./storage-guard.js";

/** DESIGN §2.1: a category's own windows, else `default`, else unlimited. */
export function windowsFor(provider: CompiledProvider, category: string): readonly TokenWindow[] {
  const limits = provider.config.forwarding.rate_limits;
  const windows = limits[category] ?? limits.default ?? [];
  return windows.map((w) => ({ capacity: w.capacity, windowMs: w.window_ms }));
}

/**
 * Step 12: refuses during an upstream cooldown, then takes one token from every window of the
 * category at once, waiting up to `queue_timeout_ms` for them; then 429 with `Retry-After`. With
 * limits it is one storage operation (one round trip on Redis); without, the cooldown read alone.
 */
export async function admit(storage: Storage, clock: Clock, provider: CompiledProvider, category: string): Promise<void> {
  const windows = windowsFor(provider, category);
  if (windows.length === 0) return checkCooldown(storage, clock, provider.name, category);
  const key = storageKeys.rateLimit(provider.name, category);
  const gate = storageKeys.cooldown(provider.name, category);
  const deadline = clock.now() + provider.config.forwarding.queue_timeout_ms;
  for (;;) {
    const now = clock.now();
    const result = await deciding(() => storage.takeTokens(key, windows, now, 1, gate));
    if (result.ok) return;
    if (result.gated) throw upstreamRateLimited(result.retryAfterMs, category);
    if (now + result.retryAfterMs > deadline) {
      const seconds = retryAfterSeconds(result.retryAfterMs);
      throw new GatewayError("PROXY_RATE_LIMITED", "rate limit reached for this provider and category", {
        metadata: { retry_after: seconds, category },
        headers: { "Retry-After": String(seconds) },
      });
    }
    await clock.sleep(result.retryAfterMs);
  }
}
