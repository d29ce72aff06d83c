/**
 * `GET /metrics` (issue 8, item 4): a known mix of requests through a real server to loopback
 * upstreams, then the exposition parsed with an independent Prometheus text parser. Counters must
 * match exactly; no path, query, address or secret may appear in it.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import parsePrometheusTextFormat, { type ParsedFamily, type ParsedSample } from "parse-prometheus-text-format";
import { register as globalRegistry } from "prom-client";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import {
  createLineSink,
  createSentinels,
  findLeaks,
  freePort,
  type RecordingUpstream,
  startRecordingUpstream,
  startTokenEndpoint,
  type TokenEndpoint,
} from "@outpost/test-support";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";
import { nodeRequest } from "./support/node-harness.js";

const S = createSentinels(["p_token", "client_id", "client_secret", "scraper_psk", "minted"]);

const HOSTS = `
hosts:
  - {id: agents, cidrs: ["127.0.0.1/32"], can_call_sensitive: true}
  - {id: scraper, cidrs: ["127.0.0.3/32"], auth_token_env: SCRAPER_PSK}
`;

function providers(upstream: string, tokenUrl: string, deadPort: number) {
  return [
    {
      file: "p.yaml",
      text: `name: p
base_url: ${upstream}/p
auth: {type: bearer_static, env: P_TOKEN}
forwarding:
  mode: allowlist
  allow:
    - {pattern: "/items/**", method: GET}
    - {pattern: "/cached/**", method: GET, cache_ttl: 60}
    - {pattern: "/limited/**", method: GET, category: limited}
    - {pattern: "/queued/**", method: GET, category: queued}
    - {pattern: "/burst/**", method: GET, category: burst}
  deny: ["/items/admin"]
  queue_timeout_ms: 5000
  rate_limits:
    limited: [{capacity: 2, window_ms: 600000}]
    queued: [{capacity: 1, window_ms: 1000}]
`,
    },
    {
      file: "o.yaml",
      text: `name: o
base_url: ${upstream}/o
auth: {type: oauth2_client_credentials, client_id_env: CLIENT_ID, client_secret_env: CLIENT_SECRET, token_url: "${tokenUrl}"}
`,
    },
    { file: "dead.yaml", text: `name: dead\nbase_url: http://127.0.0.1:${deadPort}/d\nauth: {type: none}\n` },
  ];
}

interface CallOptions {
  readonly provider?: string;
  readonly from?: string;
  readonly headers?: [string, string][];
}

/** Every sample named `name` (the parser may split one name over several families). */
function samples(families: ParsedFamily[], name: string): ParsedSample[] {
  return families.filter((f) => f.name === name).flatMap((f) => f.metrics);
}

/** The value of the series with exactly these labels (0 when it does not exist). */
function value(families: ParsedFamily[], name: string, labels: Record<string, string>): number {
  const key = JSON.stringify(Object.entries(labels).sort());
  const sample = samples(families, name).find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === key);
  return sample ? Number(sample.value) : 0;
}

function total(families: ParsedFamily[], name: string): number {
  return samples(families, name).reduce((sum, m) => sum + Number(m.value), 0);
}

/**
 * parse-prometheus-text-format merges all series of a histogram into one and drops their labels
 * (it handles unlabelled histograms only). Without their TYPE lines, `_bucket`, `_sum` and
 * `_count` lines parse as plain labelled samples, which is what these assertions read.
 */
