import type { CompiledHost, CompiledProvider } from "../config/compiled-config.js";
import type { ErrorCode } from "../errors/codes.js";
import type { Answer } from "../http/answer.js";
import type { Scrubber } from "../scrub/scrubber.js";
import type { SCRUB_BUFFER_BYTES, SealedAnswer } from "./response-scrub.js";

/** What the adapter reports when a forwarded exchange ends. */
export interface ForwardOutcome {
  readonly status: number;
  /** Set when the proxy, not the upstream, decided the status (timeouts, connection errors). */
  readonly errorCode?: ErrorCode | undefined;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Time until upstream response headers, in ms; undefined when none arrived. */
  readonly upstreamMs?: number | undefined;
  /** False when the agent or the upstream hung up before the body ended. @default true */
  readonly complete?: boolean;
}

/** How the adapter answers once the upstream's status and headers are known. */
export type ResponseDecision =
  | {
      readonly kind: "relay";
      /** Headers for the agent's answer. */
      readonly headers: string[];
      /** Pass every body chunk to `capture` (the answer will be cached or kept for replay). */
      readonly capture: boolean;
      /**
       * Pass the body through this before relaying it (and before `capture`): it replaces every
       * credential, also across chunk boundaries. `headers` then carry no `Content-Length`.
       */
      readonly scrubber: Scrubber | undefined;
      /**
       * Set for a small scrubbed answer of known length: read the whole body (its declared length is
       * at most {@link SCRUB_BUFFER_BYTES}), then send the headers and bytes `seal` returns instead
       * of `headers` (they carry the scrubbed length and the full redaction count), and `capture`
       * those bytes. Bodyless answers (HEAD, 204, 304) use `headers`.
       */
      readonly seal: ((body: Uint8Array) => SealedAnswer) | undefined;
    }
  /** The upstream answer is replaced (an upstream 429 becomes the proxy's own, step 15). */
  | { readonly kind: "answer"; readonly answer: Answer; readonly errorCode: ErrorCode };

/**
 * Everything the adapter needs to move bytes for one allowed request. The decision is done; the
 * adapter sends exactly `method`, `origin` + `pathAndQuery`, `headers` and the body, then
 * relays the answer as `respond` says (DESIGN §1, "the hot path").
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
  /** The request body when core has already read it (idempotency, body signing): send these bytes. */
  readonly body: Uint8Array | undefined;
  /** Upstream response-headers timeout. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  respond(status: number, upstreamHeaders: readonly string[]): ResponseDecision;
  /** Receives the relayed body when `respond` asked for it. */
  capture(chunk: Uint8Array): void;
  /** An error answer for this request (upstream failure, timeout, body too large). */
  failure(code: ErrorCode): Answer;
  /** Logs the request and performs the storage writes of step 17; call exactly once. */
  finish(outcome: ForwardOutcome): Promise<void>;
}

export type Outcome =
  | { readonly kind: "answer"; readonly answer: Answer }
  | { readonly kind: "forward"; readonly plan: ForwardPlan }
  /**
   * Core must see the body before deciding (an `Idempotency-Key`, a body-signing credential).
   * The adapter reads at most `maxBytes + 1` bytes and resumes with them; more is a 413.
   */
  | { readonly kind: "read-body"; readonly maxBytes: number; resume(body: Uint8Array): Promise<Outcome> };
