import type { AuthInjection } from "../auth/types.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { ErrorCode } from "../errors/codes.js";
import { errorAnswer } from "../http/answer.js";
import { concatBytes } from "../internal/bytes.js";
import { cooldownMs, startCooldown, upstreamRateLimited } from "./cooldown.js";
import type { ForwardOutcome, ForwardPlan, ResponseDecision } from "./forward-plan.js";
import { relayableResponseHeaders } from "./headers.js";
import { proxyRelativeLinks } from "./link-targets.js";
import { completeIdempotency, type IdempotencyClaim, releaseIdempotency } from "./idempotency.js";
import type { AuthorisedRequest, GatewayRuntime } from "./request-context.js";
import { headerValues } from "./request-info.js";
import { encodeStoredResponse, isStorable } from "./response-cache.js";
import { scrubbedFraming, scrubHeaderValues } from "./response-scrub.js";

export interface PlanParts {
  readonly origin: string;
  readonly pathAndQuery: string;
  readonly headers: string[];
  readonly body: Uint8Array | undefined;
  readonly claim: IdempotencyClaim | undefined;
  readonly cacheKey: string | undefined;
  /** What the auth module injected, so it can drop exactly a rejected credential. */
  readonly injection: AuthInjection;
}

/** Fixed texts: transport errors carry URLs and query strings, so their own text is never shown (SEC-66). */
const FAILURE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  PROXY_UPSTREAM_ERROR: "could not reach the upstream service",
  PROXY_UPSTREAM_TIMEOUT: "the upstream service did not answer in time",
  PROXY_PAYLOAD_TOO_LARGE: "request body is too large",
};

const COMPRESSED_MESSAGE = "the upstream answered compressed, which cannot be checked for credentials";

function isCompressed(headers: readonly string[]): boolean {
  return headerValues(headers, "content-encoding").some((value) => value.trim().toLowerCase() !== "identity" && value.trim() !== "");
}

const FINISHED = Promise.resolve();

/** Bounded copy of a relayed body, for the cache and idempotent replays (invariant 8). */
function createCapture(limit: number) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let overflow = false;
  return {
    push(chunk: Uint8Array) {
      if (overflow) return;
      size += chunk.byteLength;
      if (size > limit) {
        overflow = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    },
    bytes: () => (overflow ? undefined : concatBytes(chunks, size)),
  };
}

