import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { type Answer, type ErrorCode, type ForwardPlan, headerValue, SCRUB_BUFFER_BYTES, type Scrubber, type SealedAnswer } from "@outpost/core";
import { BodyLimit } from "./body-limit.js";
import { hasBody } from "./request-info.js";
import { sendAnswer } from "./send-answer.js";
import { errors, isTimeout, type UpstreamClient, type UpstreamHandler } from "./upstream-client.js";

/** RFC 9110 §6.4.1: these final answers never carry content, whatever the upstream claims. */
function isBodyless(method: string, status: number): boolean {
  return method === "HEAD" || status === 204 || status === 304;
}

/**
 * Logged for an agent that left before any answer was sent (nginx's "client closed request"):
 * no HTTP status went out, and it is neither the upstream's failure nor the proxy's.
 */
const AGENT_GONE = 499;

function declaredLength(headers: readonly string[]): number | undefined {
  const length = headerValue(headers, "content-length");
  return length === undefined ? undefined : Number(length);
}

function isEventStream(headers: readonly string[]): boolean {
  return headerValue(headers, "content-type")?.startsWith("text/event-stream") ?? false;
}

function latin1(raw: Buffer[]): string[] {
  const out = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i] as Buffer).toString("latin1");
  return out;
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

/**
 * Bytes an answer may queue towards a slow agent before the upstream is paused: what undici's own
 * body stream buffers (64 KiB). Pausing at the agent socket's 16 KiB mark instead costs a pause,
 * a drain and a resume per 16 KiB on large answers (measured on the 1 MiB case, bench/).
 */
const RELAY_BUFFER_BYTES = 64 * 1024;

// Where an exchange stands. Waiting: no upstream headers yet. Collecting: reading a small
// scrubbed body whole before answering (seal). Streaming: relaying chunk by chunk. Relayed: the
// upstream is done, the answer may still be flushing. Answered: the proxy answered itself (or
// sent a bodyless answer); whatever the upstream still sends is ignored.
const WAITING = 0;
const COLLECTING = 1;
const STREAMING = 2;
const RELAYED = 3;
const ANSWERED = 4;

/**
 * One allowed request: agent → upstream → agent, streamed both ways. An object with methods
 * rather than closures and streams per request: on small answers the plumbing, not the policy,
 * is most of the proxy's cost (bench/results). An upstream that fails mid-body ends the agent's
 * connection early and nothing is appended (SEC-66); an agent that leaves stops the upstream.
 */
class Exchange implements UpstreamHandler {
  private phase = WAITING;
  private upstreamSettled = false;
  private cancelled = false;
  private finished = false;
  private abortUpstream: ((reason?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private readonly started = performance.now();
  private status = 0;
  private upstreamMs: number | undefined;
  private declared: number | undefined;
  private counted = 0;
  private scrubber: Scrubber | undefined;
  private capturing = false;
  private seal: ((body: Uint8Array) => SealedAnswer) | undefined;
  private chunks: Buffer[] = [];

  constructor(
    private readonly plan: ForwardPlan,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly limit: BodyLimit | undefined,
  ) {
    res.once("close", () => this.onAgentGone());
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.cancelled) abort(new errors.RequestAbortedError());
    else this.abortUpstream = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // RFC 9110 §15.2: undici reports interim answers (102, 103) too; the final one follows.
    if (status < 200) return true;
    const { plan, res } = this;
    this.status = status;
    this.upstreamMs = Math.round(performance.now() - this.started);
    const decision = plan.respond(status, latin1(rawHeaders));
    if (decision.kind === "answer") {
      this.answerWith(decision.answer, decision.errorCode);
      this.stopUpstream();
      return false;
    }
    const bodyless = isBodyless(plan.method, status);
    this.capturing = decision.capture;
    if (decision.seal && !bodyless) {
      this.seal = decision.seal;
      this.phase = COLLECTING;
      return true;
    }
    try {
      res.writeHead(status, decision.headers);
    } catch {
      this.answerWith(plan.failure("PROXY_UPSTREAM_ERROR"), "PROXY_UPSTREAM_ERROR");
      this.stopUpstream();
      return false;
    }
    if (bodyless) {
      this.phase = ANSWERED;
      res.end();
      // The upstream's answer is whole at its headers: it is recorded (an idempotent replay kept)
      // even if the agent leaves while it is flushed.
      this.finish({ status, bytesOut: 0 });
      return true;
    }
    this.declared = declaredLength(decision.headers);
    // Node holds streamed headers until the first body chunk; SSE and unsized bodies must not wait
    // for it. The flush waits for the end of this I/O callback: undici reports a first chunk that
    // came in the same read right after the headers, and Node then sends both in one write, so
    // the agent gets the first event with the headers, not one wake-up later (bench/, SSE).
    if (this.declared === undefined || isEventStream(decision.headers)) queueMicrotask(() => this.flushHeaders());
    this.scrubber = decision.scrubber;
    this.resumeUpstream = resume;
    this.phase = STREAMING;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.phase === STREAMING) {
      if (this.emit(this.scrubber ? this.scrubber.push(chunk) : chunk) || this.res.writableLength < RELAY_BUFFER_BYTES) return true;
      // Backpressure: the agent reads slower than the upstream sends; undici stops reading the
      // upstream socket until the agent's buffer drains.
      this.res.once("drain", () => this.resumeUpstream?.());
      return false;
    }
    if (this.phase === COLLECTING) {
      this.counted += chunk.length;
      // More than the seal buffer holds (the upstream sent more than it declared): refuse.
      if (this.counted > SCRUB_BUFFER_BYTES) this.stopUpstream();
      else this.chunks.push(chunk);
    }
    return true;
  }

