import type { GatewayEvent, GatewayObserver, MetricsSource } from "@outpost/core";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { HotCounter, HotHistogram } from "./metric-series.js";

export interface OutpostMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event-loop lag, GC). @default false */
  readonly processMetrics?: boolean;
}

export interface OutpostMetrics {
  /** This instance's own registry (never prom-client's global one); add collectors to it freely. */
  readonly registry: Registry;
  /** The gateway's `onEvent`: turns gateway events into counters and histograms. */
  readonly observe: GatewayObserver;
  /** The gateway's `metrics`: the Prometheus text exposition of `registry`. */
  readonly answer: MetricsSource;
  /** Counts a configuration reload, applied or refused. */
  reloaded(ok: boolean): void;
}

/** Seconds, from sub-millisecond cache replays to long streamed answers. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * Label values come only from event fields that name configuration (provider, host id, category,
 * auth type) or fixed codes, so the number of series grows with the configuration, never with
 * traffic, and no path, query, address or secret can reach a label. Unknown values are "".
 */
const label = (value: string | undefined) => value ?? "";

function instruments(registry: Registry) {
  const registers = [registry];
  return {
    // Observed on every request: the cheaper series of metric-series.ts.
    requests: new HotCounter({
      name: "outpost_requests_total",
      help: "Requests answered, by provider, host, status class and proxy error code",
      labelNames: ["provider", "host", "status_class", "code"],
      registry,
    }),
    duration: new HotHistogram({
      name: "outpost_request_duration_seconds",
      help: "Time from request to the end of the answer",
      labelNames: ["provider", "status_class"],
      buckets: DURATION_BUCKETS,
      registry,
    }),
    upstream: new HotHistogram({
      name: "outpost_upstream_duration_seconds",
      help: "Time until the upstream's response headers",
      labelNames: ["provider"],
      buckets: DURATION_BUCKETS,
      registry,
    }),
    waits: new Histogram({
      name: "outpost_rate_limit_wait_seconds",
      help: "Time requests waited for rate-limit tokens (count: requests that waited)",
      labelNames: ["provider", "category", "outcome"] as const,
      buckets: WAIT_BUCKETS,
      registers,
    }),
    limited: new Counter({
      name: "outpost_rate_limited_total",
      help: "429 answers: the proxy's own limits (PROXY_RATE_LIMITED) or an upstream's (PROXY_UPSTREAM_RATE_LIMITED)",
      labelNames: ["provider", "category", "code"] as const,
      registers,
    }),
    hits: new Counter({
      name: "outpost_cache_hits_total",
      help: "Answers replayed from storage: response cache or idempotency",
      labelNames: ["provider", "kind"] as const,
      registers,
    }),
    misses: new HotCounter({ name: "outpost_cache_misses_total", help: "Cacheable requests not found in the response cache", labelNames: ["provider"], registry }),
    mints: new Counter({
      name: "outpost_token_mints_total",
      help: "Token endpoint calls by auth modules (oauth2 client credentials and plugins)",
      labelNames: ["provider", "auth_type", "result"] as const,
      registers,
    }),
    upstreamErrors: new Counter({
      name: "outpost_upstream_errors_total",
      help: "Upstreams that could not be reached (PROXY_UPSTREAM_ERROR) or did not answer in time (PROXY_UPSTREAM_TIMEOUT)",
      labelNames: ["provider", "code"] as const,
      registers,
    }),
    reloads: new Counter({ name: "outpost_config_reloads_total", help: "Configuration reloads, applied or refused", labelNames: ["result"] as const, registers }),
  };
}

/** Prometheus metrics from gateway events, in a registry of their own (so instances and tests never collide). */
export function createOutpostMetrics(options: OutpostMetricsOptions = {}): OutpostMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const m = instruments(registry);
  const observe = (event: GatewayEvent): void => {
    switch (event.type) {
      case "request": {
        const provider = label(event.provider);
        m.requests.inc([provider, label(event.host), event.statusClass, label(event.errorCode)]);
        m.duration.observe([provider, event.statusClass], event.durationMs / 1000);
        if (event.upstreamMs !== undefined) m.upstream.observe([provider], event.upstreamMs / 1000);
        if (event.cache === "MISS") m.misses.inc([provider]);
        return;
      }
      case "rate_limit_wait":
        return m.waits.observe({ provider: event.provider, category: event.category, outcome: event.admitted ? "admitted" : "refused" }, event.waitedMs / 1000);
      case "rate_limited":
        return m.limited.inc({ provider: label(event.provider), category: label(event.category), code: event.code });
      case "cache_hit":
        return m.hits.inc({ provider: label(event.provider), kind: event.kind });
      case "token_mint":
        return m.mints.inc({ provider: event.provider, auth_type: event.authType, result: event.ok ? "ok" : "error" });
      case "upstream_error":
        return m.upstreamErrors.inc({ provider: label(event.provider), code: event.code });
    }
  };
  return {
    registry,
    observe,
    answer: async () => ({ status: 200, headers: ["Content-Type", registry.contentType, "Cache-Control", "no-store"], body: await registry.metrics() }),
    reloaded: (ok) => m.reloads.inc({ result: ok ? "applied" : "refused" }),
  };
}
