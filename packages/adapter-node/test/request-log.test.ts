import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { createLineSink, type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";

describe("request log: one JSON line per request (DESIGN §8)", () => {
  let upstream: RecordingUpstream;
  let server: RunningServer;
  const sink = createLineSink();

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const config = loadConfig({
      providers: [{ file: "p.yaml", text: `name: p\nbase_url: ${upstream.url}/p\nauth: {type: api_key_query, env: Q_KEY, param: key}\nforwarding: {deny: ["/admin"]}\n` }],
      secrets: secretsFromRecord({ Q_KEY: "query-secret-value" }),
    });
    server = await startServer({ config, port: 0, logger: createJsonLogger({ write: sink.write, warn: sink.write, secrets: config.secretValues }) });
  });
  afterAll(async () => {
    await server.close(1000);
    await upstream.close();
  });

  it("a forwarded request logs every field, with query names but never query values", async () => {
    sink.clear();
    const res = await fetch(`${server.url}/v1/items?email=alice%40example.com&token=agent-token`, { headers: { "X-Provider": "p" } });
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.lines).toHaveLength(1);
    const line = sink.json()[0] as Record<string, unknown>;
    expect(line).toMatchObject({
      host: "local",
      client: "127.0.0.1",
      provider: "p",
      method: "GET",
      path: "/v1/items",
      query_keys: ["email", "token"],
      status: 200,
      error: null,
      category: "default",
      cache: "BYPASS",
      sensitive: false,
      bytes_in: 0,
    });
    expect(line.request_id).toBe(res.headers.get("x-request-id"));
    expect(typeof line.duration_ms).toBe("number");
    expect(typeof line.upstream_ms).toBe("number");
    expect(line.bytes_out).toBeGreaterThan(0);
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    expect(sink.text()).not.toMatch(/alice|agent-token|query-secret-value/);
  });

  it("a refused request logs its error code", async () => {
    sink.clear();
    await (await fetch(`${server.url}/admin?x=1`, { headers: { "X-Provider": "p" } })).arrayBuffer();
    expect(sink.json()).toEqual([expect.objectContaining({ status: 403, error: "PROXY_PATH_DENIED", path: "/admin", upstream_ms: null })]);
  });
});

describe("request log: a refusal by the sensitive gate still says what the route was", () => {
  it("PROXY_SENSITIVE_DENIED logs the rule's category and sensitive: true", async () => {
    const upstream = await startRecordingUpstream();
    const sink = createLineSink();
    const config = loadConfig({
      providers: [
        {
          file: "p.yaml",
          text: `name: p\nbase_url: ${upstream.url}/p\nauth: {type: none}\nforwarding:\n  mode: allowlist\n  allow:\n    - {pattern: "/secrets", methods: [GET], sensitive: true, category: vault}\n    - {pattern: "/**", methods: [GET, HEAD]}\n`,
        },
      ],
      hosts: { file: "hosts.yaml", text: 'hosts:\n  - {id: reader, cidrs: ["127.0.0.0/8"], can_call_sensitive: false}\n' },
      secrets: secretsFromRecord({}),
    });
    const server = await startServer({ config, port: 0, logger: createJsonLogger({ write: sink.write, warn: sink.write }) });
    try {
      expect((await fetch(`${server.url}/secrets`, { headers: { "X-Provider": "p" } })).status).toBe(403);
      expect((await fetch(`${server.url}/secrets`, { method: "HEAD", headers: { "X-Provider": "p" } })).status).toBe(403);
      expect(sink.json()).toEqual([
        expect.objectContaining({ status: 403, error: "PROXY_SENSITIVE_DENIED", category: "vault", sensitive: true }),
        expect.objectContaining({ status: 403, error: "PROXY_SENSITIVE_DENIED", category: "default", sensitive: true }),
      ]);
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await server.close(1000);
      await upstream.close();
    }
  });
});