  onComplete(): void {
    this.upstreamSettled = true;
    if (this.phase === STREAMING) {
      if (this.scrubber) this.emit(this.scrubber.flush());
      this.phase = RELAYED;
      this.res.end();
    } else if (this.phase === COLLECTING) {
      this.sendSealed();
    }
  }

  onError(error: Error): void {
    this.upstreamSettled = true;
    const { phase, res } = this;
    if (phase === WAITING || phase === COLLECTING) {
      // Nothing has reached the agent yet: it gets the proxy's error (or, gone, is logged as such).
      const code: ErrorCode =
        phase === COLLECTING ? "PROXY_UPSTREAM_ERROR" : this.limit?.exceeded ? "PROXY_PAYLOAD_TOO_LARGE" : isTimeout(error) ? "PROXY_UPSTREAM_TIMEOUT" : "PROXY_UPSTREAM_ERROR";
      this.answerWith(this.plan.failure(code), code);
    } else if (phase === STREAMING) {
      // Headers are out: the only honest signal left is a connection that ends early (SEC-66).
      res.destroy();
    }
  }

  private sendSealed(): void {
    const { plan, res } = this;
    this.phase = ANSWERED;
    if (res.destroyed) return this.finish({ status: this.status, bytesOut: 0, complete: false });
    const chunks = this.chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.counted);
    const sealed = (this.seal as (body: Uint8Array) => SealedAnswer)(body);
    try {
      res.writeHead(this.status, sealed.headers);
    } catch {
      return this.answerWith(plan.failure("PROXY_UPSTREAM_ERROR"), "PROXY_UPSTREAM_ERROR");
    }
    if (this.capturing) plan.capture(sealed.body);
    res.end(sealed.body);
    this.finish({ status: this.status, bytesOut: sealed.body.byteLength });
  }

  /** Sends the headers on their own unless a body chunk already took them along. */
  private flushHeaders(): void {
    // `headersSent` turns true at writeHead, before anything is written: count our own bytes.
    if (this.counted === 0 && this.phase === STREAMING && !this.res.destroyed) this.res.flushHeaders();
  }

  private emit(chunk: Uint8Array): boolean {
    if (chunk.byteLength === 0) return true;
    this.counted += chunk.byteLength;
    if (this.capturing) this.plan.capture(chunk);
    return this.res.write(chunk);
  }

  private onAgentGone(): void {
    if (!this.upstreamSettled) this.stopUpstream();
    if (this.finished || this.phase === WAITING || this.phase === COLLECTING) return; // onError finishes those
    const complete = this.res.writableFinished;
    this.finish({ status: this.status, bytesOut: complete ? (this.declared ?? this.counted) : this.counted, complete });
  }

  private stopUpstream(): void {
    if (this.upstreamSettled) return;
    if (this.abortUpstream) this.abortUpstream(new errors.RequestAbortedError());
    else this.cancelled = true;
  }

  private answerWith(answer: Answer, errorCode: ErrorCode): void {
    this.phase = ANSWERED;
    if (this.res.destroyed) return this.finish({ status: AGENT_GONE, bytesOut: 0, complete: false });
    sendAnswer(this.req, this.res, answer);
    this.finish({ status: answer.status, errorCode, bytesOut: 0 });
  }

  private finish(outcome: { status: number; bytesOut: number; errorCode?: ErrorCode; complete?: boolean }): void {
    if (this.finished) return;
    this.finished = true;
    const bytesIn = this.limit?.bytes ?? this.plan.contentLength ?? 0;
    const { status, bytesOut, errorCode, complete } = outcome;
    this.plan.finish({ status, errorCode, bytesIn, bytesOut, upstreamMs: this.upstreamMs, complete }).catch(() => {});
  }
}

/** Moves the bytes of one allowed request: agent → upstream → agent, streamed both ways. */
export function forward(plan: ForwardPlan, req: IncomingMessage, res: ServerResponse, client: UpstreamClient): void {
  if (res.destroyed) {
    // The agent left while the request was being decided (a rate-limit wait, a token mint): its
    // answer has nowhere to go, so nothing is sent upstream with the credential.
    plan.finish({ status: AGENT_GONE, bytesIn: 0, bytesOut: 0, complete: false }).catch(() => {});
    return;
  }
  const headers = plan.headers.slice();
  const { body, limit } = requestBody(plan, req, headers);
  const exchange = new Exchange(plan, req, res, limit);
  client.dispatch({ origin: plan.origin, path: plan.pathAndQuery, method: plan.method, headers, body, headersTimeoutMs: plan.timeoutMs }, exchange);
}
