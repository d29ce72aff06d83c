import type { ForwardPlan, Outcome } from "../pipeline/forward-plan.js";
import type { RequestInfo } from "../pipeline/request-info.js";
import type { Answer } from "./answer.js";

export type FetchLike = (request: Request) => Promise<Response>;

export interface FetchContext {
  /** The client address: the socket peer, or `CF-Connecting-IP` on Workers. */
  readonly clientAddress: string;
  /**
   * The request-target as received, when the runtime keeps it. `Request.url` is already
   * normalised by the URL parser (dot segments resolved), which would hide traversal attempts.
   */
  readonly rawTarget?: string;
  readonly waitUntil?: (promise: Promise<unknown>) => void;
}

function flatten(headers: Headers): string[] {
  const out: string[] = [];
  headers.forEach((value, name) => out.push(name, value));
  return out;
}

function toHeaders(flat: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < flat.length; i += 2) headers.append(flat[i] as string, flat[i + 1] as string);
  return headers;
}

function answerResponse(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: toHeaders(answer.headers) });
}

/** Counts bytes through a Web stream and fails it past `limit` (chunked bodies have no length to check up front). */
function counting(limit: number, onEnd: (bytes: number, overflow: boolean) => void): TransformStream<Uint8Array, Uint8Array> {
  let bytes = 0;
  return new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      if (bytes > limit) {
        onEnd(bytes, true);
        controller.error(new Error("body too large"));
        return;
      }
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
  const outcome = await handle({
    method: request.method,
    target: context.rawTarget ?? url.pathname + url.search,
    headers: flatten(request.headers),
    peer: context.clientAddress,
    contentLength: length === null ? undefined : Number(length),
  });
  if (outcome.kind === "answer") return answerResponse(outcome.answer);
  return forward(outcome.plan, upstreamFetch, request, now);
}

async function forward(plan: ForwardPlan, upstreamFetch: FetchLike, request: Request, now: () => number): Promise<Response> {
  const started = now();
  let bytesIn = 0;
  let overflow = false;
  const headers = toHeaders(plan.headers);
  // fetch decompresses transparently; asking for identity keeps Content-Encoding truthful.
  headers.delete("accept-encoding");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), plan.timeoutMs);
  const body =
    request.body === null
      ? null
      : request.body.pipeThrough(counting(plan.maxBodyBytes, (n, over) => ((bytesIn = n), (overflow = over))));
  let upstream: Response;
  try {
    upstream = await upstreamFetch(
      new Request(plan.origin + plan.pathAndQuery, {
        method: plan.method,
        headers,
        body,
        redirect: "manual",
        signal: controller.signal,
        ...(body ? { duplex: "half" } : {}),
      } as RequestInit),
    );
  } catch {
    const code = overflow ? "PROXY_PAYLOAD_TOO_LARGE" : controller.signal.aborted ? "PROXY_UPSTREAM_TIMEOUT" : "PROXY_UPSTREAM_ERROR";
    const answer = plan.failure(code);
    plan.finish({ status: answer.status, errorCode: code, bytesIn, bytesOut: answer.body.length });
    return answerResponse(answer);
  } finally {
    clearTimeout(timer);
  }
  const upstreamMs = now() - started;
  const responseHeaders = toHeaders(plan.responseHeaders(flatten(upstream.headers)));
  if (upstream.headers.has("content-encoding")) {
    responseHeaders.delete("content-encoding");
    responseHeaders.delete("content-length");
  }
  const finish = (bytesOut: number) => plan.finish({ status: upstream.status, bytesIn, bytesOut, upstreamMs });
  if (upstream.body === null) {
    finish(0);
    return new Response(null, { status: upstream.status, headers: responseHeaders });
  }
  const relayed = upstream.body.pipeThrough(counting(Number.MAX_SAFE_INTEGER, (n) => finish(n)));
  return new Response(relayed, { status: upstream.status, headers: responseHeaders });
}
