import type { IncomingMessage, ServerResponse } from "node:http";
import type { Answer } from "@outpost/core";
import { hasBody } from "./request-info.js";

/**
 * Writes an answer the proxy produced itself. When the request still has an unread body the
 * connection is closed after the answer: reading a body we refused (a 10 GiB upload, SEC-95)
 * just to keep the connection alive would be work done for the attacker.
 */
export function sendAnswer(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = [...answer.headers, "Content-Length", String(typeof answer.body === "string" ? Buffer.byteLength(answer.body) : answer.body.byteLength)];
  if (hasBody(req) && !req.readableEnded) {
    headers.push("Connection", "close");
    res.shouldKeepAlive = false;
  }
  res.writeHead(answer.status, headers);
  res.end(req.method === "HEAD" ? undefined : answer.body);
}
