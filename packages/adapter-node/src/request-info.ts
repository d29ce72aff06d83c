import type { IncomingMessage } from "node:http";
import { headerValue, type RequestInfo } from "@outpost/core";

// The framing fields are read from `rawHeaders`, never `req.headers`: that getter builds a
// lower-cased object of every field on first use, one of the larger costs of a small request in
// node:http (bench/). Node keeps the first of duplicate Content-Length lines, as `headerValue` does.

/** The decision input from a Node request, without touching the body (DESIGN §1). */
export function requestInfoOf(req: IncomingMessage): RequestInfo {
  const raw = req.rawHeaders;
  const length = headerValue(raw, "content-length");
  // Node's parser has already refused a malformed or conflicting Content-Length (RFC 9112 §6.3).
  const contentLength = length === undefined ? undefined : Number(length);
  return {
    method: req.method ?? "GET",
    target: req.url ?? "",
    headers: raw,
    // Node caches the peer per socket (`_getpeername`), so this is one property read per request.
    peer: req.socket.remoteAddress ?? "",
    contentLength,
    hasBody: contentLength !== undefined ? contentLength > 0 : isChunked(raw),
  };
}

/** Whether a body follows: a declared length above zero, or chunked framing. */
export function hasBody(req: IncomingMessage): boolean {
  const length = headerValue(req.rawHeaders, "content-length");
  if (length !== undefined) return Number(length) > 0;
  return isChunked(req.rawHeaders);
}

function isChunked(raw: readonly string[]): boolean {
  return headerValue(raw, "transfer-encoding") !== undefined;
}
