import type { ErrorCode } from "../errors/codes.js";
import { concatBytes } from "../internal/bytes.js";
import type { ForwardPlan, Outcome } from "../pipeline/forward-plan.js";
import type { RequestInfo } from "../pipeline/request-info.js";
import { SCRUB_BUFFER_BYTES } from "../pipeline/response-scrub.js";
import type { Scrubber } from "../scrub/scrubber.js";
import type { Answer } from "./answer.js";

export type FetchLike = (request: Request) => Promise<Response>;

/** `BodyInit`, named without the DOM lib so the Node adapter's typecheck sees it too. */
type ResponseBody = ConstructorParameters<typeof Response>[0];

export interface FetchContext {
  /** The client address: the socket peer, or `CF-Connecting-IP` on Workers. */
  readonly clientAddress: string;
  /**
   * The request-target as received, when the runtime keeps it. `Request.url` is already
   * normalised by the URL parser (dot segments resolved), which would hide traversal attempts.
   */
  readonly rawTarget?: string;
  /** Keeps background work (storage writes after the answer) alive on Workers. */
  readonly waitUntil?: (promise: Promise<unknown>) => void;
}

function flatten(headers: Headers): string[] {
  const out: string[] = [];
  headers.forEach((value, name) => out.push(name, value));
  return out;
}

const DECODED_STALE = new Set(["content-encoding", "content-length"]);

function withoutHeaders(flat: readonly string[], names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) if (!names.has((flat[i] as string).toLowerCase())) out.push(flat[i] as string, flat[i + 1] as string);
  return out;
}

function toHeaders(flat: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < flat.length; i += 2) headers.append(flat[i] as string, flat[i + 1] as string);
  return headers;
}

function answerResponse(answer: Answer): Response {
  return new Response(answer.body as ResponseBody, { status: answer.status, headers: toHeaders(answer.headers) });
}

/** Reads at most `limit + 1` bytes: enough to know the body is too large without reading it all. */
async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  while (size <= limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size > limit) await reader.cancel().catch(() => {});
  return concatBytes(chunks, size);
}

function scrubbing(scrubber: Scrubber): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform: (chunk, controller) => {
      const out = scrubber.push(chunk);
      if (out.byteLength > 0) controller.enqueue(out);
    },
    flush: (controller) => {
      const tail = scrubber.flush();
      if (tail.byteLength > 0) controller.enqueue(tail);
    },
  });
}

/** Counts bytes through a Web stream and fails it past `limit` (chunked bodies have no length to check up front). */
function counting(limit: number, onEnd: (bytes: number, overflow: boolean) => void, onChunk?: (chunk: Uint8Array) => void): TransformStream<Uint8Array, Uint8Array> {
  let bytes = 0;
  return new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      if (bytes > limit) {
        onEnd(bytes, true);
        controller.error(new Error("body too large"));
        return;
      }
      onChunk?.(chunk);
      controller.enqueue(chunk);
    },
    flush: () => onEnd(bytes, false),
  });
}

/**
 * The gateway as a Web `fetch` handler. Used on Workers and in tests; Node uses its own data path
 * (undici) over the same decisions.
 */
export async function fetchThroughGateway(
  handle: (info: RequestInfo) => Promise<Outcome>,
  upstreamFetch: FetchLike,
  now: () => number,
  request: Request,
  context: FetchContext,
): Promise<Response> {
  const url = new URL(request.url);
  const length = request.headers.get("content-length");
  let outcome = await handle({
    method: request.method,
    target: context.rawTarget ?? url.pathname + url.search,
    headers: flatten(request.headers),
    peer: context.clientAddress,
    contentLength: length === null ? undefined : Number(length),
    hasBody: request.body !== null,
  });
  if (outcome.kind === "read-body") outcome = await outcome.resume(await readBounded(request.body, outcome.maxBytes));
  if (outcome.kind === "answer") return answerResponse(outcome.answer);
  if (outcome.kind === "read-body") throw new Error("read-body outcome cannot repeat");
  return forward(outcome.plan, upstreamFetch, request, now, context);
}

