/**
 * Transport and token-endpoint failures (security-cases.md SEC-66, SEC-132 on Node; invariants 1
 * and 2): refused connections, unresolvable hosts, untrusted certificates, resets before and
 * during an answer, and failing or redirecting OAuth token endpoints. Every answer has a fixed
 * text: no URL, host, port, query, error text or secret.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigSource } from "@outpost/core";
import { findLeaks, freePort, type RecordingUpstream, startEvilOrigin, startTokenEndpoint, type TokenEndpoint } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, type Fixture, sleep, startFixture } from "./support/fixture.js";

let fx: Fixture;
let tokenEvil: RecordingUpstream;
let redirectingToken: TokenEndpoint;
const servers: (NetServer | HttpServer | HttpsServer)[] = [];
const sockets = new Set<Socket>();

function listen<T extends NetServer | HttpServer | HttpsServer>(server: T): Promise<number> {
  servers.push(server);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

/** Accepts, reads the request head, then resets the connection without answering. */
async function resettingUpstream(): Promise<number> {
  return listen(createNetServer((socket) => socket.once("data", () => socket.resetAndDestroy())));
}

/**
 * Answers 200, sends 10 bytes of the body, then resets: with a declared 1000-byte length, or
 * chunked (streamed) when the request target contains "chunked".
 */
