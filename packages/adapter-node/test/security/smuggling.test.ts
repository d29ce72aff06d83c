/**
 * Request smuggling and parser edge cases (security-cases.md H and SEC-8, SEC-10, SEC-54): a raw
 * TCP client sends exact bytes from chosen loopback addresses. Whatever the framing trick, every
 * request the proxy evaluates is the one it forwards, and a malformed one is refused, its
 * connection closed, and nothing after it evaluated.
 */
import { connect } from "node:net";
import { ResponseParser, type RawResponse } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, type Fixture, FROM, startFixture } from "./support/fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
});

/** Head lines of a request from exec, with exec's PSK. */
const head = (requestLine: string, extra: string[] = [], provider = "github") =>
  [requestLine, "Host: proxy", `X-Provider: ${provider}`, `X-Outpost-Auth: ${fx.secrets.PSK_X}`, ...extra].join("\r\n") + "\r\n\r\n";

/** A complete request for `target` from exec (the trailing request of smuggling attempts). */
const denied = () => head("GET /user/keys HTTP/1.1");

/** Log lines for a path: proof that a trailing request was, or was not, evaluated at all. */
const loggedPaths = () => (fx.logs.json() as { path?: string }[]).map((l) => l.path);

/**
 * Sends `data` from exec and asserts the parser-level refusal: one 4xx without the proxy's
 * envelope (or with it, where the proxy decided), the connection closed, nothing forwarded, and
 * nothing after the malformed request evaluated.
 */
async function expectParserRefusal(data: string | Buffer, statuses: readonly number[] = [400]) {
  fx.logs.clear();
  const responses = await fx.nothingForwarded(() => fx.raw(typeof data === "string" ? Buffer.from(data, "latin1") : data, FROM.exec, { idleMs: 300 }));
  expect(responses.map((r) => r.status)).toEqual([expect.toBeOneOf([...statuses])]);
  expect(responses.closed).toBe(true);
  expect(loggedPaths()).not.toContain("/user/keys");
  return responses;
}

/** One keep-alive connection: each request is written only after the previous answer arrived. */
function sequential(requests: string[], from: string): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const parser = new ResponseParser(() => false);
    const socket = connect({ port: fx.port, host: "127.0.0.1", localAddress: from });
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`only ${parser.finalCount} answers`))), 5000);
    let sent = 0;
    const next = () => socket.write(requests[sent++]!);
    socket.on("connect", next);
    socket.on("data", (chunk: Buffer) => {
      parser.push(chunk);
      if (!parser.idle || parser.finalCount < sent) return;
      if (sent < requests.length) next();
      else {
        clearTimeout(timer);
        socket.destroy();
        fx.transcript.push(parser.responses.map((r) => `${r.status}\n${JSON.stringify(r.headers)}\n${r.text()}`).join("\n"));
        resolve(parser.responses);
      }
    });
    socket.on("error", (e) => (clearTimeout(timer), reject(e)));
  });
}

