import { GatewayError } from "../errors/gateway-error.js";
import type { Clock } from "../ports/clock.js";
import type { Storage } from "../ports/storage.js";
/** RFC 9110 §10.2.3 delay-seconds: an integer, rounded up, and never 0 (0 invites a hot retry loop). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
import { storageKeys } from "./storage-keys.js";

const MIN_COOLDOWN_MS = 100;
const MAX_COOLDOWN_MS = 600_000;
const DEFAULT_COOLDOWN_MS = 1_000;

/**
 * The cooldown an upstream asked for with `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date), clamped to 0.1–600 s so a hostile or broken upstream cannot silence a provider for
 * days nor make us hammer it (SEC-106).
 */
export function cooldownMs(retryAfter: string | undefined, nowMs: number): number {
  const text = retryAfter?.trim() ?? "";
  let ms = DEFAULT_COOLDOWN_MS;
  if (/^-?\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else if (text !== "") {
    const date = Date.parse(text);
    if (!Number.isNaN(date)) ms = date - nowMs;
  }
  if (!Number.isFinite(ms)) ms = MAX_COOLDOWN_MS;
  return Math.min(MAX_COOLDOWN_MS, Math.max(MIN_COOLDOWN_MS, ms));
}

export function upstreamRateLimited(ms: number, category: string): GatewayError {
  const seconds = retryAfterSeconds(ms);
  return new GatewayError("PROXY_UPSTREAM_RATE_LIMITED", "the upstream service asked to slow down", {
    metadata: { retry_after: seconds, category },
    headers: { "Retry-After": String(seconds) },
  });
}

/**
 * Step 12 for routes without limits: refuse while the provider+category cools down. Read failures are ignored: the
 * cooldown protects the upstream, it does not decide access, and routes that need no storage
 * must keep working when storage is down.
 */
export async function checkCooldown(storage: Storage, clock: Clock, provider: string, category: string): Promise<void> {
  let until: string | undefined;
  try {
    until = await storage.get(storageKeys.cooldown(provider, category));
  } catch {
    return;
  }
  const remaining = Number(until) - clock.now();
  if (until !== undefined && remaining > 0) throw upstreamRateLimited(remaining, category);
}

/** Step 15: remember the upstream's 429 for every instance sharing the storage. */
export async function startCooldown(storage: Storage, clock: Clock, provider: string, category: string, ms: number): Promise<void> {
  await storage.set(storageKeys.cooldown(provider, category), String(clock.now() + ms), { ttlMs: ms });
}
