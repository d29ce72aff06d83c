import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RecordingUpstream, startRecordingUpstream, startTokenEndpoint, type TokenEndpoint } from "@outpost/test-support";
import { clearPrefix, REDIS_URL, redisCommand, testPrefix } from "./support/redis.js";
import { CLI, providerDir, type SpawnedOutpost, spawnOutpost } from "./support/spawn-outpost.js";

/**
 * Several `outpost serve` processes sharing one Redis behave as one proxy (issue: Redis storage):
 * limits, minted tokens, replays and rotated tokens are shared.
 */
describe("a fleet of two outpost processes sharing one real Redis", () => {
  let upstream: RecordingUpstream;
  let tokenEndpoint: TokenEndpoint;
  const fleets: SpawnedOutpost[] = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    tokenEndpoint = await startTokenEndpoint(["minted-1-fleet-token"]);
  });
  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((p) => p.stop()));
    await Promise.all(prefixes.splice(0).map((p) => clearPrefix(p)));
  });
  afterAll(async () => {
    await upstream.close();
    await tokenEndpoint.close();
  });

  async function fleet(files: Record<string, string>, env: Record<string, string> = {}): Promise<[SpawnedOutpost, SpawnedOutpost, string, string]> {
    const dir = providerDir(files);
    const prefix = testPrefix("fleet");
    prefixes.push(prefix);
    const args = ["--providers", dir, "--redis", REDIS_URL, "--redis-prefix", prefix];
    const [a, b] = await Promise.all([spawnOutpost(args, env), spawnOutpost(args, env)]);
    fleets.push(a, b);
    return [a, b, dir, prefix];
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  function send(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, method: init.method ?? "GET", agent, headers: init.headers }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end(init.body);
    });
  }

  it("a route limited to 50 per hour: 400 concurrent requests over both processes → exactly 50 reach the upstream, the rest 429 with Retry-After", async () => {
    const [a, b] = await fleet({
      "lim.yaml": `name: lim\nbase_url: ${upstream.url}/lim\nauth: {type: none}\nforwarding:\n  queue_timeout_ms: 0\n  rate_limits:\n    default: [{capacity: 50, window_ms: 3600000}]\n`,
    });
    upstream.clear();
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => send(i % 2 ? a.port : b.port, `/items/${i}`, { headers: { "X-Provider": "lim" } })));
    const ok = results.filter((r) => r.status === 200);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(50);
    expect(limited).toHaveLength(350);
    for (const r of limited) {
      expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body).error.code).toBe("PROXY_RATE_LIMITED");
    }
    expect(upstream.requests).toHaveLength(50);
  });

  it("cold OAuth2 token cache, 100 concurrent requests over both processes → the token endpoint is called exactly once", async () => {
    const [a, b] = await fleet(
      {
        "oa.yaml": `name: oa\nbase_url: ${upstream.url}/oa\nauth: {type: oauth2_client_credentials, client_id_env: OA_ID, client_secret_env: OA_SECRET, token_url: "${tokenEndpoint.url}", scope: read}\n`,
      },
      { OA_ID: "fleet-client", OA_SECRET: "fleet-secret-value" },
    );
    upstream.clear();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => send(i % 2 ? a.port : b.port, `/x/${i}`, { headers: { "X-Provider": "oa" } })));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(tokenEndpoint.mints).toHaveLength(1);
    const tokens = new Set(upstream.requests.map((r) => r.headers.authorization?.[0]));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^Bearer minted-1-/);
  });

  it("an idempotent POST sent to A and replayed to B reaches the upstream once; B answers IDEMPOTENT-HIT", async () => {
    const [a, b] = await fleet({
      "pay.yaml": `name: pay\nbase_url: ${upstream.url}/pay\nauth: {type: none}\nforwarding: {treat_writes_as_sensitive: false}\n`,
    });
    upstream.clear();
    const key = crypto.randomUUID();
    const init = { method: "POST", headers: { "X-Provider": "pay", "Idempotency-Key": key, "Content-Type": "application/json" }, body: '{"amount":5}' };
    const first = await send(a.port, "/v1/charges/echo-body", init);
    await new Promise((r) => setTimeout(r, 100));
    const replay = await send(b.port, "/v1/charges/echo-body", init);
    expect(first.status).toBe(200);
    expect([replay.status, replay.headers["x-proxy-cache"], replay.body]).toEqual([200, "IDEMPOTENT-HIT", first.body]);
    expect(upstream.requests).toHaveLength(1);
  });

  it("a token rotated with `outpost token set` is used by the other process on its next request", async () => {
    const key = `rot-${crypto.randomUUID()}`;
    const [a, b, dir, prefix] = await fleet(
      { "bs.yaml": `name: bs\nbase_url: ${upstream.url}/bs\nauth: {type: bearer_store, key: ${key}, env_seed: BS_SEED}\n` },
      { BS_SEED: "seed-token-value" },
    );
    upstream.clear();
    expect((await send(a.port, "/x", { headers: { "X-Provider": "bs" } })).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toEqual(["Bearer seed-token-value"]);
    const cli = spawn(process.execPath, [CLI, "token", "set", "bs", "--providers", dir, "--redis", REDIS_URL, "--redis-prefix", prefix], {
      env: { PATH: process.env.PATH ?? "", BS_SEED: "seed-token-value" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    cli.stdout.on("data", (d) => (out += d));
    cli.stderr.on("data", (d) => (out += d));
    cli.stdin.end("rotated-token-value\n");
    const code = await new Promise((r) => cli.once("exit", r));
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).not.toContain("rotated-token-value");
    expect((await send(b.port, "/y", { headers: { "X-Provider": "bs" } })).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toEqual(["Bearer rotated-token-value"]);
    expect((await send(a.port, "/z", { headers: { "X-Provider": "bs" } })).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toEqual(["Bearer rotated-token-value"]);
  });

  it("SCRIPT FLUSH between requests: the next rate-limited requests still succeed", async () => {
    const [a, b] = await fleet({
      "lim.yaml": `name: lim\nbase_url: ${upstream.url}/lim\nauth: {type: none}\nforwarding:\n  rate_limits:\n    default: [{capacity: 100, window_ms: 60000}]\n`,
    });
    expect((await send(a.port, "/1", { headers: { "X-Provider": "lim" } })).status).toBe(200);
    await redisCommand("SCRIPT", "FLUSH");
    expect((await send(a.port, "/2", { headers: { "X-Provider": "lim" } })).status).toBe(200);
    expect((await send(b.port, "/3", { headers: { "X-Provider": "lim" } })).status).toBe(200);
  });
});
