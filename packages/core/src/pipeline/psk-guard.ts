import type { CompiledHost } from "../config/compiled-config.js";
import { GatewayError } from "../errors/gateway-error.js";
import { fail } from "../http/answer.js";
import { parseIp } from "../host/ip.js";
import { constantTimeEqual } from "../internal/constant-time.js";
import type { Clock } from "../ports/clock.js";
import type { Storage, TokenWindow } from "../ports/storage.js";
import { retryAfterSeconds } from "./cooldown.js";
import { headerValues, type RequestInfo } from "./request-info.js";
import { storageKeys } from "./storage-keys.js";

const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Outpost realm="outpost", header="X-Outpost-Auth"' };

/** Addresses this instance remembers as locked out; beyond it the oldest is forgotten (invariant 8). */
const MAX_LOCAL_LOCKOUTS = 10_000;

/** Step 3: the host's pre-shared key, compared in constant time, with failures rate limited. */
export interface PskGuard {
  /**
   * Returns nothing when the caller passes at once (no key required, or the right key), throws
   * while the address is locked out, and returns the pending failure (a rejection) otherwise:
   * the common case costs no promise and no turn.
   */
  check(info: RequestInfo, host: CompiledHost, client: string): Promise<never> | undefined;
}

/**
 * One IPv4 address, or one IPv6 /64: a single IPv6 client usually owns a whole /64 and could
 * otherwise rotate through it for fresh failure budgets.
 */
function addressPrefix(client: string): string {
  const ip = parseIp(client);
  if (!ip || ip.family === 4) return client;
  let hex = "";
  for (let i = 0; i < 8; i++) hex += (ip.bytes[i] as number).toString(16).padStart(2, "0");
  return `${hex}/64`;
}

function lockedOut(retryAfterMs: number): GatewayError {
  const seconds = retryAfterSeconds(retryAfterMs);
  return new GatewayError("PROXY_RATE_LIMITED", "too many failed X-Outpost-Auth attempts from this address", {
    metadata: { retry_after: seconds },
    headers: { "Retry-After": String(seconds) },
  });
}

/**
 * A guessed key must not be confirmable at any rate: every failure takes a token from a bucket per
 * host and source address, shared by the fleet through storage, and an empty bucket locks the
 * address out *before* any comparison, so a lucky guess during the lock-out learns nothing.
 * Lock-outs are also remembered in this instance, so a correct key costs no storage round trip and
 * a locked-out address costs none either. Storage trouble on this path answers 401, never forwards.
 */
export function createPskGuard(storage: Storage, clock: Clock, window: TokenWindow): PskGuard {
  const lockouts = new Map<string, number>();

  const remember = (key: string, until: number) => {
    lockouts.delete(key);
    if (lockouts.size >= MAX_LOCAL_LOCKOUTS) lockouts.delete(lockouts.keys().next().value as string);
    lockouts.set(key, until);
  };

  const recordFailure = async (key: string, now: number): Promise<never> => {
    const taken = await storage.takeTokens(key, [window], now).catch(() => undefined);
    if (taken && !taken.ok) {
      remember(key, now + taken.retryAfterMs);
      throw lockedOut(taken.retryAfterMs);
    }
    fail("PROXY_AUTH_REQUIRED", "a valid X-Outpost-Auth key is required", { headers: WWW_AUTHENTICATE });
  };

  return {
    check(info, host, client) {
      if (host.psk === undefined) return undefined;
      const key = storageKeys.pskFailures(host.id, addressPrefix(client));
      const now = clock.now();
      const until = lockouts.get(key);
      if (until !== undefined) {
        if (until > now) throw lockedOut(until - now);
        lockouts.delete(key);
      }
      const presented = headerValues(info.headers, "x-outpost-auth");
      if (presented.length === 1 && constantTimeEqual(presented[0] as string, host.psk)) return undefined;
      return recordFailure(key, now);
    },
  };
}