/** Steps 15–17 around the adapter's exchange: upstream 429 cooldown, relay headers, storage writes. */
export function buildPlan(rt: GatewayRuntime, req: AuthorisedRequest, parts: PlanParts): ForwardPlan {
  const { state, host, runtime, route } = req;
  const { provider, auth } = runtime;
  const forwarding = provider.config.forwarding;
  const maxCached = parts.cacheKey === undefined ? 0 : forwarding.max_cache_entry_bytes;
  const maxReplayed = parts.claim === undefined ? 0 : forwarding.max_idempotency_entry_bytes;
  const capture = maxCached > 0 || maxReplayed > 0 ? createCapture(Math.max(maxCached, maxReplayed)) : undefined;
  let upstreamStatus = 0;
  let upstreamHeaders: readonly string[] = [];
  let replaced = false;
  // Replays carry the headers the agent saw: relayable and scrubbed, never the upstream's raw ones.
  let storedHeaders: readonly string[] = [];

  const respond = (status: number, headers: readonly string[]): ResponseDecision => {
    upstreamStatus = status;
    upstreamHeaders = headers;
    if (auth.onResponse) Promise.resolve(auth.onResponse(status, parts.injection)).catch(() => rt.logger.warn(`credential invalidation failed for ${provider.name}`));
    if (status === 429) {
      // Step 15: the agent gets the proxy's own 429; the upstream's headers and body stay behind.
      replaced = true;
      const ms = cooldownMs(headerValues(headers, "retry-after")[0], rt.clock.now());
      startCooldown(rt.storage, rt.clock, provider.name, route.category, ms).catch(() => rt.logger.warn(`could not store cooldown for ${provider.name}`));
      const error = upstreamRateLimited(ms, route.category);
      return { kind: "answer", answer: errorAnswer(error, rt.proxyHeaders(state)), errorCode: error.code };
    }
    const patterns = runtime.scrubPatterns();
    const relayed = relayableResponseHeaders(headers, provider.stripResponseHeaders);
    proxyRelativeLinks(relayed, provider.origin + provider.basePath);
    const trailer = ["X-Proxy-Provider", provider.name, "X-Proxy-Cache", state.cache, "X-Request-Id", state.requestId];
    const cacheable = parts.cacheKey !== undefined && isStorable(status, headers);
    const replayable = parts.claim !== undefined && status < 500;
    const keep = cacheable || replayable;
    if (!patterns) {
      storedHeaders = relayed;
      return { kind: "relay", headers: [...relayed, ...trailer], capture: keep, scrubber: undefined, seal: undefined };
    }
    if (isCompressed(headers)) {
      // Asked for identity (upstream-request.ts) and answered compressed anyway: the bytes cannot
      // be scrubbed without decompressing them, which we refuse to do (decompression bombs).
      replaced = true;
      rt.logger.warn(`${provider.name} answered with a Content-Encoding although identity was asked for; refused because it cannot be scrubbed`);
      return { kind: "answer", answer: errorAnswer(new GatewayError("PROXY_UPSTREAM_ERROR", COMPRESSED_MESSAGE), rt.proxyHeaders(state)), errorCode: "PROXY_UPSTREAM_ERROR" };
    }
    const redacted = scrubHeaderValues(relayed, patterns);
    storedHeaders = relayed;
    const bodyless = req.method === "HEAD" || status === 204 || status === 304 || status < 200;
    return { kind: "relay", capture: keep, ...scrubbedFraming(patterns, status, bodyless, relayed, redacted, trailer) };
  };

  const store = async (outcome: ForwardOutcome) => {
    const complete = outcome.complete !== false && outcome.errorCode === undefined && !replaced;
    const body = complete ? capture?.bytes() : undefined;
    if (parts.claim) {
      if (body && body.byteLength <= maxReplayed && upstreamStatus < 500) await completeIdempotency(rt.storage, parts.claim, encodeStoredResponse(upstreamStatus, storedHeaders, body));
      // Too large to replay, failed, or 5xx: free the key so a retry reaches the upstream, which
      // still sees the header and may deduplicate itself.
      else await releaseIdempotency(rt.storage, parts.claim);
    }
    if (parts.cacheKey && body && body.byteLength <= maxCached && isStorable(upstreamStatus, upstreamHeaders)) {
      await rt.storage
        .set(parts.cacheKey, JSON.stringify(encodeStoredResponse(upstreamStatus, storedHeaders, body)), { ttlMs: route.cacheTtlSeconds * 1000 })
        .catch(() => {});
    }
  };

  return {
    requestId: state.requestId,
    provider,
    host,
    method: req.method,
    origin: parts.origin,
    pathAndQuery: parts.pathAndQuery,
    headers: parts.headers,
    contentLength: parts.body ? parts.body.byteLength : req.contentLength,
    body: parts.body,
    timeoutMs: forwarding.timeout_ms,
    maxBodyBytes: forwarding.max_body_bytes,
    respond,
    capture: (chunk) => capture?.push(chunk),
    failure: (code) => errorAnswer(new GatewayError(code, FAILURE_MESSAGES[code] ?? "upstream request failed"), rt.proxyHeaders(state)),
    finish: (outcome) => {
      rt.log(state, outcome.status, outcome.errorCode ?? (replaced ? "PROXY_UPSTREAM_RATE_LIMITED" : undefined), outcome);
      // Nothing to keep or release (no cache entry, no idempotency claim): no storage round trip.
      if (!parts.claim && parts.cacheKey === undefined) return FINISHED;
      return store(outcome).catch(() => rt.logger.warn(`storage write failed after request ${state.requestId}`));
    },
  };
}
