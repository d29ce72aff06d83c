import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { binaryBody, type RecordingUpstream, startEvilOrigin, startRecordingUpstream } from "../src/index.js";
import { httpGet } from "./http-get.js";

let up: RecordingUpstream;
let evil: RecordingUpstream;
beforeAll(async () => {
  evil = await startEvilOrigin();
  up = await startRecordingUpstream({ evilUrl: evil.url });
});
afterAll(async () => {
  await up.close();
  await evil.close();
});
beforeEach(() => up.clear());

describe("upstream behaviours", () => {
  it("echo answers method, raw URL, header pairs and base64 body", async () => {
    const res = await httpGet(`${up.url}/api/echo?q=1`, { method: "PUT", headers: { "X-Thing": "v" }, body: "hi" });
    const json = JSON.parse(res.body.toString()) as { method: string; url: string; headers: string[][]; bodyBase64: string };
    expect(json.method).toBe("PUT");
    expect(json.url).toBe("/api/echo?q=1");
    expect(json.headers).toContainEqual(["X-Thing", "v"]);
    expect(Buffer.from(json.bodyBase64, "base64").toString()).toBe("hi");
  });

  it("echo-secret reflects headers, URL and decoded Basic credential", async () => {
    const auth = `Basic ${Buffer.from("alice:s3cret").toString("base64")}`;
    const res = await httpGet(`${up.url}/jira/echo-secret?k=v`, { headers: { Authorization: auth, "X-Api-Key": "K1" } });
    const text = res.body.toString();
    expect(text).toContain(`Authorization: ${auth}`);
    expect(text).toContain("X-Api-Key: K1");
    expect(text).toContain("url: /jira/echo-secret?k=v");
    expect(text).toContain("basic: alice:s3cret");
    expect(res.header("x-echo-authorization")).toBe(auth);
  });

  it("split-secret writes the credential in two chunks 50 ms apart", async () => {
    const res = await httpGet(`${up.url}/split-secret`, { headers: { Authorization: "Bearer ABCDEFGH" } });
    expect(res.body.toString()).toBe("Bearer ABCDEFGH");
    expect(res.chunks.map((c) => c.data.toString())).toEqual(["Bearer ", "ABCDEFGH"]);
    expect((res.chunks[1]?.at ?? 0) - (res.chunks[0]?.at ?? 0)).toBeGreaterThanOrEqual(25);
  });

  it("split-secret falls back to x-api-key, then the raw URL", async () => {
    expect((await httpGet(`${up.url}/split-secret`, { headers: { "X-Api-Key": "KEY" } })).body.toString()).toBe("KEY");
    expect((await httpGet(`${up.url}/l/split-secret?api_key=Q`)).body.toString()).toBe("/l/split-secret?api_key=Q");
  });

  it("redirect-cross and redirect-307 point at the evil origin, ?to= overrides", async () => {
    const r302 = await httpGet(`${up.url}/api/redirect-cross`);
    expect([r302.status, r302.header("location")]).toEqual([302, `${evil.url}/steal`]);
    const r307 = await httpGet(`${up.url}/api/redirect-307`, { method: "POST", body: "x" });
    expect([r307.status, r307.header("location")]).toEqual([307, `${evil.url}/steal`]);
    const to = await httpGet(`${up.url}/redirect-cross?to=${encodeURIComponent("http://127.0.0.66:9/")}`);
    expect(to.header("location")).toBe("http://127.0.0.66:9/steal");
    const bad = await httpGet(`${up.url}/redirect-cross?to=${encodeURIComponent("http://e\r\nX-Injected: 1")}`);
    expect(bad.status).toBe(500);
    expect(evil.requests).toEqual([]);
  });

  it("set-cookie sends every header a proxy must drop", async () => {
    const res = await httpGet(`${up.url}/set-cookie`);
    const pairs: string[] = [];
    for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        "Set-Cookie: session=abc", "Set-Cookie2: x=1", "Authentication-Info: nextnonce=1",
        "Proxy-Authenticate: Basic", "WWW-Authenticate: Bearer", "X-Proxy-Provider: spoofed",
        "X-Request-Id: spoofed", "Connection: x-hop", "X-Hop: 1", "Keep-Alive: timeout=5",
      ]),
    );
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
  });

  it("binary answers binaryBody(n) with Content-Length; every byte value appears", async () => {
    const res = await httpGet(`${up.url}/binary?bytes=5000`);
    expect(res.header("content-length")).toBe("5000");
    expect(res.header("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(res.body)).toEqual(binaryBody(5000));
    expect(new Set(binaryBody(300)).size).toBe(256);
    expect(binaryBody(1000)).toEqual(binaryBody(1000));
    expect((await httpGet(`${up.url}/binary`)).body.length).toBe(1024 * 1024);
  });

  it("echo-body answers the exact request bytes and content type", async () => {
    const body = binaryBody(70_000);
    const res = await httpGet(`${up.url}/echo-body`, { method: "POST", headers: { "Content-Type": "image/x-test" }, body });
    expect(res.header("content-type")).toBe("image/x-test");
    expect(new Uint8Array(res.body)).toEqual(body);
  });

  it("429 passes ?ra= through as Retry-After", async () => {
    const date = "Wed, 21 Oct 2015 07:28:00 GMT";
    const a = await httpGet(`${up.url}/bn/429?ra=${encodeURIComponent(date)}`);
    expect([a.status, a.header("retry-after")]).toEqual([429, date]);
    const b = await httpGet(`${up.url}/429`);
    expect([b.status, b.header("retry-after")]).toEqual([429, undefined]);
  });

  it("status/NNN answers NNN; 204 and 304 without a body", async () => {
    for (const code of [204, 304]) {
      const res = await httpGet(`${up.url}/x/status/${code}`);
      expect([res.status, res.body.length]).toEqual([code, 0]);
    }
    const teapot = await httpGet(`${up.url}/x/status/418?q=1`);
    expect(teapot.status).toBe(418);
    expect(JSON.parse(teapot.body.toString())).toEqual({ status: 418 });
  });

  it("gzip answers a gzip-encoded JSON body", async () => {
    const res = await httpGet(`${up.url}/gzip`);
    expect(res.header("content-encoding")).toBe("gzip");
    expect(JSON.parse(gunzipSync(res.body).toString())).toEqual({ ok: true, encoding: "gzip" });
  });

  it("chooses by the last path segment only, never the query", async () => {
    const res = await httpGet(`${up.url}/status/echo?x=/hang`);
    expect(JSON.parse(res.body.toString())).toMatchObject({ url: "/status/echo?x=/hang" });
  });
});
