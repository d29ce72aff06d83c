import type { CompiledConfig, CompiledHost } from "./config/compiled-config.js";
import type { ErrorCode } from "./errors/codes.js";
import { GatewayError, toGatewayError } from "./errors/gateway-error.js";
import { createEmitter, type Emit, emitRequestEvents, tokenMintFetch } from "./events/emit.js";
import type { GatewayObserver } from "./events/gateway-event.js";
import { answerLength, errorAnswer, jsonAnswer } from "./http/answer.js";
import { fetchThroughGateway, type FetchContext, type FetchLike } from "./http/fetch-entry.js";
import { queryKeys, requestLogRecord, type RequestLogEnd, type RequestLogState } from "./logging/request-log.js";
import { type DocsAssets, healthAnswer, type ManagementRoute, type MetricsSource, managementPath, managementRoute, providersAnswer, readinessAnswer } from "./management/endpoints.js";
import { openApiDocument } from "./management/openapi.js";
import { authorizeRoute, canonicalTarget } from "./pipeline/authorize.js";
import type { Outcome } from "./pipeline/forward-plan.js";
import { checkRequestShape, createHostIdentifier, selectProvider } from "./pipeline/identify.js";
import { createPskGuard } from "./pipeline/psk-guard.js";
import { idempotencyKeyOf, proceed } from "./pipeline/proceed.js";
import { scrubPatternSource } from "./pipeline/scrubbing.js";
import type { AuthorisedRequest, GatewayRuntime, ProviderRuntime } from "./pipeline/request-context.js";
import { headerValue, requestHasBody, type RequestInfo } from "./pipeline/request-info.js";
import { type Clock, systemClock } from "./ports/clock.js";
import { type Logger, silentLogger } from "./ports/logger.js";
import type { Storage } from "./ports/storage.js";
import { memoryStorage } from "./storage/memory-storage.js";

export interface GatewayDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default memoryStorage() over the same clock */
  readonly storage?: Storage;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Upstream client for `gateway.fetch` and token endpoints. @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default crypto.randomUUID */
  readonly newRequestId?: () => string;
  /** Serves `GET /docs` and its assets; without it `/docs` is a 404. */
  readonly docsAssets?: DocsAssets;
  /**
   * Receives one event per request, and per rate-limit wait and refusal, replay, token mint and
   * upstream failure (`GatewayEvent`). @default none
   */
  readonly onEvent?: GatewayObserver;
  /**
   * Answers `GET /metrics`, gated like `/providers` (a configured host, and its PSK). Without it
   * `/metrics` is not a management path: it goes to the default provider like any other path.
   */
  readonly metrics?: MetricsSource;
}

export interface Gateway {
  readonly config: CompiledConfig;
  readonly storage: Storage;
  /** Decides one request: an answer, a plan for the adapter to forward, or a request for the body. */
  handle(info: RequestInfo): Promise<Outcome>;
  /** The same pipeline as a Web `fetch` handler, forwarding with the injected `fetch`. */
  fetch(request: Request, context: FetchContext): Promise<Response>;
  /** Every credential value the providers may send right now (for scrubbing answers and logs). */
  secretValues(): string[];
}

function providerRuntimes(config: CompiledConfig, storage: Storage, clock: Clock, fetch: FetchLike, emit: Emit | undefined): Map<string, ProviderRuntime> {
  const map = new Map<string, ProviderRuntime>();
  for (const provider of config.providers.values()) {
    const tokenFetch = emit ? tokenMintFetch(fetch, clock, emit, provider.name, provider.authType) : fetch;
    const auth = provider.createAuth({ storage, clock, fetch: tokenFetch });
    const owned = new Set([...provider.defaultHeaders.map(([name]) => name.toLowerCase()), ...auth.headerNames]);
    const patterns = scrubPatternSource(auth);
    map.set(provider.name, { provider, auth, owned, scrubPatterns: provider.config.scrub_responses ? patterns : () => undefined });
  }
  return map;
}