describe("SEC-86 Content-Length and Transfer-Encoding disagreements", () => {
  it("SEC-86 Content-Length plus Transfer-Encoding is 400, the connection closes and the smuggled request is never evaluated", async () => {
    await expectParserRefusal(head("POST /search/code HTTP/1.1", ["Content-Length: 4", "Transfer-Encoding: chunked"]) + "0\r\n\r\n" + denied());
  });

  it("SEC-86 Transfer-Encoding before Content-Length is refused the same way", async () => {
    await expectParserRefusal(head("POST /search/code HTTP/1.1", ["Transfer-Encoding: chunked", "Content-Length: 30"]) + "0\r\n\r\n" + denied());
  });

  it.each([
    ["an unknown coding (xchunked)", ["Transfer-Encoding: xchunked"]],
    ["chunked not last (chunked, identity)", ["Transfer-Encoding: chunked, identity"]],
    ["identity with a Content-Length", ["Transfer-Encoding: identity", "Content-Length: 5"]],
    ["whitespace before the colon", ["Transfer-Encoding : chunked"]],
    ["two Transfer-Encoding lines", ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"]],
  ])("an obfuscated Transfer-Encoding (%s) is 400 and nothing behind it is evaluated", async (_name, lines) => {
    await expectParserRefusal(head("POST /search/code HTTP/1.1", lines) + "0\r\n\r\n" + denied());
  });

  it.each([
    ["two equal lines", ["Content-Length: 2", "Content-Length: 2"]],
    ["two different lines", ["Content-Length: 2", "Content-Length: 30"]],
    ["a list", ["Content-Length: 2, 2"]],
    ["a sign", ["Content-Length: +2"]],
    ["a negative value", ["Content-Length: -1"]],
  ])("an ambiguous Content-Length (%s) is 400 and nothing behind it is evaluated", async (_name, lines) => {
    await expectParserRefusal(head("POST /search/code HTTP/1.1", lines) + "{}" + denied());
  });

  it.each([
    ["a 0x prefix", "0x2\r\n{}\r\n0\r\n\r\n"],
    ["an overflowing size", "fffffffffffffffff1\r\n{}\r\n0\r\n\r\n"],
    ["bare LF framing", "2\n{}\n0\n\n"],
  ])("a malformed chunk (%s) is 400 and nothing behind it is evaluated", async (_name, body) => {
    await expectParserRefusal(head("POST /search/code HTTP/1.1", ["Transfer-Encoding: chunked"]) + body + denied());
  });

  it("a body that spells a request (Content-Length) is forwarded as a body, never evaluated as a request", async () => {
    const inner = denied();
    fx.logs.clear();
    const before = fx.upstream.requests.length;
    const res = await fx.raw(head("POST /search/code HTTP/1.1", [`Content-Length: ${inner.length}`]) + inner, FROM.exec, { expectResponses: 1 });
    expect(res.map((r) => r.status)).toEqual([200]);
    const forwarded = fx.upstream.requests.slice(before);
    expect(forwarded.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /api/search/code"]);
    expect(Buffer.from(forwarded[0]!.body).toString("latin1")).toBe(inner);
    expect(loggedPaths()).not.toContain("/user/keys");
  });

  it("a chunked body that spells a request is forwarded as a body, never evaluated as a request", async () => {
    const inner = denied();
    fx.logs.clear();
    const before = fx.upstream.requests.length;
    const chunked = `${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`;
    const res = await fx.raw(head("POST /search/code HTTP/1.1", ["Transfer-Encoding: chunked"]) + chunked, FROM.exec, { expectResponses: 1 });
    expect(res.map((r) => r.status)).toEqual([200]);
    expect(fx.upstream.requests.slice(before).map((r) => Buffer.from(r.body).toString("latin1"))).toEqual([inner]);
    expect(loggedPaths()).not.toContain("/user/keys");
  });
});

describe("SEC-91 pipelining: every request on a connection is checked on its own", () => {
  it("SEC-91 two pipelined requests in one write: 200 then 403 PROXY_PATH_DENIED; U records only the first", async () => {
    const before = fx.upstream.requests.length;
    const res = await fx.raw(head("GET /repos/a/b/p1 HTTP/1.1") + denied(), FROM.exec, { expectResponses: 2 });
    expect(res.map((r) => r.status)).toEqual([200, 403]);
    expect((res[1]!.json() as { error: { code: string } }).error.code).toBe("PROXY_PATH_DENIED");
    expect(fx.upstream.requests.slice(before).map((r) => r.url)).toEqual(["/api/repos/a/b/p1"]);
  });

  it("SEC-91 the same two requests one after the other on one keep-alive connection: 200 then 403", async () => {
    const before = fx.upstream.requests.length;
    const res = await sequential([head("GET /repos/a/b/p2 HTTP/1.1"), denied()], FROM.exec);
    expect(res.map((r) => r.status)).toEqual([200, 403]);
    expect(fx.upstream.requests.slice(before).map((r) => r.url)).toEqual(["/api/repos/a/b/p2"]);
  });

  it("the PSK is checked per request, not per connection: a second request without it is 401", async () => {
    const before = fx.upstream.requests.length;
    const second = ["GET /repos/a/b/p3 HTTP/1.1", "Host: proxy", "X-Provider: github", "", ""].join("\r\n");
    const res = await sequential([head("GET /repos/a/b/p3 HTTP/1.1"), second], FROM.research);
    expect(res.map((r) => r.status)).toEqual([401, 401]);
    const okFirst = await sequential([head("GET /repos/a/b/p4 HTTP/1.1"), second], FROM.exec);
    expect(okFirst.map((r) => r.status)).toEqual([200, 401]);
    expect(fx.upstream.requests.slice(before).map((r) => r.url)).toEqual(["/api/repos/a/b/p4"]);
  });

  it("a write refused on a keep-alive connection does not poison the next request's provider or host", async () => {
    const before = fx.upstream.requests.length;
    const write = ["DELETE /v1/refunds/r1 HTTP/1.1", "Host: proxy", "X-Provider: stripe", `X-Outpost-Auth: ${fx.secrets.PSK_R}`, "", ""].join("\r\n");
    const read = ["GET /repos/a/b/p5 HTTP/1.1", "Host: proxy", "X-Provider: github", `X-Outpost-Auth: ${fx.secrets.PSK_R}`, "", ""].join("\r\n");
    const res = await fx.raw(write + read, FROM.research, { expectResponses: 2 });
    expect(res.map((r) => r.status)).toEqual([403, 200]);
    expect(fx.upstream.requests.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual(["GET /api/repos/a/b/p5"]);
  });
});

describe("SEC-92 oversized heads", () => {
  it("SEC-92 one 20 KiB header is 431 and the connection closes", async () => {
    await expectParserRefusal(head("GET /repos/a/b HTTP/1.1", [`X-Big: ${"a".repeat(20 * 1024)}`]), [431]);
  });

  it("SEC-92 1,000 small headers are 431 and the connection closes", async () => {
    await expectParserRefusal(head("GET /repos/a/b HTTP/1.1", Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${"v".repeat(16)}`)), [431]);
  });

  it("SEC-92 a 100 KiB request line is refused (431, 414 or 400) and the connection closes", async () => {
    await expectParserRefusal(head(`GET /repos/a/${"b".repeat(100 * 1024)} HTTP/1.1`), [400, 414, 431]);
  });
});

describe("request-target forms (SEC-8)", () => {
  it.each(["http", "https", "ftp"])("SEC-8 an absolute-form %s:// target naming the evil origin is 400 PROXY_BAD_REQUEST; U and E record nothing", async (scheme) => {
    const res = await fx.nothingForwarded(() => fx.raw(head(`GET ${scheme}://127.0.0.66:${fx.evil.port}/repos/x/y HTTP/1.1`), FROM.exec, { expectResponses: 1 }));
    expect(res.map((r) => r.status)).toEqual([400]);
    expect((res[0]!.json() as { error: { code: string } }).error.code).toBe("PROXY_BAD_REQUEST");
  });

  it("an asterisk-form target (OPTIONS *) is 400 PROXY_BAD_REQUEST", async () => {
    const res = await fx.nothingForwarded(() => fx.raw(head("OPTIONS * HTTP/1.1"), FROM.exec, { expectResponses: 1 }));
    expect(res.map((r) => [r.status, (r.json() as { error: { code: string } }).error.code])).toEqual([[400, "PROXY_BAD_REQUEST"]]);
  });

  it("CONNECT to the evil origin never opens a tunnel: no 2xx, U and E record nothing", async () => {
    const res = await fx.nothingForwarded(() => fx.raw(head(`CONNECT 127.0.0.66:${fx.evil.port} HTTP/1.1`), FROM.exec, { idleMs: 300 }));
    expect(res.filter((r) => r.status < 300)).toEqual([]);
    expect(res.closed).toBe(true);
  });
});

describe("malformed request lines and header fields", () => {
  it.each([
    ["a raw NUL (SEC-10)", "GET /user/keys\0 HTTP/1.1"],
    ["a raw CR", "GET /user/keys\r HTTP/1.1"],
    ["a raw TAB", "GET /repos/a/b\tx HTTP/1.1"],
    ["raw non-ASCII bytes", "GET /\xc3\xbcn\xc3\xaf/x HTTP/1.1"],
    ["an unknown HTTP version", "GET /repos/a/b HTTP/1.2"],
  ])("a request line with %s is 400 and the connection closes", async (_name, line) => {
    await expectParserRefusal(head(line));
  });

  it.each(["get", "Get", "post", "tRACE"])("the lower- or mixed-case method %j is refused by the parser", async (method) => {
    await expectParserRefusal(head(`${method} /repos/a/b HTTP/1.1`));
  });

  it("SEC-54 raw TRACK is refused by the parser (400); raw TRACE by the proxy (405 PROXY_METHOD_NOT_ALLOWED)", async () => {
    await expectParserRefusal(head("TRACK /v1/x HTTP/1.1", [], "stripe"));
    const res = await fx.nothingForwarded(() => fx.raw(head("TRACE /v1/x HTTP/1.1", [], "stripe"), FROM.exec, { expectResponses: 1 }));
    expect(res.map((r) => [r.status, (r.json() as { error: { code: string } }).error.code])).toEqual([[405, "PROXY_METHOD_NOT_ALLOWED"]]);
  });

  it.each([
    ["bare LF line endings", `GET /repos/a/b HTTP/1.1\nHost: proxy\nX-Provider: github\nX-Outpost-Auth: PSK\n\n`],
    ["an obs-folded header", "GET /repos/a/b HTTP/1.1\r\nHost: proxy\r\nX-Provider: github\r\n  stripe\r\nX-Outpost-Auth: PSK\r\n\r\n"],
    ["whitespace between X-Provider and its colon", "GET /repos/a/b HTTP/1.1\r\nHost: proxy\r\nX-Provider : stripe\r\nX-Outpost-Auth: PSK\r\n\r\n"],
    ["a header line without a colon", "GET /repos/a/b HTTP/1.1\r\nHost: proxy\r\nX-Provider: github\r\nX-Outpost-Auth: PSK\r\nGarbage\r\n\r\n"],
    ["a control character in a header value", "GET /repos/a/b HTTP/1.1\r\nHost: proxy\r\nX-Provider: git\x01hub\r\nX-Outpost-Auth: PSK\r\n\r\n"],
    ["no Host on HTTP/1.1", "GET /repos/a/b HTTP/1.1\r\nX-Provider: github\r\nX-Outpost-Auth: PSK\r\n\r\n"],
  ])("a head with %s is 400 and the connection closes", async (_name, data) => {
    await expectParserRefusal(data.replace("PSK", fx.secrets.PSK_X!));
  });

  it("an HTTP/1.0 request (no Host) is still routed through policy: a denied path is 403", async () => {
    const res = await fx.nothingForwarded(() => fx.raw(["GET /user/keys HTTP/1.0", "X-Provider: github", `X-Outpost-Auth: ${fx.secrets.PSK_X}`, "", ""].join("\r\n"), FROM.exec));
    expect(res.map((r) => r.status)).toEqual([403]);
  });

  it("an HTTP/0.9-style request line (no version, no headers) is never forwarded", async () => {
    const res = await fx.nothingForwarded(() => fx.raw("GET /user/keys\r\n\r\n", FROM.exec));
    expect(res.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
  });

  it("a non-ASCII X-Provider value is an unknown provider, not a near match", async () => {
    const res = await fx.nothingForwarded(() => fx.raw(Buffer.from(head("GET /repos/a/b HTTP/1.1", [], "g\xefthub"), "latin1"), FROM.exec, { expectResponses: 1 }));
    expect(res.map((r) => [r.status, (r.json() as { error: { code: string } }).error.code])).toEqual([[400, "PROXY_UNKNOWN_PROVIDER"]]);
  });

  it("Expect: 100-continue on a denied path: the final answer is 403 and the body is never forwarded", async () => {
    const res = await fx.nothingForwarded(() => fx.raw(head("POST /user/keys HTTP/1.1", ["Expect: 100-continue", "Content-Length: 5"]), FROM.exec, { expectResponses: 1 }));
    // Node may send an interim 100 Continue first; the final answer is what matters.
    expect(res.filter((r) => r.status >= 200).map((r) => r.status)).toEqual([403]);
  });
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
