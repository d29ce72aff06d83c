import type { CompiledConfig } from "./config/compiled-config.js";
import type { ErrorCode } from "./errors/codes.js";
import { GatewayError, toGatewayError } from "./errors/gateway-error.js";
import { type Answer, errorAnswer } from "./http/answer.js";
import { fetchThroughGateway, type FetchContext, type FetchLike } from "./http/fetch-entry.js";
import { queryKeys, requestLogRecord, type RequestLogState } from "./logging/request-log.js";
import { healthAnswer, isPublicRoute, managementRoute, providersAnswer } from "./management/endpoints.js";
import { authorizeRoute, canonicalTarget } from "./pipeline/authorize.js";
import type { ForwardOutcome, ForwardPlan, Outcome } from "./pipeline/forward-plan.js";
import { checkPsk, checkRequestShape, identifyHost, selectProvider } from "./pipeline/identify.js";
import { headerValues, type RequestInfo } from "./pipeline/request-info.js";
import { relayableResponseHeaders } from "./pipeline/headers.js";
import { upstreamHeaders, upstreamTarget } from "./pipeline/upstream-request.js";
import { type Clock, systemClock } from "./ports/clock.js";
import { type Logger, silentLogger } from "./ports/logger.js";

export interface GatewayDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Upstream client for `gateway.fetch` (Workers, tests). @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default crypto.randomUUID */
  readonly newRequestId?: () => string;
}

export interface Gateway {
  readonly config: CompiledConfig;
  /** Decides one request: an answer to send, or a plan for the adapter to forward. */
  handle(info: RequestInfo): Promise<Outcome>;
  /** The same pipeline as a Web `fetch` handler, forwarding with the injected `fetch`. */
  fetch(request: Request, context: FetchContext): Promise<Response>;
}

/** Creates the runtime-neutral gateway over a validated configuration and the host's ports. */
export function createGateway(config: CompiledConfig, deps: GatewayDeps = {}): Gateway {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const newRequestId = deps.newRequestId ?? (() => crypto.randomUUID());

  const log = (state: RequestLogState, status: number, errorCode: ErrorCode | undefined, outcome?: ForwardOutcome) =>
    logger.request(
      requestLogRecord(state, {
        status,
        errorCode,
        endedAt: clock.now(),
        upstreamMs: outcome?.upstreamMs,
        bytesIn: outcome?.bytesIn ?? 0,
        bytesOut: outcome?.bytesOut ?? 0,
      }),
    );

  const proxyHeaders = (state: RequestLogState) => {
    const headers = ["X-Request-Id", state.requestId];
    if (state.provider) headers.push("X-Proxy-Provider", state.provider);
    return headers;
  };

  const answerWith = (state: RequestLogState, answer: Answer, errorCode?: ErrorCode): Outcome => {
    const full = { ...answer, headers: [...answer.headers, ...proxyHeaders(state)] };
    log(state, full.status, errorCode, { status: full.status, bytesIn: 0, bytesOut: full.body.length });
    return { kind: "answer", answer: full };
  };

  async function decide(info: RequestInfo, state: RequestLogState): Promise<Outcome> {
    checkRequestShape(info);
    const route = headerValues(info.headers, "x-provider").length === 0 ? managementRoute(info.method, info.target) : undefined;
    if (route && isPublicRoute(route)) return answerWith(state, healthAnswer());
    const { host, client } = identifyHost(info, config);
    state.client = client;
    state.host = host.id;
    checkPsk(info, host);
    if (route === "providers") return answerWith(state, providersAnswer(config, host));
    const provider = selectProvider(info, config, host);
    state.provider = provider.name;
    const target = canonicalTarget(info.target);
    state.path = target.path;
    state.queryKeys = queryKeys(target.query);
    const allowed = authorizeRoute(info, provider, host, target.path);
    state.category = allowed.category;
    state.sensitive = allowed.sensitive;

    let auth;
    try {
      auth = await provider.auth.apply({ method: info.method, path: provider.basePath + target.path, query: target.query });
    } catch (error) {
      throw error instanceof GatewayError ? error : new GatewayError("PROXY_AUTH_ERROR", "could not obtain upstream credentials", { cause: error });
    }
    const upstream = upstreamTarget(provider, target.path, target.query, auth);
    const plan: ForwardPlan = {
      requestId: state.requestId,
      provider,
      host,
      method: info.method,
      origin: upstream.origin,
      pathAndQuery: upstream.pathAndQuery,
      headers: upstreamHeaders(provider, info.headers, auth),
      contentLength: info.contentLength,
      timeoutMs: provider.config.forwarding.timeout_ms,
      maxBodyBytes: provider.config.forwarding.max_body_bytes,
      responseHeaders: (upstreamHeaders) => {
        const headers = relayableResponseHeaders(upstreamHeaders, provider.stripResponseHeaders);
        headers.push("X-Proxy-Provider", provider.name, "X-Proxy-Cache", state.cache, "X-Request-Id", state.requestId);
        return headers;
      },
      failure: (code) => {
        const error = new GatewayError(code, FAILURE_MESSAGES[code] ?? "upstream request failed");
        return errorAnswer(error, proxyHeaders(state));
      },
      finish: (outcome) => log(state, outcome.status, outcome.errorCode, outcome),
    };
    return { kind: "forward", plan };
  }

  async function handle(info: RequestInfo): Promise<Outcome> {
    const state: RequestLogState = {
      requestId: newRequestId(),
      startedAt: clock.now(),
      method: info.method,
      client: undefined,
      host: undefined,
      provider: undefined,
      path: undefined,
      queryKeys: undefined,
      category: undefined,
      sensitive: undefined,
      cache: "BYPASS",
    };
    try {
      return await decide(info, state);
    } catch (thrown) {
      const error = toGatewayError(thrown);
      if (error.code === "PROXY_INTERNAL_ERROR") logger.warn(`internal error on request ${state.requestId}`);
      return answerWith(state, errorAnswer(error), error.code);
    }
  }

  const upstreamFetch = deps.fetch ?? ((request: Request) => fetch(request));
  return {
    config,
    handle,
    fetch: (request, context) => fetchThroughGateway(handle, upstreamFetch, () => clock.now(), request, context),
  };
}

/** Fixed texts: transport errors carry URLs and query strings, so their own text is never shown (SEC-66). */
const FAILURE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  PROXY_UPSTREAM_ERROR: "could not reach the upstream service",
  PROXY_UPSTREAM_TIMEOUT: "the upstream service did not answer in time",
  PROXY_PAYLOAD_TOO_LARGE: "request body is too large",
  PROXY_BAD_REQUEST: "malformed request",
};
