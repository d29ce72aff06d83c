import type { IncomingMessage, ServerResponse } from "node:http";
import { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import type { ErrorCode, ForwardPlan } from "@outpost/core";
import { BodyLimit } from "./body-limit.js";
import { hasBody } from "./request-info.js";
import { sendAnswer } from "./send-answer.js";
import { isTimeout, type UpstreamClient } from "./upstream-client.js";

/** RFC 9110 §6.4.1: these answers never carry content, whatever the upstream claims. */
function isBodyless(method: string, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/** Node holds streamed headers until the first body chunk; SSE and unsized bodies must not wait for it. */
function isStreamed(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    if (name === "content-length") return false;
    if (name === "content-type" && (headers[i + 1] as string).startsWith("text/event-stream")) return true;
  }
  return true;
}

function declaredLength(headers: readonly string[]): number | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() === "content-length") return Number(headers[i + 1]);
  }
  return undefined;
}

/**
 * `pipe` with explicit teardown rather than `stream.pipeline`, which halves throughput on small
 * answers here (measured). An upstream that fails mid-body ends the agent's connection early and
 * nothing is appended (SEC-66); an agent that leaves stops the upstream transfer.
 */
function relay(body: Readable, res: ServerResponse, headers: readonly string[], done: (bytesOut: number) => void): void {
  const declared = declaredLength(headers);
  let counted = 0;
  if (declared === undefined) body.on("data", (chunk: Buffer) => (counted += chunk.length));
  body.once("error", () => res.destroy());
  res.once("close", () => {
    if (!res.writableFinished) body.destroy();
    done(res.writableFinished ? (declared ?? counted) : counted);
  });
  body.pipe(res);
}

/** Moves the bytes of one allowed request: agent → upstream → agent, streamed both ways. */
export function forward(plan: ForwardPlan, req: IncomingMessage, res: ServerResponse, client: UpstreamClient): void {
  const abort = new EventEmitter();
  const started = performance.now();
  let finished = false;
  const finish = (status: number, bytesOut: number, errorCode?: ErrorCode, upstreamMs?: number) => {
    if (finished) return;
    finished = true;
    plan.finish({ status, errorCode, bytesIn: limit?.bytes ?? plan.contentLength ?? 0, bytesOut, upstreamMs });
  };
  res.once("close", () => {
    if (!res.writableFinished) abort.emit("abort");
  });

  let body: Readable | undefined;
  let limit: BodyLimit | undefined;
  const headers = [...plan.headers];
  if (hasBody(req)) {
    if (plan.contentLength !== undefined) {
      body = req;
      headers.push("content-length", String(plan.contentLength));
    } else {
      limit = new BodyLimit(plan.maxBodyBytes);
      body = req.pipe(limit);
      req.once("error", (error) => limit?.destroy(error));
    }
  }

  client
    .request({
      origin: plan.origin,
      path: plan.pathAndQuery,
      method: plan.method,
      headers,
      body,
      headersTimeoutMs: plan.timeoutMs,
      signal: abort,
    })
    .then(
      (upstream) => {
        const upstreamMs = Math.round(performance.now() - started);
        const relayed = plan.responseHeaders(upstream.headers);
        try {
          res.writeHead(upstream.status, relayed);
        } catch {
          upstream.body.destroy();
          const answer = plan.failure("PROXY_UPSTREAM_ERROR");
          sendAnswer(req, res, answer);
          finish(answer.status, 0, "PROXY_UPSTREAM_ERROR", upstreamMs);
          return;
        }
        if (isBodyless(plan.method, upstream.status)) {
          upstream.body.resume();
          res.end();
          finish(upstream.status, 0, undefined, upstreamMs);
          return;
        }
        if (isStreamed(relayed)) res.flushHeaders();
        relay(upstream.body, res, upstream.headers, (bytesOut) => finish(upstream.status, bytesOut, undefined, upstreamMs));
      },
      (error: unknown) => {
        const code: ErrorCode = limit?.exceeded ? "PROXY_PAYLOAD_TOO_LARGE" : isTimeout(error) ? "PROXY_UPSTREAM_TIMEOUT" : "PROXY_UPSTREAM_ERROR";
        const answer = plan.failure(code);
        if (!res.destroyed) sendAnswer(req, res, answer);
        finish(answer.status, answer.body.length, code);
      },
    );
}