async function forward(plan: ForwardPlan, upstreamFetch: FetchLike, request: Request, now: () => number, context: FetchContext): Promise<Response> {
  const started = now();
  let bytesIn = plan.body?.byteLength ?? 0;
  let overflow = false;
  const background = (promise: Promise<unknown>) => (context.waitUntil ? context.waitUntil(promise) : void promise.catch(() => {}));
  const headers = toHeaders(plan.headers);
  // fetch decompresses transparently; asking for identity keeps Content-Encoding truthful.
  headers.delete("accept-encoding");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), plan.timeoutMs);
  const body =
    plan.body !== undefined
      ? plan.body
      : request.body === null
        ? null
        : request.body.pipeThrough(
            counting(plan.maxBodyBytes, (n, over) => {
              bytesIn = n;
              overflow = over;
              // workerd ends the upstream request normally when its body stream errors, so the
              // upstream would act on a truncated body: aborting drops the request on every runtime.
              if (over) controller.abort();
            }),
          );
  let upstream: Response;
  try {
    upstream = await upstreamFetch(
      new Request(plan.origin + plan.pathAndQuery, {
        method: plan.method,
        headers,
        body: body as ResponseBody,
        redirect: "manual",
        signal: controller.signal,
        ...(body && !(body instanceof Uint8Array) ? { duplex: "half" } : {}),
      } as RequestInit),
    );
  } catch {
    const code: ErrorCode = overflow ? "PROXY_PAYLOAD_TOO_LARGE" : controller.signal.aborted ? "PROXY_UPSTREAM_TIMEOUT" : "PROXY_UPSTREAM_ERROR";
    const answer = plan.failure(code);
    background(plan.finish({ status: answer.status, errorCode: code, bytesIn, bytesOut: 0 }));
    return answerResponse(answer);
  } finally {
    clearTimeout(timer);
  }
  const upstreamMs = now() - started;
  let upstreamHeaders = flatten(upstream.headers);
  if (upstream.headers.has("content-encoding")) {
    // The body below is already decoded: its encoding and length headers no longer describe it.
    upstreamHeaders = withoutHeaders(upstreamHeaders, DECODED_STALE);
  }
  const decision = plan.respond(upstream.status, upstreamHeaders);
  if (decision.kind === "answer") {
    await upstream.body?.cancel().catch(() => {});
    background(plan.finish({ status: decision.answer.status, errorCode: decision.errorCode, bytesIn, bytesOut: 0, upstreamMs }));
    return answerResponse(decision.answer);
  }
  const finish = (bytesOut: number, complete: boolean) => background(plan.finish({ status: upstream.status, bytesIn, bytesOut, upstreamMs, complete }));
  if (decision.seal && upstream.body !== null) {
    // Small and sized (SCRUB_BUFFER_BYTES): held whole so the scrubbed length is exact.
    let body: Uint8Array | undefined;
    try {
      body = await readBounded(upstream.body, SCRUB_BUFFER_BYTES);
    } catch {
      body = undefined;
    }
    if (body === undefined || body.byteLength > SCRUB_BUFFER_BYTES) {
      const answer = plan.failure("PROXY_UPSTREAM_ERROR");
      background(plan.finish({ status: answer.status, errorCode: "PROXY_UPSTREAM_ERROR", bytesIn, bytesOut: 0, upstreamMs }));
      return answerResponse(answer);
    }
    const sealed = decision.seal(body);
    if (decision.capture) plan.capture(sealed.body);
    finish(sealed.body.byteLength, true);
    return new Response(sealed.body as ResponseBody, { status: upstream.status, headers: toHeaders(sealed.headers) });
  }
  const responseHeaders = toHeaders(decision.headers);
  if (upstream.body === null) {
    finish(0, true);
    return new Response(null, { status: upstream.status, headers: responseHeaders });
  }
  const scrubbed = decision.scrubber ? upstream.body.pipeThrough(scrubbing(decision.scrubber)) : upstream.body;
  const relayed = scrubbed.pipeThrough(
    counting(Number.MAX_SAFE_INTEGER, (n) => finish(n, true), decision.capture ? (chunk) => plan.capture(chunk) : undefined),
  );
  return new Response(relayed, { status: upstream.status, headers: responseHeaders });
}
