import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { type Answer, type ErrorCode, type ForwardOutcome, type ForwardPlan, SCRUB_BUFFER_BYTES, type Scrubber } from "@outpost/core";
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

/** undici's body emits RequestAbortedError when destroyed before its end: swallow it, we chose it. */
function discard(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}

function declaredLength(headers: readonly string[]): number | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() === "content-length") return Number(headers[i + 1]);
  }
  return undefined;
}

/** What happens to each relayed chunk: scrubbing (credentials masked), then capture (cache, replay). */
interface BodyHooks {
  readonly scrubber: Scrubber | undefined;
  readonly capture: ((chunk: Uint8Array) => void) | undefined;
}

/**
 * `pipe` with explicit teardown rather than `stream.pipeline`, which halves throughput on small
 * answers here (measured). An upstream that fails mid-body ends the agent's connection early and
 * nothing is appended (SEC-66); an agent that leaves stops the upstream transfer.
 */
function relay(body: Readable, res: ServerResponse, headers: readonly string[], hooks: BodyHooks, done: (bytesOut: number, complete: boolean) => void): void {
  const declared = declaredLength(headers);
  let counted = 0;
  body.on("error", () => res.destroy());
  res.once("close", () => {
    const complete = res.writableFinished;
    if (!complete) discard(body);
    done(complete ? (declared ?? counted) : counted, complete);
  });
  if (!hooks.scrubber && !hooks.capture) {
    if (declared === undefined) body.on("data", (chunk: Buffer) => (counted += chunk.length));
    body.pipe(res);
    return;
  }
  const emit = (chunk: Uint8Array) => {
    if (chunk.byteLength === 0) return true;
    counted += chunk.byteLength;
    hooks.capture?.(chunk);
    return res.write(chunk);
  };
  body.on("data", (chunk: Buffer) => {
    if (!emit(hooks.scrubber ? hooks.scrubber.push(chunk) : chunk)) body.pause();
  });
  res.on("drain", () => body.resume());
  body.once("end", () => {
    if (hooks.scrubber) emit(hooks.scrubber.flush());
    res.end();
  });
}

/**
 * Reads a small sized body whole (a scrubbed answer whose length must be re-measured); undefined
 * when the upstream fails mid-body or sends more than `limit`.
 */
function collect(body: Readable, limit: number, done: (bytes: Uint8Array | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (bytes: Uint8Array | undefined) => {
    if (settled) return;
    settled = true;
    done(bytes);
  };
  body.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      discard(body);
      settle(undefined);
    } else chunks.push(chunk);
  });
  body.once("error", () => settle(undefined));
  body.once("end", () => settle(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
}

/** The request body to send: bytes core already read, the raw stream, or the stream under a limit. */
function requestBody(plan: ForwardPlan, req: IncomingMessage, headers: string[]): { body: Readable | Uint8Array | undefined; limit?: BodyLimit } {
  if (plan.body !== undefined) {
    headers.push("content-length", String(plan.body.byteLength));
    return { body: plan.body.byteLength > 0 ? plan.body : undefined };
  }
  if (!hasBody(req)) return { body: undefined };
  if (plan.contentLength !== undefined) {
    headers.push("content-length", String(plan.contentLength));
    return { body: req };
  }
  const limit = new BodyLimit(plan.maxBodyBytes);
  req.once("error", (error) => limit.destroy(error));
  return { body: req.pipe(limit), limit };
}

/** Moves the bytes of one allowed request: agent → upstream → agent, streamed both ways. */
export function forward(plan: ForwardPlan, req: IncomingMessage, res: ServerResponse, client: UpstreamClient): void {
  const abort = new EventEmitter();
  const started = performance.now();
  let finished = false;
  const headers = [...plan.headers];
  const { body, limit } = requestBody(plan, req, headers);
  const finish = (outcome: Omit<ForwardOutcome, "bytesIn">) => {
    if (finished) return;
    finished = true;
    plan.finish({ ...outcome, bytesIn: limit?.bytes ?? plan.contentLength ?? 0 }).catch(() => {});
  };
  const answerWith = (answer: Answer, errorCode: ErrorCode, upstreamMs?: number) => {
    if (!res.destroyed) sendAnswer(req, res, answer);
    finish({ status: answer.status, errorCode, bytesOut: 0, upstreamMs });
  };
  res.once("close", () => {
    if (!res.writableFinished) abort.emit("abort");
  });

  client
    .request({ origin: plan.origin, path: plan.pathAndQuery, method: plan.method, headers, body, headersTimeoutMs: plan.timeoutMs, signal: abort })
    .then(
      (upstream) => {
        const upstreamMs = Math.round(performance.now() - started);
        const decision = plan.respond(upstream.status, upstream.headers);
        if (decision.kind === "answer") {
          discard(upstream.body);
          return answerWith(decision.answer, decision.errorCode, upstreamMs);
        }
        const bodyless = isBodyless(plan.method, upstream.status);
        if (decision.seal && !bodyless) {
          const seal = decision.seal;
          return collect(upstream.body, SCRUB_BUFFER_BYTES, (body) => {
            if (body === undefined) return answerWith(plan.failure("PROXY_UPSTREAM_ERROR"), "PROXY_UPSTREAM_ERROR", upstreamMs);
            if (res.destroyed) return finish({ status: upstream.status, bytesOut: 0, upstreamMs, complete: false });
            const sealed = seal(body);
            try {
              res.writeHead(upstream.status, sealed.headers);
            } catch {
              return answerWith(plan.failure("PROXY_UPSTREAM_ERROR"), "PROXY_UPSTREAM_ERROR", upstreamMs);
            }
            if (decision.capture) plan.capture(sealed.body);
            res.end(sealed.body);
            finish({ status: upstream.status, bytesOut: sealed.body.byteLength, upstreamMs });
          });
        }
        try {
          res.writeHead(upstream.status, decision.headers);
        } catch {
          discard(upstream.body);
          return answerWith(plan.failure("PROXY_UPSTREAM_ERROR"), "PROXY_UPSTREAM_ERROR", upstreamMs);
        }
        if (bodyless) {
          upstream.body.resume();
          res.end();
          return finish({ status: upstream.status, bytesOut: 0, upstreamMs });
        }
        if (isStreamed(decision.headers)) res.flushHeaders();
        const hooks = { scrubber: decision.scrubber, capture: decision.capture ? (chunk: Uint8Array) => plan.capture(chunk) : undefined };
        relay(upstream.body, res, decision.headers, hooks, (bytesOut, complete) => finish({ status: upstream.status, bytesOut, upstreamMs, complete }));
      },
      (error: unknown) => {
        const code: ErrorCode = limit?.exceeded ? "PROXY_PAYLOAD_TOO_LARGE" : isTimeout(error) ? "PROXY_UPSTREAM_TIMEOUT" : "PROXY_UPSTREAM_ERROR";
        answerWith(plan.failure(code), code);
      },
    );
}