async function truncatingUpstream(): Promise<number> {
  return listen(
    createNetServer((socket) =>
      socket.once("data", (head: Buffer) => {
        const chunked = head.toString("latin1").split("\r\n")[0]!.includes("chunked");
        const framing = chunked ? "Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n" : "Content-Length: 1000\r\n\r\n0123456789";
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${framing}`);
        setTimeout(() => socket.resetAndDestroy(), 50);
      }),
    ),
  );
}

/** An https upstream whose certificate nobody trusts (self-signed, generated per run). */
async function selfSignedUpstream(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "outpost-sec-tls-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"], { stdio: "ignore" });
  return listen(createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end("tls ok")));
}

/** A token endpoint that fails: 500 with the received form (client secret included) echoed back. */
const failingMints: string[] = [];
async function failingTokenEndpoint(): Promise<number> {
  return listen(
    createHttpServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        failingMints.push(body);
        res.writeHead(500, { "Content-Type": "text/plain" }).end(`token endpoint broke on: ${body}`);
      });
    }),
  );
}

beforeAll(async () => {
  const closed = await freePort();
  const failingToken = await failingTokenEndpoint();
  // SEC-132 on Node: a token endpoint redirecting to a second evil origin.
  tokenEvil = await startEvilOrigin();
  redirectingToken = await startTokenEndpoint([], tokenEvil.url);
  const reset = await resettingUpstream();
  const truncating = await truncatingUpstream();
  const tls = await selfSignedUpstream();
  const p = (file: string, text: string): ConfigSource => ({ file, text });
  fx = await startFixture({
    extraProviders: (u) => [
      p("deadq.yaml", `name: deadq\nbase_url: http://127.0.0.1:${closed}/dead\nauth: {type: api_key_query, env: LEGACY_KEY, param: api_key}\n`),
      p("nxdomain.yaml", `name: nxdomain\nbase_url: http://nonexistent.invalid/x\ninsecure_http: true\nauth: {type: basic_auth, username_env: JIRA_USER, password_env: JIRA_TOKEN}\n`),
      p("reset.yaml", `name: reset\nbase_url: http://127.0.0.1:${reset}/r\nauth: {type: api_key_query, env: LEGACY_KEY, param: api_key}\n`),
      p("truncating.yaml", `name: truncating\nbase_url: http://127.0.0.1:${truncating}/t\nauth: {type: bearer_static, env: GH_TOKEN}\nscrub_responses: true\n`),
      p(
        "oauthfail.yaml",
        `name: oauthfail\nbase_url: ${u}/of\nauth: {type: oauth2_client_credentials, client_id_env: OA_ID, client_secret_env: OA_SECRET, token_url: "http://127.0.0.1:${failingToken}/token"}\n`,
      ),
      p(
        "oauthredirect.yaml",
        `name: oauthredirect\nbase_url: ${u}/or\nauth: {type: oauth2_client_credentials, client_id_env: OA_ID, client_secret_env: OA_SECRET, token_url: "${redirectingToken.url}"}\n`,
      ),
      p("selfsigned.yaml", `name: selfsigned\nbase_url: https://127.0.0.1:${tls}/s\nauth: {type: api_key_query, env: LEGACY_KEY, param: api_key}\n`),
    ],
  });
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
  await redirectingToken.close();
  await tokenEvil.close();
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The whole answer as bytes, framing included, for the sentinel scan of one exchange. */
const wire = (res: { responses: { raw: Uint8Array } }) => Buffer.from(res.responses.raw);

describe("SEC-66 transport errors answer with fixed texts", () => {
  const LEAKY = /127\.0\.0\.1|nonexistent|invalid|localhost|:\d{2,5}\b|https?:|ECONN|ENOTFOUND|EAI_|certificate|self.signed|api_key|SNTL_|\/dead|\/r\b|\/s\b/i;

  it("SEC-66 connection refused is 502 PROXY_UPSTREAM_ERROR without URL, port, query or error text", async () => {
    const res = await fx.send({ as: "exec", provider: "deadq", target: "/v1/x?token=abc" });
    expect([res.status, res.code]).toEqual([502, "PROXY_UPSTREAM_ERROR"]);
    expect(res.text).not.toMatch(LEAKY);
    expect(res.text).not.toContain("token=abc");
  });

  it("SEC-66 an unresolvable upstream host is 502 (or 504) with a fixed message", async () => {
    const res = await fx.send({ as: "exec", provider: "nxdomain", target: "/v1/x", timeoutMs: 15_000 });
    expect([`${res.status} ${res.code}`]).toEqual([expect.toBeOneOf(["502 PROXY_UPSTREAM_ERROR", "504 PROXY_UPSTREAM_TIMEOUT"])]);
    expect(res.text).not.toMatch(LEAKY);
  });

  it("SEC-66 an https upstream with a self-signed certificate is 502, never relayed, with a fixed message", async () => {
    const res = await fx.send({ as: "exec", provider: "selfsigned", target: "/v1/x" });
    expect([res.status, res.code]).toEqual([502, "PROXY_UPSTREAM_ERROR"]);
    expect(res.text).not.toMatch(LEAKY);
    expect(res.text).not.toContain("tls ok");
  });

  it("SEC-66 an upstream resetting before it answers is 502 with a fixed message", async () => {
    const res = await fx.send({ as: "exec", provider: "reset", target: "/v1/x" });
    expect([res.status, res.code]).toEqual([502, "PROXY_UPSTREAM_ERROR"]);
    expect(res.text).not.toMatch(LEAKY);
  });

  it("SEC-66 an upstream resetting mid-body (streamed) ends the agent's connection early; nothing is appended", async () => {
    const res = await fx.send({ as: "exec", provider: "truncating", target: "/v1/chunked" });
    expect(res.status).toBe(200);
    expect(res.responses[0]!.complete).toBe(false);
    expect(res.responses.closed).toBe(true);
    expect(res.responses).toHaveLength(1);
    expect(res.text).not.toContain("FAILURE");
  });

  it("SEC-66 an upstream resetting inside a declared-length body: a fixed 502, or a truncated relay; never a complete-looking answer", async () => {
    const res = await fx.send({ as: "exec", provider: "truncating", target: "/v1/sized" });
    if (res.status === 502) {
      expect(res.code).toBe("PROXY_UPSTREAM_ERROR");
      expect(res.text).not.toMatch(LEAKY);
    } else {
      expect(res.status).toBe(200);
      expect(res.responses[0]!.complete).toBe(false);
      expect(res.text).not.toContain("FAILURE");
    }
  });

  it("SEC-66 transport failures are logged with their code, never with the upstream URL or query", async () => {
    fx.logs.clear();
    await fx.send({ as: "exec", provider: "deadq", target: "/v1/y?q=secret-query-value" });
    const lines = fx.logs.json() as Record<string, unknown>[];
    expect(lines).toContainEqual(expect.objectContaining({ status: 502, error: "PROXY_UPSTREAM_ERROR", provider: "deadq" }));
    expect(fx.logs.text()).not.toMatch(/secret-query-value|127\.0\.0\.1:\d+\/dead/);
  });
});

describe("OAuth token endpoint failures", () => {
  it("a token endpoint answering 500 (echoing the client secret) is 502 PROXY_AUTH_ERROR with a fixed message; U is not reached", async () => {
    const res = await fx.refused({ as: "exec", provider: "oauthfail", target: "/v1/x" }, 502, "PROXY_AUTH_ERROR");
    expect(failingMints.length).toBeGreaterThanOrEqual(1);
    expect(failingMints[0]).toContain(encodeURIComponent(fx.secrets.OA_SECRET!));
    expect(findLeaks(wire(res), fx.secrets)).toEqual([]);
    expect(res.text).not.toMatch(/token endpoint broke|127\.0\.0\.1|\/token/);
  });

  it("a failing token endpoint is tried at most once per second per credential", async () => {
    await sleep(1100);
    const before = failingMints.length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => fx.send({ as: "exec", provider: "oauthfail", target: "/v1/y" })));
    const again = await fx.send({ as: "exec", provider: "oauthfail", target: "/v1/z" });
    expect([...answers, again].map((r) => r.status)).toEqual(Array(6).fill(502));
    expect(failingMints.length - before).toBe(1);
  });

  it("SEC-132 a token endpoint redirecting to an evil origin is a failed mint (502 PROXY_AUTH_ERROR); the secret is never re-sent", async () => {
    const res = await fx.refused({ as: "exec", provider: "oauthredirect", target: "/v1/x" }, 502, "PROXY_AUTH_ERROR");
    expect(redirectingToken.mints).toHaveLength(1);
    await sleep(50);
    expect(tokenEvil.requests).toHaveLength(0);
    expect(findLeaks(wire(res), fx.secrets)).toEqual([]);
  });
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
