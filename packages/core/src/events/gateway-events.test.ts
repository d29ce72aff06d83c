/**
 * Gateway events through the whole pipeline (`gateway.fetch`) with a fake upstream and clock:
 * which events each kind of request produces, and that none carries a path or a secret.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { createGateway, type GatewayDeps } from "../gateway.js";
import type { FetchLike } from "../http/fetch-entry.js";
import { secretsFromRecord } from "../ports/secrets.js";
import { memoryStorage } from "../storage/memory-storage.js";
import { createFakeClock } from "../testing/fake-clock.js";
import type { GatewayEvent } from "./gateway-event.js";

const SECRET = "sk-events-secret-0123456789";
const CLIENT_SECRET = "oauth-client-secret-0123456789";
const TOKEN_URL = "https://auth.example.com/token";

const PROVIDERS = [
  {
    file: "p.yaml",
    text: [
      "name: p",
      "base_url: https://api.example.com/base",
      "auth: {type: bearer_static, env: P_TOKEN}",
      "forwarding:",
      "  mode: allowlist",
      "  allow:",
      "    - {pattern: '/items/**', methods: [GET]}",
      "    - {pattern: '/cached/**', methods: [GET], cache_ttl: 30}",
      "    - {pattern: '/down/**', methods: [GET]}",
      "    - {pattern: '/slow/**', methods: [GET], category: slow}",
      "    - {pattern: '/strict/**', methods: [GET], category: strict}",
      "  deny: ['/items/secret-admin']",
      "  queue_timeout_ms: 5000",
      "  rate_limits:",
      "    slow: [{capacity: 1, window_ms: 1000}]",
      "    strict: [{capacity: 1, window_ms: 60000}]",
    ].join("\n"),
  },
  {
    file: "o.yaml",
    text: ["name: o", "base_url: https://api.example.org", "auth:", "  type: oauth2_client_credentials", "  client_id_env: O_ID", "  client_secret_env: O_SECRET", `  token_url: ${TOKEN_URL}`].join("\n"),
  },
];

function setup(deps: Partial<GatewayDeps> = {}) {
  const clock = createFakeClock(1_700_000_000_000);
  const events: GatewayEvent[] = [];
  const upstream: FetchLike = async (request) => {
    const url = new URL(request.url);
    if (url.href === TOKEN_URL) return Response.json({ access_token: "minted-token-0123456789", expires_in: 3600 });
    if (url.pathname.includes("/down/")) throw new TypeError(`connect ECONNREFUSED ${url.href}`);
    return Response.json({ ok: true });
  };
  const config = loadConfig({ providers: PROVIDERS, secrets: secretsFromRecord({ P_TOKEN: SECRET, O_ID: "client-id", O_SECRET: CLIENT_SECRET }) });
  const gateway = createGateway(config, { clock, storage: memoryStorage({ clock }), fetch: upstream, onEvent: (e) => events.push(e), ...deps });
  const send = async (target: string, provider: string | null = "p", from = "127.0.0.1") => {
    const headers: Record<string, string> = provider ? { "X-Provider": provider } : {};
    const response = await gateway.fetch(new Request(`http://outpost.local${target}`, { headers }), { clientAddress: from, rawTarget: target });
    const body = await response.text();
    // The log line and events of a relayed answer are written once its body has ended.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return { status: response.status, body };
  };
  const ofType = <T extends GatewayEvent["type"]>(type: T) => events.filter((e): e is Extract<GatewayEvent, { type: T }> => e.type === type);
  return { clock, events, send, ofType };
}

describe("gateway events", () => {
  it("one request event per request, with configuration names and numbers only", async () => {
    const { events, send, ofType } = setup();
    expect((await send("/items/42?email=alice%40example.com")).status).toBe(200);
    expect((await send("/items/secret-admin")).status).toBe(403);
    expect((await send("/items/1", "nope")).status).toBe(400);
    expect(ofType("request")).toEqual([
      expect.objectContaining({ provider: "p", host: "local", method: "GET", category: "default", status: 200, statusClass: "2xx", errorCode: undefined, cache: "BYPASS", complete: true }),
      expect.objectContaining({ provider: "p", host: "local", status: 403, statusClass: "4xx", errorCode: "PROXY_PATH_DENIED", upstreamMs: undefined }),
      expect.objectContaining({ provider: undefined, host: "local", status: 400, errorCode: "PROXY_UNKNOWN_PROVIDER" }),
    ]);
    expect(ofType("request")[0]?.upstreamMs).toEqual(expect.any(Number));
    expect(events).toHaveLength(3);
    const text = JSON.stringify(events);
    for (const leak of ["/items", "secret-admin", "alice", "nope", "127.0.0.1", SECRET]) expect(text).not.toContain(leak);
  });

  it("a cache hit, an upstream failure and a proxy 429 each add their own event", async () => {
    const { send, ofType } = setup();
    await send("/cached/a");
    expect((await send("/cached/a")).status).toBe(200);
    expect(ofType("cache_hit")).toEqual([expect.objectContaining({ provider: "p", host: "local", kind: "cache" })]);
    expect(ofType("request").map((e) => e.cache)).toEqual(["MISS", "HIT"]);

    expect((await send("/down/x")).status).toBe(502);
    expect(ofType("upstream_error")).toEqual([expect.objectContaining({ provider: "p", code: "PROXY_UPSTREAM_ERROR" })]);

    // `strict` refills after a minute, longer than queue_timeout_ms: refused at once, no wait.
    expect((await send("/strict/1")).status).toBe(200);
    expect((await send("/strict/2")).status).toBe(429);
    expect(ofType("rate_limited")).toEqual([expect.objectContaining({ provider: "p", category: "strict", code: "PROXY_RATE_LIMITED" })]);
    expect(ofType("rate_limit_wait")).toEqual([]);
  });

  it("a request that waits for a token reports the wait once admitted", async () => {
    const { clock, send, ofType } = setup();
    expect((await send("/slow/1")).status).toBe(200);
    const second = send("/slow/2");
    while (clock.pending === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await clock.advance(1000);
    expect((await second).status).toBe(200);
    expect(ofType("rate_limit_wait")).toEqual([expect.objectContaining({ provider: "p", category: "slow", waitedMs: 1000, admitted: true })]);
    expect(ofType("rate_limited")).toEqual([]);
  });

  it("a token mint is reported with the provider's auth type; the cached token is not a mint", async () => {
    const { send, ofType, events } = setup();
    expect((await send("/a", "o")).status).toBe(200);
    expect((await send("/b", "o")).status).toBe(200);
    expect(ofType("token_mint")).toEqual([expect.objectContaining({ provider: "o", authType: "oauth2_client_credentials", ok: true })]);
    expect(JSON.stringify(events)).not.toMatch(/minted-token|oauth-client-secret/);
  });

  it("a throwing observer never fails a request and is reported once", async () => {
    const warnings: string[] = [];
    const { send } = setup({
      onEvent: () => {
        throw new Error("observer bug");
      },
      logger: { request: () => {}, warn: (m) => warnings.push(m) },
    });
    expect((await send("/items/1")).status).toBe(200);
    expect((await send("/items/2")).status).toBe(200);
    expect(warnings).toEqual([expect.stringContaining("observer")]);
  });

  it("GET /metrics is served from the metrics source to configured hosts only, and is a request too", async () => {
    const metrics = () => ({ status: 200, headers: ["Content-Type", "text/plain; version=0.0.4"], body: "outpost_up 1\n" });
    const { send, ofType } = setup({ metrics });
    expect(await send("/metrics", null)).toEqual({ status: 200, body: "outpost_up 1\n" });
    expect((await send("/metrics", null, "203.0.113.9")).status).toBe(403);
    expect(ofType("request").map((e) => [e.host, e.status, e.provider])).toEqual([
      ["local", 200, undefined],
      [undefined, 403, undefined],
    ]);
  });

  it("without a metrics source /metrics is an ordinary path (the default provider's, else unknown provider)", async () => {
    const { send } = setup();
    expect(JSON.parse((await send("/metrics", null)).body).error.code).toBe("PROXY_UNKNOWN_PROVIDER");
  });
});
