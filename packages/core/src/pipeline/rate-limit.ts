import type { CompiledProvider } from "../config/compiled-config.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Clock } from "../ports/clock.js";
import type { Storage, TokenWindow } from "../ports/storage.js";
import { storageKeys } from "./storage-keys.js";
import { deciding } from "./storage-guard.js";

/** RFC 9110 §10.2.3 delay-seconds: an integer, rounded up, and never 0 (0 invites a hot retry loop). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** DESIGN §2.1: a category's own windows, else `default`, else unlimited. */
export function windowsFor(provider: CompiledProvider, category: string): readonly TokenWindow[] {
  const limits = provider.config.forwarding.rate_limits;
  const windows = limits[category] ?? limits.default ?? [];
  return windows.map((w) => ({ capacity: w.capacity, windowMs: w.window_ms }));
}

/**
 * Step 12b: takes one token from every window of the category at once, waiting up to
 * `queue_timeout_ms` for them; then 429 with `Retry-After`.
 */
export async function acquireTokens(storage: Storage, clock: Clock, provider: CompiledProvider, category: string): Promise<void> {
  const windows = windowsFor(provider, category);
  if (windows.length === 0) return;
  const key = storageKeys.rateLimit(provider.name, category);
  const deadline = clock.now() + provider.config.forwarding.queue_timeout_ms;
  for (;;) {
    const now = clock.now();
    const result = await deciding(() => storage.takeTokens(key, windows, now));
    if (result.ok) return;
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
