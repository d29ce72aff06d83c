import type { AuthInjection } from "../auth/types.js";
import type { CompiledHost, CompiledProvider } from "../config/compiled-config.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { ErrorCode } from "../errors/codes.js";
import { type Answer, errorAnswer } from "../http/answer.js";
import { concatBytes } from "../internal/bytes.js";
import { cooldownMs, startCooldown, upstreamRateLimited } from "./cooldown.js";
import type { ForwardOutcome, ForwardPlan, ResponseDecision } from "./forward-plan.js";
import { relayableResponseHeaders } from "./headers.js";
import { proxyRelativeLinks } from "./link-targets.js";
import { completeIdempotency, type IdempotencyClaim, releaseIdempotency } from "./idempotency.js";
import type { AuthorisedRequest, GatewayRuntime } from "./request-context.js";
import { headerValue, isHeader } from "./request-info.js";
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
  for (let i = 0; i < headers.length; i += 2) {
    if (!isHeader(headers[i] as string, "content-encoding")) continue;
    const value = (headers[i + 1] as string).trim();
    if (value !== "" && value.toLowerCase() !== "identity") return true;
  }
  return false;
}

const FINISHED = Promise.resolve();

/** Bounded copy of a relayed body, for the cache and idempotent replays (invariant 8). */
class Capture {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private overflow = false;

  constructor(private readonly limit: number) {}

  push(chunk: Uint8Array): void {
    if (this.overflow) return;
    this.size += chunk.byteLength;
    if (this.size > this.limit) {
      this.overflow = true;
      this.chunks = [];
    } else this.chunks.push(chunk);
  }

  bytes(): Uint8Array | undefined {
    return this.overflow ? undefined : concatBytes(this.chunks, this.size);
  }
}

/**
 * Steps 15–17 around the adapter's exchange: upstream 429 cooldown, relay headers, storage writes.
 * A class rather than closures over the request: one object per forwarded request, its methods
 * shared (the plan is built on every request, bench/).
 */
class Plan implements ForwardPlan {
  readonly requestId: string;
  readonly provider: CompiledProvider;
  readonly host: CompiledHost;
  readonly method: string;
  readonly origin: string;
  readonly pathAndQuery: string;
  readonly headers: string[];
  readonly contentLength: number | undefined;
  readonly body: Uint8Array | undefined;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  private readonly maxCached: number;
  private readonly maxReplayed: number;
  private readonly captured: Capture | undefined;
  private upstreamStatus = 0;
  private upstreamHeaders: readonly string[] = [];
  private replaced = false;
  // Replays carry the headers the agent saw: relayable and scrubbed, never the upstream's raw ones.
  private storedHeaders: readonly string[] = [];

  // Truly private (#): the request (its headers carry the agent's PSK) and the injected credential
  // must not show when a plan is inspected or logged, as they did not while they were closures.
  readonly #rt: GatewayRuntime;
  readonly #req: AuthorisedRequest;
  readonly #parts: PlanParts;

  constructor(rt: GatewayRuntime, req: AuthorisedRequest, parts: PlanParts) {
    this.#rt = rt;
    this.#req = req;
    this.#parts = parts;
    const { provider } = req.runtime;
    const forwarding = provider.config.forwarding;
    this.requestId = req.state.requestId;
    this.provider = provider;
    this.host = req.host;
    this.method = req.method;
    this.origin = parts.origin;
    this.pathAndQuery = parts.pathAndQuery;
    this.headers = parts.headers;
    this.contentLength = parts.body ? parts.body.byteLength : req.contentLength;
    this.body = parts.body;
    this.timeoutMs = forwarding.timeout_ms;
    this.maxBodyBytes = forwarding.max_body_bytes;
    this.maxCached = parts.cacheKey === undefined ? 0 : forwarding.max_cache_entry_bytes;
    this.maxReplayed = parts.claim === undefined ? 0 : forwarding.max_idempotency_entry_bytes;
    this.captured = this.maxCached > 0 || this.maxReplayed > 0 ? new Capture(Math.max(this.maxCached, this.maxReplayed)) : undefined;
  }

