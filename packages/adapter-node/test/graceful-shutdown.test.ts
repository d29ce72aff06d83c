import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { providerDir, spawnOutpost } from "./support/spawn-outpost.js";

describe("SIGTERM: in-flight requests finish, then the process exits 0", () => {
  let upstream: RecordingUpstream;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(async () => upstream.close());

  it("a streaming answer in flight when SIGTERM arrives completes; new connections are refused", async () => {
    const dir = providerDir({ "s.yaml": `name: s\nbase_url: ${upstream.url}/s\nauth: {type: none}\n` });
    const outpost = await spawnOutpost(["--providers", dir]);
    const body = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request({ host: "127.0.0.1", port: outpost.port, path: "/events/sse?n=10&gap=60", headers: { "X-Provider": "s" } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes("id: 2\n") && outpost.child.exitCode === null && !outpost.child.killed) outpost.child.kill("SIGTERM");
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      })
        .on("error", reject)
        .end();
    });
    const answer = await body;
    expect(answer.status).toBe(200);
    expect(answer.text.match(/^id: /gm)).toHaveLength(10);
    expect(await outpost.exited).toBe(0);
    expect(outpost.stderr()).toContain("SIGTERM received");
    await expect(fetch(`${outpost.url}/healthz`)).rejects.toThrow();
  });
});
