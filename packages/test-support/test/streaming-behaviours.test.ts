import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecordingUpstream, startRecordingUpstream } from "../src/index.js";
import { httpGet } from "./http-get.js";

let up: RecordingUpstream;
beforeAll(async () => {
  up = await startRecordingUpstream();
});
afterAll(() => up.close());

describe("huge", () => {
  it("streams ?bytes=N without Content-Length", async () => {
    const res = await httpGet(`${up.url}/huge?bytes=200001`);
    expect(res.status).toBe(200);
    expect(res.header("content-length")).toBeUndefined();
    expect(res.header("transfer-encoding")).toBe("chunked");
    expect(res.header("content-type")).toBe("application/octet-stream");
    expect(res.body.length).toBe(200001);
  });

  it("defaults to 100 MiB and stops when the client hangs up", async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(`${up.url}/huge`, (res) => {
        let n = 0;
        res.on("data", (c: Buffer) => {
          n += c.length;
          if (n >= 1024 * 1024) req.destroy();
        });
        res.on("close", () => resolve(n));
      });
      req.on("error", (e) => (e.message.includes("aborted") || (e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
      req.end();
    });
    expect(received).toBeGreaterThanOrEqual(1024 * 1024);
    expect(received).toBeLessThan(100 * 1024 * 1024);
    // The upstream is still healthy afterwards.
    expect((await httpGet(`${up.url}/ok`)).status).toBe(200);
  });
});

describe("sse", () => {
  it("flushes headers first and writes events gap ms apart, recording when each was sent", async () => {
    up.clear();
    const arrivals: { id: number; at: number }[] = [];
    let headersAt = 0;
    let contentType: string | undefined;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${up.url}/stream/sse?n=4&gap=60`, (res) => {
        headersAt = Date.now();
        contentType = res.headers["content-type"];
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          for (let end = buf.indexOf("\n\n"); end >= 0; end = buf.indexOf("\n\n")) {
            const id = /^id: (\d+)$/m.exec(buf.slice(0, end))?.[1];
            arrivals.push({ id: Number(id), at: Date.now() });
            buf = buf.slice(end + 2);
          }
        });
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    });
    const [rec] = up.requests;
    const sent = rec?.sseSentAt ?? [];
    expect(contentType).toBe("text/event-stream");
    expect(arrivals.map((a) => a.id)).toEqual([1, 2, 3, 4]);
    expect(sent).toHaveLength(4);
    expect(headersAt).toBeLessThanOrEqual(sent[0] ?? 0);
    // Event 1 reached the client before event 3 was written: relayed event by event.
    expect(arrivals[0]?.at ?? Infinity).toBeLessThanOrEqual(sent[2] ?? 0);
    expect((sent[3] ?? 0) - (sent[0] ?? 0)).toBeGreaterThanOrEqual(150);
  });

  it("writes the documented event format", async () => {
    const res = await httpGet(`${up.url}/sse?n=2&gap=1`);
    expect(res.body.toString()).toBe('id: 1\ndata: {"i":1}\n\nid: 2\ndata: {"i":2}\n\n');
  });
});
