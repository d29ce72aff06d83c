import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { memoryOf, providerDir, type SpawnedOutpost, spawnOutpost } from "./support/spawn-outpost.js";

const MiB = 1024 * 1024;

/** Bodies are streamed both ways: a large transfer must not grow the proxy by its size. */
describe("streaming keeps memory flat (real outpost process)", () => {
  let upstream: RecordingUpstream;
  let outpost: SpawnedOutpost;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const dir = providerDir({
      "bulk.yaml": `name: bulk\nbase_url: ${upstream.url}/bulk\nauth: {type: bearer_static, env: BULK_TOKEN}\nforwarding: {treat_writes_as_sensitive: false, max_body_bytes: 536870912, timeout_ms: 10000}\n`,
    });
    outpost = await spawnOutpost(["--providers", dir], { BULK_TOKEN: "bulk-token" });
  });
  afterAll(async () => {
    await outpost?.stop();
    await upstream?.close();
  });

  it("a 512 MiB download raises the proxy's peak RSS by far less than 512 MiB", async () => {
    const before = memoryOf(outpost.child.pid!);
    const received = await new Promise<number>((resolve, reject) => {
      request({ host: "127.0.0.1", port: outpost.port, path: `/files/huge?bytes=${512 * MiB}`, headers: { "X-Provider": "bulk" } }, (res) => {
        let n = 0;
        res.on("data", (chunk: Buffer) => (n += chunk.length));
        res.on("end", () => resolve(n));
        res.on("error", reject);
      })
        .on("error", reject)
        .end();
    });
    expect(received).toBe(512 * MiB);
    const after = memoryOf(outpost.child.pid!);
    // GC timing lets a few dozen MiB of spent chunks linger under load; proportional growth would be 512.
    expect(after.peak - before.rss).toBeLessThan(128 * MiB);
  });

  it("a 200 MiB upload raises the proxy's peak RSS by far less than 200 MiB and arrives whole", async () => {
    upstream.clear();
    const before = memoryOf(outpost.child.pid!);
    const chunk = Buffer.alloc(MiB, 7);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: outpost.port, method: "POST", path: "/files/upload", headers: { "X-Provider": "bulk", "Content-Length": 200 * MiB } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      let sent = 0;
      const pump = () => {
        while (sent < 200) {
          sent++;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(200);
    expect(upstream.requests[0]?.body.byteLength).toBe(200 * MiB);
    const after = memoryOf(outpost.child.pid!);
    expect(after.peak - before.rss).toBeLessThan(96 * MiB);
  });
});
