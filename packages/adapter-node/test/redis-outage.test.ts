import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { type PrivateRedis, startPrivateRedis } from "./support/redis.js";
import { CLI, providerDir, type SpawnedOutpost, spawnOutpost } from "./support/spawn-outpost.js";

async function get(outpost: SpawnedOutpost, path: string, provider?: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${outpost.url}${path}`, { headers: provider ? { "X-Provider": provider } : {} });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = JSON.parse(text).error?.code;
  } catch {}
  return { status: res.status, code };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not met in time");
}

describe("Redis outage: fail closed where storage decides, keep serving the rest, recover without a restart", () => {
  let upstream: RecordingUpstream;
  let redis: PrivateRedis;
  let outpost: SpawnedOutpost;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    redis = await startPrivateRedis();
    const dir = providerDir({
      "p.yaml": `name: p\nbase_url: ${upstream.url}/p\nauth: {type: none}\nforwarding:\n  mode: allowlist\n  rate_limits:\n    limited: [{capacity: 1000, window_ms: 60000}]\n  allow:\n    - {pattern: "/limited/**", methods: [GET], category: limited}\n    - {pattern: "/free/**", methods: [GET]}\n    - {pattern: "/pay/**", methods: [POST], sensitive: false}\n`,
    });
    outpost = await spawnOutpost(["--providers", dir, "--redis", redis.url]);
  });
  afterAll(async () => {
    await outpost?.stop();
    await redis?.stop();
    await upstream?.close();
  });

  it("says at start-up which storage it uses, without credentials", () => {
    expect(outpost.stderr()).toContain(`storage: redis redis://127.0.0.1:${redis.port}`);
  });

  it("answers 503 on deciding steps, forwards what needs no storage, /readyz 503 — then recovers by itself", async () => {
    expect(await get(outpost, "/limited/1", "p")).toEqual({ status: 200, code: undefined });
    expect((await get(outpost, "/readyz")).status).toBe(200);

    await redis.stop();
    upstream.clear();
    const started = Date.now();
    expect(await get(outpost, "/limited/2", "p")).toEqual({ status: 503, code: "PROXY_STORAGE_UNAVAILABLE" });
    expect(Date.now() - started).toBeLessThan(5_000);
    const idem = await fetch(`${outpost.url}/pay/x`, { method: "POST", headers: { "X-Provider": "p", "Idempotency-Key": "k1" }, body: "{}" });
    expect(idem.status).toBe(503);
    expect(upstream.requests).toHaveLength(0);
    expect((await get(outpost, "/free/3", "p")).status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect((await get(outpost, "/readyz")).status).toBe(503);
    expect((await get(outpost, "/healthz")).status).toBe(200);

    await redis.start();
    await eventually(async () => (await get(outpost, "/readyz")).status === 200);
    expect(await get(outpost, "/limited/4", "p")).toEqual({ status: 200, code: undefined });
    expect(outpost.child.exitCode).toBeNull();
  });

  it("`outpost token set` with memory storage stops with a clear message and changes nothing", async () => {
    const dir = providerDir({ "bs.yaml": `name: bs\nbase_url: ${upstream.url}/bs\nauth: {type: bearer_store, key: k}\n` });
    const cli = spawn(process.execPath, [CLI, "token", "set", "bs", "--providers", dir], { env: { PATH: process.env.PATH ?? "" }, stdio: ["pipe", "pipe", "pipe"] });
    let err = "";
    cli.stderr.on("data", (d) => (err += d));
    cli.stdin.end("never-stored-token\n");
    expect(await new Promise((r) => cli.once("exit", r))).toBe(1);
    expect(err).toContain("shared storage");
    expect(err).toContain("--redis");
    expect(err).not.toContain("never-stored-token");
  });

  it("`outpost token set` refuses a token given on the command line", async () => {
    const cli = spawn(process.execPath, [CLI, "token", "set", "bs", "secret-on-argv"], { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    cli.stderr.on("data", (d) => (err += d));
    expect(await new Promise((r) => cli.once("exit", r))).toBe(1);
    expect(err).toContain("stdin");
  });
});
