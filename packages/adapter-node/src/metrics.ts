import type { GatewayEvent, GatewayObserver, MetricsSource } from "@outpost/core";
import { createRequire } from "node:module";
import type { Metric, Registry } from "prom-client";
import { HotCounter, HotHistogram } from "./metric-series.js";

// prom-client is loaded at the first scrape (or the first read of `registry`), not at start-up:
// its 1.5 MB of live heap, which V8 lets grow ~4× before a full collection, would be paid by
// every proxy, scraped or not (bench/, peak RSS). The instruments are Outpost's own
// (metric-series.ts); prom-client only formats them.
const require = createRequire(import.meta.url);
const promClient = (): typeof import("prom-client") => require("prom-client");

export interface OutpostMetricsOptions {
  /**
   * Also export Node's process metrics (CPU, memory, event-loop lag, GC). They are collected from
   * the first scrape on: the event-loop lag and GC histograms start then. @default false
   */
  readonly processMetrics?: boolean;
}

export interface OutpostMetrics {
  /**
   * This instance's own registry (never prom-client's global one); add collectors to it freely.
   * Created, with Outpost's instruments in it, when first read or scraped.
   */
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

/** Every instrument, in exposition order; registered when a registry is first needed. */
function instruments() {
  return {
    requests: new HotCounter({
      name: "outpost_requests_total",
      help: "Requests answered, by provider, host, status class and proxy error code",
      labelNames: ["provider", "host", "status_class", "code"],
    }),
    duration: new HotHistogram({
      name: "outpost_request_duration_seconds",
      help: "Time from request to the end of the answer",
      labelNames: ["provider", "status_class"],
      buckets: DURATION_BUCKETS,
    }),
    upstream: new HotHistogram({
      name: "outpost_upstream_duration_seconds",
      help: "Time until the upstream's response headers",
      labelNames: ["provider"],
      buckets: DURATION_BUCKETS,
    }),
    waits: new HotHistogram({
      name: "outpost_rate_limit_wait_seconds",
      help: "Time requests waited for rate-limit tokens (count: requests that waited)",
      labelNames: ["provider", "category", "outcome"],
      buckets: WAIT_BUCKETS,
    }),
    limited: new HotCounter({
      name: "outpost_rate_limited_total",
      help: "429 answers: the proxy's own limits (PROXY_RATE_LIMITED) or an upstream's (PROXY_UPSTREAM_RATE_LIMITED)",
      labelNames: ["provider", "category", "code"],
    }),
    hits: new HotCounter({ name: "outpost_cache_hits_total", help: "Answers replayed from storage: response cache or idempotency", labelNames: ["provider", "kind"] }),
    misses: new HotCounter({ name: "outpost_cache_misses_total", help: "Cacheable requests not found in the response cache", labelNames: ["provider"] }),
    mints: new HotCounter({
      name: "outpost_token_mints_total",
      help: "Token endpoint calls by auth modules (oauth2 client credentials and plugins)",
      labelNames: ["provider", "auth_type", "result"],
    }),
    upstreamErrors: new HotCounter({
      name: "outpost_upstream_errors_total",
      help: "Upstreams that could not be reached (PROXY_UPSTREAM_ERROR) or did not answer in time (PROXY_UPSTREAM_TIMEOUT)",
      labelNames: ["provider", "code"],
    }),
    reloads: new HotCounter({ name: "outpost_config_reloads_total", help: "Configuration reloads, applied or refused", labelNames: ["result"] }),
  };
}

/** Prometheus metrics from gateway events, in a registry of their own (so instances and tests never collide). */
export function createOutpostMetrics(options: OutpostMetricsOptions = {}): OutpostMetrics {
  const m = instruments();
  let registry: Registry | undefined;
  const ensureRegistry = (): Registry => {
    if (registry) return registry;
    const prom = promClient();
    registry = new prom.Registry();
    // Process metrics first, as before they were loaded lazily: the exposition order is unchanged.
    if (options.processMetrics) prom.collectDefaultMetrics({ register: registry });
    for (const instrument of Object.values(m)) registry.registerMetric(instrument as unknown as Metric);
    return registry;
  };
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
        return m.waits.observe([event.provider, event.category, event.admitted ? "admitted" : "refused"], event.waitedMs / 1000);
      case "rate_limited":
        return m.limited.inc([label(event.provider), label(event.category), event.code]);
      case "cache_hit":
        return m.hits.inc([label(event.provider), event.kind]);
      case "token_mint":
        return m.mints.inc([event.provider, event.authType, event.ok ? "ok" : "error"]);
      case "upstream_error":
        return m.upstreamErrors.inc([label(event.provider), event.code]);
    }
  };
  return {
    get registry() {
      return ensureRegistry();
    },
    observe,
    answer: async () => {
      const scraped = ensureRegistry();
      return { status: 200, headers: ["Content-Type", scraped.contentType, "Cache-Control", "no-store"], body: await scraped.metrics() };
    },
    reloaded: (ok) => m.reloads.inc([ok ? "applied" : "refused"]),
  };
}