function histogramsAsSamples(text: string): string {
  return text.replace(/^# TYPE \S+ histogram\n/gm, "");
}

describe("GET /metrics: Prometheus counters match the requests sent", () => {
  let upstream: RecordingUpstream;
  let tokens: TokenEndpoint;
  let server: RunningServer;
  const sink = createLineSink();

  async function call(target: string, options: CallOptions = {}): Promise<{ status: number; text: string }> {
    const headers: [string, string][] = [...(options.provider ? [["X-Provider", options.provider] as [string, string]] : []), ...(options.headers ?? [])];
    const res = await nodeRequest(server.port, { target, headers, from: options.from ?? "127.0.0.1" });
    return { status: res.status, text: await new Response(res.body).text() };
  }

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    tokens = await startTokenEndpoint([S.minted!]);
    const config = loadConfig({
      providers: providers(upstream.url, tokens.url, await freePort()),
      hosts: { file: "hosts.yaml", text: HOSTS },
      secrets: secretsFromRecord({ P_TOKEN: S.p_token, CLIENT_ID: S.client_id, CLIENT_SECRET: S.client_secret, SCRAPER_PSK: S.scraper_psk }),
    });
    const logger = createJsonLogger({ write: sink.write, warn: () => {}, secrets: config.secretValues });
    server = await startServer({ config, port: 0, logger });
  });
  afterAll(async () => {
    await server?.close(1000);
    await upstream?.close();
    await tokens?.close();
  });

  it("counts every kind of request, and never shows a path or a secret", async () => {
    const expectStatus = async (want: number, target: string, options?: CallOptions) => expect((await call(target, options)).status, target).toBe(want);
    for (let i = 0; i < 3; i++) await expectStatus(200, `/items/8f3a-user-4${i}?email=alice%40example.com`, { provider: "p" });
    for (let i = 0; i < 2; i++) await expectStatus(403, "/items/admin", { provider: "p" });
    await expectStatus(400, "/items/1", { provider: "nope-provider" });
    const limited = await Promise.all([1, 2, 3, 4].map((i) => call(`/limited/${i}`, { provider: "p" })));
    expect(limited.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    for (let i = 0; i < 3; i++) await expectStatus(200, "/cached/doc-77", { provider: "p" });
    // Capacity 1 per second, both at once: one waits for the refill (queue_timeout_ms 5 s), both pass.
    expect((await Promise.all([call("/queued/a", { provider: "p" }), call("/queued/b", { provider: "p" })])).map((r) => r.status)).toEqual([200, 200]);
    await expectStatus(429, "/burst/429", { provider: "p" });
    for (let i = 0; i < 2; i++) await expectStatus(200, `/o-items/${i}`, { provider: "o" });
    await expectStatus(502, "/anything", { provider: "dead" });
    // The same gate as /providers: an unknown address, then the scraper's host without its PSK.
    await expectStatus(403, "/metrics", { from: "127.0.0.9" });
    await expectStatus(401, "/metrics", { from: "127.0.0.3" });

    // Log lines and events are written when each exchange ends, a moment after the client has it.
    const sent = 21;
    for (let i = 0; i < 200 && sink.lines.length < sent; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sink.lines).toHaveLength(sent);

    const scrape = await nodeRequest(server.port, { target: "/metrics", from: "127.0.0.3", headers: [["X-Outpost-Auth", S.scraper_psk!]] });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await new Response(scrape.body).text();
    const m = parsePrometheusTextFormat(text);
    const h = parsePrometheusTextFormat(histogramsAsSamples(text));
    const typeOf = (name: string) => m.find((f) => f.name === name)?.type;
    expect(typeOf("outpost_requests_total")).toBe("COUNTER");
    expect(typeOf("outpost_request_duration_seconds")).toBe("HISTOGRAM");
    expect(typeOf("outpost_upstream_duration_seconds")).toBe("HISTOGRAM");
    expect(typeOf("outpost_rate_limit_wait_seconds")).toBe("HISTOGRAM");

    const requests = (provider: string, host: string, statusClass: string, code: string) => value(m, "outpost_requests_total", { provider, host, status_class: statusClass, code });
    expect(requests("p", "agents", "2xx", "")).toBe(10); // 3 items, 2 limited, 3 cached, 2 queued
    expect(requests("p", "agents", "4xx", "PROXY_PATH_DENIED")).toBe(2);
    expect(requests("", "agents", "4xx", "PROXY_UNKNOWN_PROVIDER")).toBe(1);
    expect(requests("p", "agents", "4xx", "PROXY_RATE_LIMITED")).toBe(2);
    expect(requests("p", "agents", "4xx", "PROXY_UPSTREAM_RATE_LIMITED")).toBe(1);
    expect(requests("o", "agents", "2xx", "")).toBe(2);
    expect(requests("dead", "agents", "5xx", "PROXY_UPSTREAM_ERROR")).toBe(1);
    expect(requests("", "", "4xx", "PROXY_HOST_DENIED")).toBe(1);
    expect(requests("", "scraper", "4xx", "PROXY_AUTH_REQUIRED")).toBe(1);
    expect(total(m, "outpost_requests_total")).toBe(sent);
    expect(total(h, "outpost_request_duration_seconds_count")).toBe(sent);

    expect(value(m, "outpost_rate_limited_total", { provider: "p", category: "limited", code: "PROXY_RATE_LIMITED" })).toBe(2);
    expect(value(m, "outpost_rate_limited_total", { provider: "p", category: "burst", code: "PROXY_UPSTREAM_RATE_LIMITED" })).toBe(1);
    expect(total(m, "outpost_rate_limited_total")).toBe(3);
    expect(value(h, "outpost_rate_limit_wait_seconds_count", { provider: "p", category: "queued", outcome: "admitted" })).toBe(1);
    expect(total(h, "outpost_rate_limit_wait_seconds_count")).toBe(1);
    expect(value(h, "outpost_rate_limit_wait_seconds_sum", { provider: "p", category: "queued", outcome: "admitted" })).toBeGreaterThan(0);
    expect(value(m, "outpost_cache_hits_total", { provider: "p", kind: "cache" })).toBe(2);
    expect(value(m, "outpost_cache_misses_total", { provider: "p" })).toBe(1);
    expect(value(m, "outpost_token_mints_total", { provider: "o", auth_type: "oauth2_client_credentials", result: "ok" })).toBe(1);
    expect(tokens.mints).toHaveLength(1);
    expect(value(m, "outpost_upstream_errors_total", { provider: "dead", code: "PROXY_UPSTREAM_ERROR" })).toBe(1);
    // Forwarded exchanges that got upstream headers: p 9 (the upstream 429 included), o 2.
    expect(value(h, "outpost_upstream_duration_seconds_count", { provider: "p" })).toBe(9);
    expect(value(h, "outpost_upstream_duration_seconds_count", { provider: "o" })).toBe(2);
    expect(value(h, "outpost_upstream_duration_seconds_count", { provider: "dead" })).toBe(0);

    expect(findLeaks(text, S)).toEqual([]);
    for (const fragment of ["/items", "8f3a", "user-4", "alice", "email", "admin", "doc-77", "nope-provider", "127.0.0", "/p", "anything"]) {
      expect(text, fragment).not.toContain(fragment);
    }
  });

  it("uses its own registry: prom-client's global one stays empty, and two servers count apart", async () => {
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
    const config = loadConfig({ providers: [{ file: "q.yaml", text: `name: q\nbase_url: ${upstream.url}/q\nauth: {type: none}\n` }], secrets: secretsFromRecord({}) });
    const other = await startServer({ config, port: 0, logger: createJsonLogger({ write: () => {}, warn: () => {} }) });
    try {
      expect((await fetch(`${other.url}/x`, { headers: { "X-Provider": "q" } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      const m = parsePrometheusTextFormat(await (await fetch(`${other.url}/metrics`)).text());
      expect(total(m, "outpost_requests_total")).toBe(1);
      expect(value(m, "outpost_requests_total", { provider: "p", host: "agents", status_class: "2xx", code: "" })).toBe(0);
    } finally {
      await other.close(1000);
    }
  });

  it("metrics: false serves no /metrics: without X-Provider it is an ordinary path", async () => {
    const config = loadConfig({ providers: [], secrets: secretsFromRecord({}) });
    const bare = await startServer({ config, port: 0, metrics: false, logger: createJsonLogger({ write: () => {}, warn: () => {} }) });
    try {
      const res = await fetch(`${bare.url}/metrics`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PROXY_UNKNOWN_PROVIDER");
    } finally {
      await bare.close(1000);
    }
  });
});

describe("prom-client is loaded by the first scrape, not at start-up", () => {
  // A fresh Node process on the built package (vitest's own module graph already holds prom-client).
  it("counts before it is loaded, then serves the counts and Node's process metrics", () => {
    const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `
      const { createRequire } = await import("node:module");
      const { createOutpostMetrics } = await import(${JSON.stringify(dist)});
      const loaded = () => Object.keys(createRequire(${JSON.stringify(dist)}).cache).some((k) => k.includes("/prom-client/"));
      const metrics = createOutpostMetrics({ processMetrics: true });
      metrics.observe({ type: "request", time: 0, requestId: "r", provider: "p", host: "h", statusClass: "2xx", durationMs: 12, upstreamMs: 10, cache: "BYPASS" });
      metrics.observe({ type: "rate_limited", time: 0, requestId: "r", provider: "p", category: "c", code: "PROXY_RATE_LIMITED" });
      metrics.reloaded(true);
      const before = loaded();
      const answer = await metrics.answer();
      process.stdout.write(JSON.stringify({ before, after: loaded(), body: answer.body }));
    `;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 15_000 });
    expect(run.stderr).toBe("");
    const { before, after, body } = JSON.parse(run.stdout) as { before: boolean; after: boolean; body: string };
    expect([before, after]).toEqual([false, true]);
    const m = parsePrometheusTextFormat(body);
    expect(value(m, "outpost_requests_total", { provider: "p", host: "h", status_class: "2xx", code: "" })).toBe(1);
    expect(value(m, "outpost_rate_limited_total", { provider: "p", category: "c", code: "PROXY_RATE_LIMITED" })).toBe(1);
    expect(value(m, "outpost_config_reloads_total", { result: "applied" })).toBe(1);
    expect(m.map((f) => f.name)).toEqual(expect.arrayContaining(["process_cpu_user_seconds_total", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"]));
  });
});
