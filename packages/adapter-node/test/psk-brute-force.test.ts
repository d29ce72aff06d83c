/**
 * Issue 6 item 4: PSK failures from one address are themselves rate limited, so a key cannot be
 * brute-forced; while locked out even the right key learns nothing (no comparison happens).
 */
import { loadConfig, memoryStorage, secretsFromRecord } from "@outpost/core";
import { createSentinels, type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../src/index.js";
import { nodeRequest } from "./support/node-harness.js";

const ATTACKER = "127.0.0.21";
const NEIGHBOUR = "127.0.0.22";

/** `GET /v1/items` for provider `api` from a loopback address, with `psk` as X-Outpost-Auth. */
async function sendTo(proxy: RunningServer, from: string, psk: string | undefined): Promise<{ status: number; retryAfter: string | null; code: string | undefined }> {
  const headers: [string, string][] = [["X-Provider", "api"]];
  if (psk !== undefined) headers.push(["X-Outpost-Auth", psk]);
  const res = await nodeRequest(proxy.port, { target: "/v1/items", from, headers });
  const text = await new Response(res.body).text();
  const code = res.status >= 400 ? (JSON.parse(text) as { error: { code: string } }).error.code : undefined;
  return { status: res.status, retryAfter: res.headers.get("retry-after"), code };
}

describe("PSK brute force", () => {
  const secrets = createSentinels(["PSK", "TOKEN"]);
  let upstream: RecordingUpstream;
  let proxy: RunningServer;

  const send = (from: string, psk: string | undefined) => sendTo(proxy, from, psk);

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const config = loadConfig({
      providers: [{ file: "api.yaml", text: `name: api\nbase_url: ${upstream.url}/api\nauth: {type: bearer_static, env: TOKEN}\n` }],
      hosts: {
        file: "hosts.yaml",
        text: `psk_failures: {capacity: 5, window_ms: 2000}\nhosts:\n  - {id: agents, cidrs: ["127.0.0.16/28"], auth_token_env: PSK}\n`,
      },
      secrets: secretsFromRecord(secrets),
    });
    proxy = await startServer({ config, port: 0 });
  });
  afterAll(async () => {
    await proxy.close(1000);
    await upstream.close();
  });

  it("after psk_failures.capacity wrong keys an address gets 429 with Retry-After, even with the right key, and nothing is forwarded", async () => {
    const wrong = [];
    for (let i = 0; i < 5; i++) wrong.push(await send(ATTACKER, `guess-${i}`));
    expect(wrong.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    const locked = await send(ATTACKER, "guess-5");
    expect(locked).toMatchObject({ status: 429, code: "PROXY_RATE_LIMITED" });
    expect(Number(locked.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await send(ATTACKER, secrets.PSK)).toMatchObject({ status: 429, code: "PROXY_RATE_LIMITED" });
    expect(await send(ATTACKER, undefined)).toMatchObject({ status: 429 });
    expect(upstream.requests).toHaveLength(0);
  });

  it("another address of the same host keeps working with its key", async () => {
    expect((await send(NEIGHBOUR, secrets.PSK)).status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it("the lock-out ends when the window refills: the right key is served again", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await send(ATTACKER, secrets.PSK)).status).toBe(200);
  });

  it("a correct key never counts as a failure", async () => {
    const results = [];
    for (let i = 0; i < 20; i++) results.push((await send(NEIGHBOUR, secrets.PSK)).status);
    expect(new Set(results)).toEqual(new Set([200]));
  });
});

describe("PSK failures from many addresses against a rate limit in memory storage", () => {
  const secrets = createSentinels(["PSK", "TOKEN"]);
  let upstream: RecordingUpstream;
  let proxy: RunningServer;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const config = loadConfig({
      providers: [
        {
          file: "api.yaml",
          text: `name: api\nbase_url: ${upstream.url}/api\nauth: {type: bearer_static, env: TOKEN}\nforwarding:\n  queue_timeout_ms: 0\n  rate_limits:\n    default:\n      - {capacity: 3, window_ms: 600000}\n`,
        },
      ],
      hosts: { file: "hosts.yaml", text: `hosts:\n  - {id: agents, cidrs: ["127.0.1.0/24"], auth_token_env: PSK}\n` },
      secrets: secretsFromRecord(secrets),
    });
    // A small bound, so the flood below is many times what the storage keeps.
    proxy = await startServer({ config, port: 0, storage: memoryStorage({ maxEntries: 16 }) });
  });
  afterAll(async () => {
    await proxy.close(1000);
    await upstream.close();
  });

  it("one wrong key from each of 96 addresses does not push out the provider's limit: it still refuses", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 96; i++) {
      // Each failure is a new bucket: one per source address.
      expect((await sendTo(proxy, `127.0.1.${100 + i}`, "guess")).status).toBe(401);
      if (i % 8 === 0) statuses.push((await sendTo(proxy, "127.0.1.1", secrets.PSK)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429, 429, 429]);
    expect(upstream.requests).toHaveLength(3);
  });
});
