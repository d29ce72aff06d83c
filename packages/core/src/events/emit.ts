import type { FetchLike } from "../http/fetch-entry.js";
import type { RequestLogEnd, RequestLogState } from "../logging/request-log.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import { type CacheState, type GatewayEvent, type GatewayObserver, statusClass } from "./gateway-event.js";

export type Emit = (event: GatewayEvent) => void;

/** Without an observer, nothing is built; a throwing observer is reported once, never to the agent. */
export function createEmitter(observer: GatewayObserver | undefined, logger: Logger): Emit | undefined {
  if (!observer) return undefined;
  let warned = false;
  return (event) => {
    try {
      observer(event);
    } catch {
      if (!warned) logger.warn("the gateway event observer threw; events it failed on are lost");
      warned = true;
    }
  };
}

/** The request event and what its end says about rate limits, replays and the upstream. */
export function emitRequestEvents(emit: Emit, state: RequestLogState, end: RequestLogEnd, complete: boolean): void {
  const { requestId, provider, host, category } = state;
  const time = end.endedAt;
  const code = end.errorCode;
  const cache = state.cache as CacheState;
  if (cache === "HIT" || cache === "IDEMPOTENT-HIT") emit({ type: "cache_hit", time, requestId, provider, host, kind: cache === "HIT" ? "cache" : "idempotency" });
  if (code === "PROXY_RATE_LIMITED" || code === "PROXY_UPSTREAM_RATE_LIMITED") emit({ type: "rate_limited", time, requestId, provider, category, code });
  if (code === "PROXY_UPSTREAM_ERROR" || code === "PROXY_UPSTREAM_TIMEOUT") emit({ type: "upstream_error", time, requestId, provider, code });
  emit({
    type: "request",
    time,
    requestId,
    host,
    provider,
    method: state.method,
    category,
    status: end.status,
    statusClass: statusClass(end.status),
    errorCode: code,
    cache,
    sensitive: state.sensitive,
    durationMs: end.endedAt - state.startedAt,
    upstreamMs: end.upstreamMs,
    bytesIn: end.bytesIn,
    bytesOut: end.bytesOut,
    complete,
  });
}

/**
 * An auth module's `fetch` reaches only its token endpoint (AuthModuleContext), so each call is a
 * mint. Wrapping the port reports mints of every module, plugins included, without their help.
 */
export function tokenMintFetch(fetch: FetchLike, clock: Clock, emit: Emit, provider: string, authType: string): FetchLike {
  return async (request) => {
    const started = clock.now();
    let ok = false;
    try {
      const response = await fetch(request);
      ok = response.ok;
      return response;
    } finally {
      const time = clock.now();
      emit({ type: "token_mint", time, provider, authType, ok, durationMs: time - started });
    }
  };
}
