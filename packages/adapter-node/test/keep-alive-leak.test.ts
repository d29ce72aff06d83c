import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";

describe("many requests with bodies on one keep-alive connection", () => {
  let upstream: RecordingUpstream;
  let server: RunningServer;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const config = loadConfig({
      providers: [{ file: "p.yaml", text: `name: p\nbase_url: ${upstream.url}/p\nauth: {type: none}\nforwarding: {treat_writes_as_sensitive: false}\n` }],
      secrets: secretsFromRecord({}),
    });
    server = await startServer({ config, port: 0, logger: createJsonLogger({ write: () => {}, warn: () => {} }) });
    process.on("warning", onWarning);
  });
  afterAll(async () => {
    process.off("warning", onWarning);
    await server.close(500);
    await upstream.close();
  });

  it("add no per-request listener to the socket (no MaxListenersExceededWarning, one socket reused)", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: server.port, method: "POST", path: "/x/echo-body", agent, headers: { "X-Provider": "p", "Content-Length": 2 } }, (res) => {
          sockets.add(res.socket);
          res.resume();
          res.on("end", () => resolve());
        });
        req.on("error", reject);
        req.end("{}");
      });
    }
    agent.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(sockets.size).toBe(1);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});
