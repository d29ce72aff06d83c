import type { CompiledHost, CompiledProvider } from "../config/compiled-config.js";
import type { ErrorCode } from "../errors/codes.js";
import type { Answer } from "../http/answer.js";

/** What the adapter reports when a forwarded exchange ends, for the request log. */
export interface ForwardOutcome {
  readonly status: number;
  /** Set when the proxy, not the upstream, decided the status (timeouts, connection errors). */
  readonly errorCode?: ErrorCode | undefined;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Time until upstream response headers, in ms; undefined when none arrived. */
  readonly upstreamMs?: number | undefined;
}

/**
 * Everything the adapter needs to move bytes for one allowed request. The decision is done; the
 * adapter sends exactly `method`, `origin` + `pathAndQuery` and `headers`, then relays the answer
 * through `responseHeaders` (DESIGN §1, "the hot path").
 */
export interface ForwardPlan {
  readonly requestId: string;
  readonly provider: CompiledProvider;
  readonly host: CompiledHost;
  readonly method: string;
  /** `scheme://host[:port]`, asserted equal to the provider's origin. */
  readonly origin: string;
  /** Path (with the `base_url` prefix) and query exactly as evaluated and forwarded. */
  readonly pathAndQuery: string;
  /** Flattened header pairs to send; excludes `Host` and `Content-Length`. */
  readonly headers: readonly string[];
  /** Declared request body length to forward, or undefined (none, or chunked). */
  readonly contentLength: number | undefined;
  /** Upstream response-headers timeout. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Headers for the agent's answer, given the upstream's status and flattened headers. */
  responseHeaders(upstreamHeaders: readonly string[]): string[];
  /** An error answer for this request (upstream failure, timeout, body too large). */
  failure(code: ErrorCode): Answer;
  /** Emits the request's log line; call exactly once when the exchange ends. */
  finish(outcome: ForwardOutcome): void;
}

export type Outcome =
  | { readonly kind: "answer"; readonly answer: Answer }
  | { readonly kind: "forward"; readonly plan: ForwardPlan };
