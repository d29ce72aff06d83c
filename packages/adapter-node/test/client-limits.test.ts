import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { rawRequest, type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";

/** Resolves with what the server wrote before closing the connection, and how long that took. */
function holdOpen(port: number, data: string): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ port, host: "127.0.0.1" }, () => socket.write(data));
    let reply = "";
    socket.on("data", (d) => (reply += d.toString()));
    socket.on("error", () => {});
    socket.on("close", () => resolve({ reply, ms: Date.now() - started }));
    setTimeout(() => reject(new Error("connection still open after 8 s")), 8_000).unref();
  });
}

describe("client limits (DESIGN §4.2): slow or oversized clients cannot hold the proxy", () => {
  let upstream: RecordingUpstream;
  let server: RunningServer;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const config = loadConfig({
      providers: [{ file: "up.yaml", text: `name: up\nbase_url: ${upstream.url}/up\nauth: {type: none}\nforwarding: {treat_writes_as_sensitive: false, max_body_bytes: 1024}\n` }],
      secrets: secretsFromRecord({}),
    });
    server = await startServer({
      config,
      port: 0,
      logger: createJsonLogger({ write: () => {}, warn: () => {} }),
      limits: { headerTimeoutMs: 500, bodyIdleTimeoutMs: 500 },
    });
  });
  afterAll(async () => {
    await server.close(500);
    await upstream.close();
  });

  it("a client that never finishes its headers is disconnected after the header timeout", async () => {
    const { ms } = await holdOpen(server.port, "GET /x HTTP/1.1\r\nHost: proxy\r\nX-Provider: up\r\n");
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it("a client that stalls mid-body is disconnected after the body idle timeout; the upload never completes upstream", async () => {
    upstream.clear();
    const { ms } = await holdOpen(server.port, "POST /x HTTP/1.1\r\nHost: proxy\r\nX-Provider: up\r\nContent-Length: 100\r\n\r\n0123456789");
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it("a chunked body that grows past max_body_bytes gets 413 PROXY_PAYLOAD_TOO_LARGE and never completes upstream", async () => {
    upstream.clear();
    const chunk = "x".repeat(600);
    const body = `258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`;
    const [res] = await rawRequest({
      port: server.port,
      data: `POST /x HTTP/1.1\r\nHost: proxy\r\nX-Provider: up\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    });
    expect(res?.status).toBe(413);
    expect((res?.json() as { error: { code: string } }).error.code).toBe("PROXY_PAYLOAD_TOO_LARGE");
    expect(upstream.requests).toHaveLength(0);
  });

  it("a chunked body within max_body_bytes is streamed upstream whole", async () => {
    upstream.clear();
    const chunk = "y".repeat(300);
    const [res] = await rawRequest({
      port: server.port,
      data: `POST /x/echo-body HTTP/1.1\r\nHost: proxy\r\nX-Provider: up\r\nTransfer-Encoding: chunked\r\n\r\n12c\r\n${chunk}\r\n12c\r\n${chunk}\r\n0\r\n\r\n`,
    });
    expect(res?.status).toBe(200);
    expect(res?.text()).toBe(chunk + chunk);
    expect(upstream.requests[0]?.body.byteLength).toBe(600);
  });
});
