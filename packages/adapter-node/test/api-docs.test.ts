import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";
import { nodeRequest } from "./support/node-harness.js";

async function get(server: RunningServer, target: string, from = "127.0.0.1") {
  const res = await nodeRequest(server.port, { target, from });
  const body = new Uint8Array(await new Response(res.body).arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: new TextDecoder().decode(body) };
}

describe("API docs served by the proxy itself: /openapi.json and /docs", () => {
  let upstream: RecordingUpstream;
  let server: RunningServer;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const config = loadConfig({
      providers: [
        {
          file: "gh.yaml",
          text: `name: gh\nbase_url: ${upstream.url}/gh\nauth: {type: bearer_static, env: GH_SECRET_ENV}\nforwarding:\n  mode: allowlist\n  allow:\n    - {pattern: "/repos/{owner}/{repo}/issues", methods: [GET, POST]}\n    - {pattern: "/search/**", methods: [GET]}\n  deny: ["/user/keys"]\n`,
        },
      ],
      hosts: { file: "hosts.yaml", text: `hosts:\n  - {id: local, cidrs: ["127.0.0.1/32"], can_call_sensitive: true}\n` },
      secrets: secretsFromRecord({ GH_SECRET_ENV: "gh-secret-value" }),
    });
    server = await startServer({ config, port: 0, logger: createJsonLogger({ write: () => {}, warn: () => {} }) });
  });
  afterAll(async () => {
    await server.close(500);
    await upstream.close();
  });

  it("/openapi.json validates as OpenAPI 3.1 and documents the host's routes, X-Provider, Idempotency-Key and 429 Retry-After", async () => {
    const res = await get(server, "/openapi.json");
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text);
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
    const post = doc.paths["/repos/{owner}/{repo}/issues"].post;
    const names = post.parameters.map((p: { name?: string; $ref?: string }) => p.name ?? p.$ref);
    expect(names).toEqual(expect.arrayContaining(["X-Provider", "#/components/parameters/IdempotencyKey"]));
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: "Idempotency-Key", in: "header" });
    expect(post.responses["429"]).toEqual({ $ref: "#/components/responses/Error429" });
    expect(JSON.stringify(doc.components.responses.Error429)).toContain("Retry-After");
    expect(res.text).not.toMatch(/gh-secret-value|GH_SECRET_ENV/);
  });

  it("/docs returns the Swagger UI page, and every asset it references comes from the proxy itself", async () => {
    const page = await get(server, "/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/https?:\/\//);
    const refs = [...page.text.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!).filter((ref) => !ref.startsWith("data:"));
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      const asset = await get(server, new URL(ref, "http://proxy/docs").pathname);
      expect({ ref, status: asset.status }).toEqual({ ref, status: 200 });
      expect(asset.body.byteLength).toBeGreaterThan(100);
    }
  });

  it("/openapi.json and /docs need a matching host", async () => {
    expect((await get(server, "/openapi.json", "127.0.0.99")).status).toBe(403);
    expect((await get(server, "/docs", "127.0.0.99")).status).toBe(403);
  });
});
