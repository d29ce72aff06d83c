/**
 * @module events
 * What the gateway reports as it works, for metrics and tracing. Every field is a name from
 * the configuration (provider, host id, category, auth type), a fixed code, or a number: no
 * path, query, client address, header value or secret, so any field may become a metric label.
 */
import type { ErrorCode } from "../errors/codes.js";

/** `X-Proxy-Cache` of the answer (DESIGN §3). */
export type CacheState = "HIT" | "MISS" | "BYPASS" | "IDEMPOTENT-HIT";

/** Once per request, when its log line is written: proxy, management and refused requests alike. */
export interface RequestEvent {
  readonly type: "request";
  /** Epoch ms (gateway clock) when the request ended. */
  readonly time: number;
  readonly requestId: string;
  /** Configured host id; undefined when the caller matched no host or was not identified yet. */
  readonly host: string | undefined;
  /** Configured provider name; undefined for management requests and unknown providers. */
  readonly provider: string | undefined;
  readonly method: string;
  readonly category: string | undefined;
  readonly status: number;
  /** `"2xx"` … `"5xx"`. */
  readonly statusClass: string;
  /** The proxy's error code when the proxy decided the status. */
  readonly errorCode: ErrorCode | undefined;
  readonly cache: CacheState;
  readonly sensitive: boolean | undefined;
  /** From the start of the decision to the end of the answer, in ms. */
  readonly durationMs: number;
  /** Until upstream response headers, in ms; undefined when nothing was forwarded or none arrived. */
  readonly upstreamMs: number | undefined;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** False when the agent or the upstream hung up before the body ended. */
  readonly complete: boolean;
}

/** A request waited for rate-limit tokens (step 12), then went on or was refused. */
export interface RateLimitWaitEvent {
  readonly type: "rate_limit_wait";
  readonly time: number;
  readonly requestId: string;
  readonly provider: string;
  readonly category: string;
  /** Time spent waiting, in ms. */
  readonly waitedMs: number;
  readonly admitted: boolean;
}

/** A 429 from the proxy: its own limits, or an upstream cooldown / upstream 429 (steps 12, 15). */
export interface RateLimitedEvent {
  readonly type: "rate_limited";
  readonly time: number;
  readonly requestId: string;
  readonly provider: string | undefined;
  readonly category: string | undefined;
  readonly code: "PROXY_RATE_LIMITED" | "PROXY_UPSTREAM_RATE_LIMITED";
}

/** An answer replayed from storage: the response cache or a completed idempotent request. */
export interface CacheHitEvent {
  readonly type: "cache_hit";
  readonly time: number;
  readonly requestId: string;
  readonly provider: string | undefined;
  readonly host: string | undefined;
  readonly kind: "cache" | "idempotency";
}

/** An auth module called its token endpoint (every call through its `fetch` is one). */
export interface TokenMintEvent {
  readonly type: "token_mint";
  readonly time: number;
  readonly provider: string;
  /** `auth.type` from the provider's YAML. */
  readonly authType: string;
  /** The endpoint answered 2xx; a token it could not parse is still reported by the request. */
  readonly ok: boolean;
  readonly durationMs: number;
}

/** The upstream could not be reached or did not answer in time (step 14). */
export interface UpstreamErrorEvent {
  readonly type: "upstream_error";
  readonly time: number;
  readonly requestId: string;
  readonly provider: string | undefined;
  readonly code: "PROXY_UPSTREAM_ERROR" | "PROXY_UPSTREAM_TIMEOUT";
}

export type GatewayEvent = RequestEvent | RateLimitWaitEvent | RateLimitedEvent | CacheHitEvent | TokenMintEvent | UpstreamErrorEvent;

export type GatewayEventType = GatewayEvent["type"];

/**
 * Receives every event, synchronously, on the request's path: keep it cheap (increment a
 * counter, queue a span). A throwing observer is logged and never fails a request.
 */
export type GatewayObserver = (event: GatewayEvent) => void;

/** `404` → `"4xx"`. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
