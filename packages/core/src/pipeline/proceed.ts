import { GatewayError } from "../errors/gateway-error.js";
import { SAFE_METHODS } from "../policy/route-policy.js";
import type { Outcome } from "./forward-plan.js";
import { claimIdempotencyKey, fingerprint, type IdempotencyClaim, releaseIdempotency } from "./idempotency.js";
import { buildPlan } from "./plan-builder.js";
import { admit } from "./rate-limit.js";
import type { AuthorisedRequest, GatewayRuntime } from "./request-context.js";
import { headerValues } from "./request-info.js";
import { lookupResponse, responseCacheKey, storedAnswer } from "./response-cache.js";
import { upstreamHeaders, upstreamTarget } from "./upstream-request.js";

const EMPTY = new Uint8Array(0);

/** `Idempotency-Key` on a non-safe method (DESIGN §5.3); exactly one line. */
export function idempotencyKeyOf(request: Pick<AuthorisedRequest, "method" | "headers">): string | undefined {
  if (SAFE_METHODS.has(request.method)) return undefined;
  const values = headerValues(request.headers, "idempotency-key");
  if (values.length > 1) throw new GatewayError("PROXY_BAD_REQUEST", "exactly one Idempotency-Key header is allowed");
  return values[0];
}

/** Steps 10–14: idempotency, cache, cooldown and rate limits, credential, upstream target. */
export async function proceed(rt: GatewayRuntime, req: AuthorisedRequest, body: Uint8Array | undefined): Promise<Outcome> {
  const { state, host, runtime, target, route } = req;
  const { provider, auth } = runtime;
  const keyValue = idempotencyKeyOf(req);
  let claim: IdempotencyClaim | undefined;
  if (keyValue !== undefined) {
    const fp = await fingerprint(req.method, target.path, target.query, body ?? EMPTY);
    const pendingTtlMs = provider.config.forwarding.timeout_ms + provider.config.forwarding.queue_timeout_ms + 60_000;
    const decision = await claimIdempotencyKey(rt.storage, provider.name, host.id, keyValue, fp, pendingTtlMs);
    if (decision.kind === "replay") {
      state.cache = "IDEMPOTENT-HIT";
      return rt.answer(state, storedAnswer(decision.response, cacheHeaders(state)));
    }
    claim = decision.claim;
  }
  try {
    let cacheKey: string | undefined;
    if (route.cacheTtlSeconds > 0 && SAFE_METHODS.has(req.method)) {
      cacheKey = await responseCacheKey(provider.name, host.id, req.method, target.path, target.query, req.headers, provider.config.cache_vary);
      const hit = await lookupResponse(rt.storage, cacheKey);
      if (hit) {
        state.cache = "HIT";
        return rt.answer(state, storedAnswer(hit, cacheHeaders(state)));
      }
      state.cache = "MISS";
    }
    await admitObserved(rt, req);

    let injection;
    try {
      const path = provider.basePath + target.path;
      injection = await auth.apply(body ? { method: req.method, path, query: target.query, body } : { method: req.method, path, query: target.query });
    } catch (error) {
      throw error instanceof GatewayError ? error : new GatewayError("PROXY_AUTH_ERROR", "could not obtain upstream credentials", { cause: error });
    }
    const upstream = upstreamTarget(provider, target.path, target.query, injection);
    return {
      kind: "forward",
      plan: buildPlan(rt, req, {
        origin: upstream.origin,
        pathAndQuery: upstream.pathAndQuery,
        headers: upstreamHeaders(runtime, req.headers, injection),
        body,
        claim,
        cacheKey,
        injection,
      }),
    };
  } catch (error) {
    if (claim) await releaseIdempotency(rt.storage, claim).catch(() => {});
    throw error;
  }
}

/** Step 12, reporting a wait for tokens (admitted or refused) when events are observed. */
function admitObserved(rt: GatewayRuntime, req: AuthorisedRequest): Promise<void> {
  const { provider } = req.runtime;
  const { category } = req.route;
  const emit = rt.emit;
  if (!emit) return admit(rt.storage, rt.clock, provider, category);
  return admit(rt.storage, rt.clock, provider, category, (since, admitted) => {
    const time = rt.clock.now();
    emit({ type: "rate_limit_wait", time, requestId: req.state.requestId, provider: provider.name, category, waitedMs: time - since, admitted });
  });
}

/** `rt.answer` adds the rest of the proxy's headers. */
function cacheHeaders(state: AuthorisedRequest["state"]): string[] {
  return ["X-Proxy-Cache", state.cache];
}
