import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import type * as Undici from "undici";

// The dispatcher and its error classes only. undici's index also loads fetch, WebSocket, the
// HTTP cache and the mock agent: 3.1 MB more live heap, and V8 lets the old generation grow to
// about 4× its live size before a full GC, so it showed up as ~12 MB of peak RSS under load
// (bench/, 4 KiB POST echo). undici has no exports map: these are files of the pinned version,
// and the tests exercise both on every run.
const require = createRequire(import.meta.url);
// Typed as what this file uses: the index is what adds `request`, `stream` and friends to it.
const Agent: new (options: Undici.Agent.Options) => Pick<Undici.Agent, "dispatch" | "close"> = require("undici/lib/dispatcher/agent.js");
export const errors: typeof Undici.errors = require("undici/lib/core/errors.js");

export interface UpstreamRequest {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: readonly string[];
  readonly body: Readable | Uint8Array | undefined;
  /** Time allowed until the response headers arrive. */
  readonly headersTimeoutMs: number;
}

/**
 * Receives one upstream exchange as it happens. This is undici's own dispatch-handler contract
 * (the one its `request()` is built on): no body stream, no promise and no header object per
 * response, which is most of what separates `request()` + `pipe` from the wire on small answers.
 */
export interface UpstreamHandler {
  /** Called once before anything else; `abort` cancels the exchange (then `onError` follows). */
  onConnect(abort: (reason?: Error) => void): void;
  /** Raw header lines as latin1 buffers, `[name, value, …]`; return false to pause the body. */
  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean;
  /** A body chunk; return false to pause until `resume` (from `onHeaders`) is called. */
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[] | null): void;
  onError(error: Error): void;
}

export interface UpstreamClient {
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void;
  close(): Promise<void>;
}

export interface UpstreamClientOptions {
  /** Keep-alive connections per origin. @default 128 */
  readonly connectionsPerOrigin?: number;
  /** Idle time before a response body stream is abandoned, in ms. @default 300000 */
  readonly bodyTimeoutMs?: number;
}

/**
 * undici with a keep-alive pool per origin: `fetch` costs about 4× the CPU of this path on Node
 * (DESIGN §1). `dispatch` follows no redirects and does not decompress, so 3xx answers and
 * compressed bytes pass through untouched (SEC-59, TOOLCHAIN §6).
 */
export function createUpstreamClient(options: UpstreamClientOptions = {}): UpstreamClient {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 128,
    bodyTimeout: options.bodyTimeoutMs ?? 300_000,
    keepAliveTimeout: 4_000,
  });
  return {
    dispatch(req, handler) {
      agent.dispatch(
        {
          origin: req.origin,
          path: req.path,
          method: req.method as never,
          headers: req.headers as string[],
          body: req.body ?? null,
          headersTimeout: req.headersTimeoutMs,
        },
        handler as never,
      );
    },
    close: () => agent.close(),
  };
}

export function isTimeout(error: unknown): boolean {
  return error instanceof errors.HeadersTimeoutError || (error as { code?: string })?.code === "UND_ERR_HEADERS_TIMEOUT";
}