/** Creates the runtime-neutral gateway over a validated configuration and the host's ports. */
export function createGateway(config: CompiledConfig, deps: GatewayDeps = {}): Gateway {
  const clock = deps.clock ?? systemClock;
  const storage = deps.storage ?? memoryStorage({ clock });
  const logger = deps.logger ?? silentLogger;
  const upstreamFetch = deps.fetch ?? ((request: Request) => fetch(request));
  const newRequestId = deps.newRequestId ?? (() => crypto.randomUUID());
  const emit = createEmitter(deps.onEvent, logger);
  const providers = providerRuntimes(config, storage, clock, upstreamFetch, emit);
  const pskGuard = createPskGuard(storage, clock, config.pskFailures);
  const identify = createHostIdentifier(config);

  const rt: GatewayRuntime = {
    config,
    providers,
    storage,
    clock,
    logger,
    emit,
    log: (state, status, errorCode, outcome) => {
      const end: RequestLogEnd = {
        status,
        errorCode,
        endedAt: clock.now(),
        upstreamMs: outcome?.upstreamMs,
        bytesIn: outcome?.bytesIn ?? 0,
        bytesOut: outcome?.bytesOut ?? 0,
      };
      logger.request(requestLogRecord(state, end));
      if (emit) emitRequestEvents(emit, state, end, outcome?.complete !== false);
    },
    proxyHeaders: (state) => (state.provider ? ["X-Request-Id", state.requestId, "X-Proxy-Provider", state.provider] : ["X-Request-Id", state.requestId]),
    answer: (state, answer, errorCode) => {
      const full = { ...answer, headers: [...answer.headers, ...rt.proxyHeaders(state)] };
      rt.log(state, full.status, errorCode, { status: full.status, bytesIn: 0, bytesOut: answerLength(full) });
      return { kind: "answer", answer: full };
    },
  };

  const refuse = (state: RequestLogState, thrown: unknown): Outcome => {
    const error = toGatewayError(thrown);
    if (error.code === "PROXY_INTERNAL_ERROR") logger.warn(`internal error on request ${state.requestId}`);
    return rt.answer(state, errorAnswer(error), error.code);
  };
  // A step may throw before its first await or reject after it: both end in the error answer.
  const guarded = (state: RequestLogState, step: () => Promise<Outcome>): Promise<Outcome> => {
    try {
      return step().catch((thrown: unknown) => refuse(state, thrown));
    } catch (thrown) {
      // Still a promise if answering fails too (a logger that throws): never a synchronous throw.
      try {
        return Promise.resolve(refuse(state, thrown));
      } catch (failure) {
        return Promise.reject(failure);
      }
    }
  };

  /**
   * Steps 1–9 (DESIGN §3), then the body when core must see it, then steps 10–14. Not an async
   * function: a forwarded request takes no turn here, only in the steps that wait for storage.
   */
  function decide(info: RequestInfo, state: RequestLogState): Promise<Outcome> {
    checkRequestShape(info);
    let route = headerValue(info.headers, "x-provider") === undefined ? managementRoute(info.method, info.target) : undefined;
    if (route === "metrics" && !deps.metrics) route = undefined;
    // Liveness and readiness answer before identification: probes come from anywhere.
    if (route === "healthz") return Promise.resolve(rt.answer(state, healthAnswer()));
    if (route === "readyz") return readinessAnswer(storage).then((answer) => rt.answer(state, answer));
    const { host, client } = identify(info);
    state.client = client;
    state.host = host.id;
    const refused = pskGuard.check(info, host, client);
    if (refused) return refused;
    if (route !== undefined) return serveManagement(route, info, state, host);
    return decideForward(info, state, host);
  }

  /** The management routes an identified caller may reach (`/providers`, `/openapi.json`, `/metrics`, `/docs`). */
  async function serveManagement(route: Exclude<ManagementRoute, "healthz" | "readyz">, info: RequestInfo, state: RequestLogState, host: CompiledHost): Promise<Outcome> {
    if (route === "providers") return rt.answer(state, providersAnswer(config, host));
    if (route === "openapi") return rt.answer(state, jsonAnswer(200, openApiDocument(config, host)));
    if (route === "metrics") return rt.answer(state, await (deps.metrics as MetricsSource)());
    const asset = deps.docsAssets?.(managementPath(info.target));
    if (!asset) throw new GatewayError("PROXY_NOT_FOUND", "no documentation UI is served here");
    return rt.answer(state, asset);
  }

  function decideForward(info: RequestInfo, state: RequestLogState, host: CompiledHost): Promise<Outcome> {
    const provider = selectProvider(info, config, host);
    state.provider = provider.name;
    const target = canonicalTarget(info.target);
    state.path = target.path;
    state.queryKeys = queryKeys(target.query);
    const allowed = authorizeRoute(info, provider, host, target.path, state);
    const runtime = providers.get(provider.name) as ProviderRuntime;
    const req: AuthorisedRequest = { method: info.method, headers: info.headers, contentLength: info.contentLength, state, host, runtime, target, route: allowed };

    const needsBody = runtime.auth.needsBody === true || idempotencyKeyOf(req) !== undefined;
    if (!needsBody || !requestHasBody(info)) return proceed(rt, req, needsBody ? new Uint8Array(0) : undefined);
    const maxBytes = provider.config.forwarding.max_body_bytes;
    return Promise.resolve({
      kind: "read-body",
      maxBytes,
      resume: (body) =>
        guarded(state, async () => {
          if (body.byteLength > maxBytes) {
            throw new GatewayError("PROXY_PAYLOAD_TOO_LARGE", "request body is too large", { metadata: { max_body_bytes: maxBytes } });
          }
          return proceed(rt, req, body);
        }),
    });
  }

  function handle(info: RequestInfo): Promise<Outcome> {
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
    return guarded(state, () => decide(info, state));
  }

  return {
    config,
    storage,
    handle,
    fetch: (request, context) => fetchThroughGateway(handle, upstreamFetch, () => clock.now(), request, context),
    secretValues: () => [...new Set([...config.secretValues, ...[...providers.values()].flatMap((p) => p.auth.secretValues())])],
  };
}

