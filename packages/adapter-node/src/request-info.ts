import type { IncomingMessage } from "node:http";
import type { RequestInfo } from "@outpost/core";

/** The decision input from a Node request, without touching the body (DESIGN §1). */
export function requestInfoOf(req: IncomingMessage): RequestInfo {
  const length = req.headers["content-length"];
  // Node's parser has already refused a malformed or conflicting Content-Length (RFC 9112 §6.3).
  const contentLength = length === undefined ? undefined : Number(length);
  return {
    method: req.method ?? "GET",
    target: req.url ?? "",
    headers: req.rawHeaders,
    // Node caches the peer per socket (`_getpeername`), so this is one property read per request.
    peer: req.socket.remoteAddress ?? "",
    contentLength,
    hasBody: contentLength !== undefined ? contentLength > 0 : req.headers["transfer-encoding"] !== undefined,
  };
}

/** Whether a body follows: a declared length above zero, or chunked framing. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return Number(length) > 0;
  return req.headers["transfer-encoding"] !== undefined;
}