  respond(status: number, headers: readonly string[]): ResponseDecision {
    const { provider } = this;
    const rt = this.#rt;
    const req = this.#req;
    const parts = this.#parts;
    const { state, runtime, route } = req;
    const { auth } = runtime;
    this.upstreamStatus = status;
    this.upstreamHeaders = headers;
    if (auth.onResponse) Promise.resolve(auth.onResponse(status, parts.injection)).catch(() => rt.logger.warn(`credential invalidation failed for ${provider.name}`));
    if (status === 429) {
      // Step 15: the agent gets the proxy's own 429; the upstream's headers and body stay behind.
      this.replaced = true;
      const ms = cooldownMs(headerValue(headers, "retry-after"), rt.clock.now());
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
    this.storedHeaders = relayed;
    if (!patterns) {
      return { kind: "relay", headers: relayed.concat(trailer), capture: keep, scrubber: undefined, seal: undefined };
    }
    if (isCompressed(headers)) {
      // Asked for identity (upstream-request.ts) and answered compressed anyway: the bytes cannot
      // be scrubbed without decompressing them, which we refuse to do (decompression bombs).
      this.replaced = true;
      rt.logger.warn(`${provider.name} answered with a Content-Encoding although identity was asked for; refused because it cannot be scrubbed`);
      return { kind: "answer", answer: errorAnswer(new GatewayError("PROXY_UPSTREAM_ERROR", COMPRESSED_MESSAGE), rt.proxyHeaders(state)), errorCode: "PROXY_UPSTREAM_ERROR" };
    }
    const redacted = scrubHeaderValues(relayed, patterns);
    const bodyless = req.method === "HEAD" || status === 204 || status === 304 || status < 200;
    // Fields listed rather than spread: a spread is a generic property copy on every answer.
    const framing = scrubbedFraming(patterns, status, bodyless, relayed, redacted, trailer);
    return { kind: "relay", headers: framing.headers, capture: keep, scrubber: framing.scrubber, seal: framing.seal };
  }

  capture(chunk: Uint8Array): void {
    this.captured?.push(chunk);
  }

  failure(code: ErrorCode): Answer {
    return errorAnswer(new GatewayError(code, FAILURE_MESSAGES[code] ?? "upstream request failed"), this.#rt.proxyHeaders(this.#req.state));
  }

  finish(outcome: ForwardOutcome): Promise<void> {
    const rt = this.#rt;
    const parts = this.#parts;
    const req = this.#req;
    rt.log(req.state, outcome.status, outcome.errorCode ?? (this.replaced ? "PROXY_UPSTREAM_RATE_LIMITED" : undefined), outcome);
    // Nothing to keep or release (no cache entry, no idempotency claim): no storage round trip.
    if (!parts.claim && parts.cacheKey === undefined) return FINISHED;
    return this.store(outcome).catch(() => rt.logger.warn(`storage write failed after request ${req.state.requestId}`));
  }

  private async store(outcome: ForwardOutcome): Promise<void> {
    const { maxCached, maxReplayed, upstreamStatus } = this;
    const rt = this.#rt;
    const parts = this.#parts;
    const complete = outcome.complete !== false && outcome.errorCode === undefined && !this.replaced;
    const body = complete ? this.captured?.bytes() : undefined;
    if (parts.claim) {
      if (body && body.byteLength <= maxReplayed && upstreamStatus < 500) await completeIdempotency(rt.storage, parts.claim, encodeStoredResponse(upstreamStatus, this.storedHeaders, body));
      // Too large to replay, failed, or 5xx: free the key so a retry reaches the upstream, which
      // still sees the header and may deduplicate itself.
      else await releaseIdempotency(rt.storage, parts.claim);
    }
    if (parts.cacheKey && body && body.byteLength <= maxCached && isStorable(upstreamStatus, this.upstreamHeaders)) {
      await rt.storage
        .set(parts.cacheKey, JSON.stringify(encodeStoredResponse(upstreamStatus, this.storedHeaders, body)), { ttlMs: this.#req.route.cacheTtlSeconds * 1000 })
        .catch(() => {});
    }
  }
}

export function buildPlan(rt: GatewayRuntime, req: AuthorisedRequest, parts: PlanParts): ForwardPlan {
  return new Plan(rt, req, parts);
}
