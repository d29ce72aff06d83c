import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryBody, rawHttp, rawRequest, type RecordingUpstream, ResponseParser, startRecordingUpstream } from "../src/index.js";

let up: RecordingUpstream;
beforeAll(async () => {
  up = await startRecordingUpstream();
});
afterAll(() => up.close());

describe("rawRequest", () => {
  it("parses two pipelined responses from one write and stays open", async () => {
    up.clear();
    const res = await rawRequest({
      port: up.port,
      data: "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two/echo HTTP/1.1\r\nHost: x\r\n\r\n",
    });
    expect(res.map((r) => r.status)).toEqual([200, 200]);
    expect(res[0]?.json()).toEqual({ ok: true });
    expect(res[1]?.json()).toMatchObject({ url: "/two/echo" });
    expect(res.closed).toBe(false);
    expect(up.requests.map((r) => r.url)).toEqual(["/one", "/two/echo"]);
  });

  it("de-chunks a chunked response", async () => {
    const [res] = await rawHttp(up.port, ["GET /split-secret HTTP/1.1", "Host: x", "Authorization: Bearer T0K3N"]);
    expect(res?.header("transfer-encoding")).toBe("chunked");
    expect(res?.text()).toBe("Bearer T0K3N");
    expect(res?.complete).toBe(true);
  });

  it("reads a close-delimited HTTP/1.0 body and reports the close", async () => {
    const res = await rawHttp(up.port, ["GET /huge?bytes=300000 HTTP/1.0", "Host: x"]);
    expect(res[0]?.body.length).toBe(300000);
    expect(res.closed).toBe(true);
  });

  it("gets Node's bare 400 for a malformed request, and the close", async () => {
    const res = await rawRequest({ port: up.port, data: "GET / HTTP/1.1\r\nBad Header\r\n\r\n" });
    expect(res.map((r) => r.status)).toEqual([400]);
    expect(res[0]?.header("connection")).toBe("close");
    expect(res.closed).toBe(true);
  });

  it("gets 431 for oversized headers from a default Node server", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await rawHttp(port, ["GET / HTTP/1.1", "Host: x", `X-Big: ${"a".repeat(20_000)}`]);
      expect(res[0]?.status).toBe(431);
      expect(res.closed).toBe(true);
    } finally {
      server.close();
    }
  });

  it("knows HEAD responses have no body, also when pipelined", async () => {
    const res = await rawRequest({
      port: up.port,
      data: "HEAD /binary?bytes=10 HTTP/1.1\r\nHost: x\r\n\r\nGET /binary?bytes=10 HTTP/1.1\r\nHost: x\r\n\r\n",
      expectResponses: 2,
    });
    expect(res[0]?.header("content-length")).toBe("10");
    expect(res[0]?.body.length).toBe(0);
    expect(res[1]?.body).toEqual(binaryBody(10));
  });

  it("binds localAddress, and the server sees that peer", async () => {
    up.clear();
    const res = await rawHttp(up.port, ["GET /peer HTTP/1.1", "Host: x"], { localAddress: "127.0.0.11", expectResponses: 1 });
    expect(res[0]?.status).toBe(200);
    expect(up.requests[0]?.remoteAddress).toBe("127.0.0.11");
  });

  it("sends a body after the head and keeps raw bytes", async () => {
    const res = await rawHttp(up.port, ["POST /echo-body HTTP/1.1", "Host: x", "Content-Length: 4", "Connection: close"], {
      body: "ping",
    });
    expect(res[0]?.text()).toBe("ping");
    expect(res.closed).toBe(true);
    expect(Buffer.from(res.raw).toString("latin1")).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nping$/);
  });

  it("rejects on timeout when nothing answers, and on connect errors", async () => {
    await expect(rawHttp(up.port, ["GET /hang HTTP/1.1", "Host: x"], { timeoutMs: 200 })).rejects.toThrow(/timed out/);
    await expect(rawHttp(1, ["GET / HTTP/1.1"], { timeoutMs: 1000 })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("ResponseParser", () => {
  it("handles byte-by-byte input, 1xx interim responses, trailers and truncation", () => {
    const p = new ResponseParser();
    const wire =
      "HTTP/1.1 100 Continue\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n1\r\nd\r\n0\r\nX-T: 1\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort";
    for (const byte of Buffer.from(wire)) p.push(Uint8Array.of(byte));
    p.end();
    expect(p.responses.map((r) => [r.status, r.text(), r.complete])).toEqual([
      [100, "", true],
      [200, "abcd", true],
      [200, "short", false],
    ]);
    expect(p.responses[1]?.trailers).toEqual([["X-T", "1"]]);
    expect(p.finalCount).toBe(2);
  });

  it("joins duplicate headers in header() and rejects conflicting Content-Length", () => {
    const p = new ResponseParser();
    p.push(Buffer.from("HTTP/1.1 204 No Content\r\nSet-Cookie: a\r\nset-cookie: b\r\n\r\n"));
    expect(p.responses[0]?.header("SET-COOKIE")).toBe("a, b");
    expect(() => new ResponseParser().push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"))).toThrow(
      /Content-Length/,
    );
  });
});
