import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EVIL_HOST, rawHttp, type RecordingUpstream, startEvilOrigin, startRecordingUpstream } from "../src/index.js";
import { httpGet } from "./http-get.js";

let up: RecordingUpstream;
beforeEach(async () => {
  up = await startRecordingUpstream();
});
afterEach(() => up.close());

describe("recording upstream", () => {
  it("listens on 127.0.0.1 and answers anything else with 200 {ok:true}", async () => {
    expect(up.url).toBe(`http://127.0.0.1:${up.port}`);
    expect(up.host).toBe("127.0.0.1");
    const res = await httpGet(`${up.url}/api/whatever`);
    expect(res.status).toBe(200);
    expect(res.header("content-type")).toBe("application/json");
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
  });

  it("records the raw URL unnormalised", async () => {
    const [res] = await rawHttp(up.port, ["GET /a/%2e%2e/b?x=%2F&y HTTP/1.1", "Host: x"]);
    expect(res?.status).toBe(200);
    expect(up.requests.map((r) => r.url)).toEqual(["/a/%2e%2e/b?x=%2F&y"]);
  });

  it("records method, raw headers in received case and order, a lower-cased map and the body", async () => {
    await rawHttp(up.port, ["POST /p HTTP/1.1", "Host: x", "X-Dup: 1", "x-DUP: 2", "Content-Length: 3"], { body: "a\0b" });
    const [rec] = up.requests;
    expect(rec?.method).toBe("POST");
    expect(rec?.rawHeaders).toEqual(["Host", "x", "X-Dup", "1", "x-DUP", "2", "Content-Length", "3"]);
    expect(rec?.headers["x-dup"]).toEqual(["1", "2"]);
    expect(Buffer.from(rec?.body ?? []).toString("latin1")).toBe("a\0b");
    expect(rec?.remoteAddress).toBe("127.0.0.1");
    expect(rec?.receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it("waits for requests, times out readably, and clears in place", async () => {
    const waiting = up.waitForRequests(2, 2000);
    await httpGet(`${up.url}/one`);
    await httpGet(`${up.url}/two`);
    expect((await waiting).map((r) => r.url)).toEqual(["/one", "/two"]);
    const list = up.requests;
    up.clear();
    expect(list).toHaveLength(0);
    expect(up.requests).toBe(list);
    await expect(up.waitForRequests(1, 50)).rejects.toThrow(/wanted 1 request\(s\), got 0/);
  });

  it("records a hang request before hanging, and close() ends the hung connection", async () => {
    const pending = httpGet(`${up.url}/x/hang`, { method: "POST", body: "payload" }).catch((e: Error) => e);
    const [rec] = await up.waitForRequests(1);
    expect(Buffer.from(rec?.body ?? []).toString()).toBe("payload");
    const t0 = Date.now();
    await up.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it("close() is idempotent", async () => {
    await up.close();
    await up.close();
  });
});

describe("evil origin", () => {
  it("is a recording upstream on 127.0.0.66", async () => {
    const evil = await startEvilOrigin();
    try {
      expect(evil.host).toBe(EVIL_HOST);
      expect(evil.url).toBe(`http://127.0.0.66:${evil.port}`);
      expect(evil.requests).toEqual([]);
      await httpGet(`${evil.url}/steal`);
      expect(evil.requests.map((r) => r.url)).toEqual(["/steal"]);
    } finally {
      await evil.close();
    }
  });
});
