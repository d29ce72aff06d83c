/**
 * Issue 6 item 3, invariant 1, SEC-64: an upstream that echoes the injected credential (header,
 * query) into its body and its `Location` header; the agent sees `[REDACTED]`, also when the echo
 * is split across two chunks 50 ms apart, with an exact `Content-Length` or chunked framing, and a
 * count of the replacements in `X-Proxy-Redacted`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { createLineSink, createSentinels, findLeaks, startTokenEndpoint, type TokenEndpoint } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger, type RunningServer, startServer } from "../src/index.js";

interface Seen {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly text: string;
}

/** What the credential looks like on the wire for each provider: its header value, or the query. */
function echoed(req: IncomingMessage): string {
  return req.headers.authorization ?? req.url ?? "";
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://upstream");
  const echo = echoed(req);
  const step = url.pathname.split("/").pop();
  const location = `http://127.0.0.66/next?seen=${encodeURIComponent(echo)}&raw=${echo}`;
  if (step === "echo") {
    const body = Buffer.from(`you sent: ${echo}\nand again: ${echo}\n`);
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length, Location: location });
    return void res.end(body);
  }
  if (step === "split") {
    const bytes = Buffer.from(`<<${echo}>>`);
    const mid = Math.floor(bytes.length / 2);
    res.writeHead(302, { "Content-Type": "text/plain", Location: location });
    res.write(bytes.subarray(0, mid));
    const timer = setTimeout(() => res.end(bytes.subarray(mid)), 50);
    return void res.on("close", () => clearTimeout(timer));
  }
  if (step === "split-sized") {
    const bytes = Buffer.from(`<<${echo}>>`);
    const mid = Math.floor(bytes.length / 2);
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": bytes.length });
    res.write(bytes.subarray(0, mid));
    const timer = setTimeout(() => res.end(bytes.subarray(mid)), 50);
    return void res.on("close", () => clearTimeout(timer));
  }
  if (step === "big") {
    const body = Buffer.concat([Buffer.alloc(200 * 1024, "a"), Buffer.from(echo), Buffer.alloc(10, "z")]);
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
    return void res.end(body);
  }
  if (step === "range") {
    const body = Buffer.from(`[${echo}]`);
    res.writeHead(206, { "Content-Type": "text/plain", "Content-Length": body.length, "Content-Range": `bytes 0-${body.length - 1}/999` });
    return void res.end(body);
  }
  if (step === "gzip") {
    const body = gzipSync(`compressed ${echo}`);
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Encoding": "gzip", "Content-Length": body.length });
    return void res.end(body);
  }
  if (step === "cached") {
    const body = Buffer.from(`{"token":"${echo}"}`);
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length, Link: `<${location}>; rel="next"`, "Cache-Control": "max-age=60" });
    return void res.end(body);
  }
  res.writeHead(404).end();
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("response scrubbing: the agent sees [REDACTED]", () => {
  const secrets = createSentinels(["BEARER", "QUERY_KEY", "PLAIN", "CLIENT_SECRET", "MINTED"]);
  const sink = createLineSink();
  const seen: Seen[] = [];
  let upstream: Server;
  let tokens: TokenEndpoint;
  let proxy: RunningServer;

  async function call(provider: string, path: string, init: RequestInit = {}): Promise<Seen> {
    const res = await fetch(`${proxy.url}${path}`, { redirect: "manual", ...init, headers: { "X-Provider": provider, ...(init.headers as Record<string, string>) } });
    const body = Buffer.from(await res.arrayBuffer());
    const exchange = { status: res.status, headers: res.headers, body, text: body.toString("latin1") };
    seen.push(exchange);
    return exchange;
  }

  beforeAll(async () => {
    upstream = createServer(answer);
    const base = await listen(upstream);
    tokens = await startTokenEndpoint([secrets.MINTED!]);
    const providers = [
      { file: "bearer.yaml", text: `name: bearer\nbase_url: ${base}/b\nauth: {type: bearer_static, env: BEARER}\nforwarding: {default_cache_ttl: 30}\n` },
      { file: "query.yaml", text: `name: query\nbase_url: ${base}/q\nauth: {type: api_key_query, env: QUERY_KEY, param: key}\n` },
      { file: "plain.yaml", text: `name: plain\nbase_url: ${base}/p\nauth: {type: bearer_static, env: PLAIN}\nscrub_responses: false\n` },
      {
        file: "oauth.yaml",
        text: `name: oauth\nbase_url: ${base}/o\nauth: {type: oauth2_client_credentials, client_id_env: CLIENT_ID, client_secret_env: CLIENT_SECRET, token_url: ${tokens.url}}\n`,
      },
    ];
    const config = loadConfig({ providers, secrets: secretsFromRecord({ ...secrets, CLIENT_ID: "outpost" }) });
    const logger = createJsonLogger({ write: (line) => sink.write(line), warn: (line) => sink.write(line) });
    proxy = await startServer({ config, port: 0, logger });
  });

  afterAll(async () => {
    await proxy.close(1000);
    await tokens.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("an echoed bearer token becomes [REDACTED] in the body and the Location header, counted in X-Proxy-Redacted", async () => {
    const res = await call("bearer", "/echo");
    expect(res.status).toBe(200);
    expect(res.text).toBe("you sent: Bearer [REDACTED]\nand again: Bearer [REDACTED]\n");
    expect(res.headers.get("location")).toBe(`http://127.0.0.66/next?seen=Bearer%20[REDACTED]&raw=Bearer [REDACTED]`);
    expect(res.headers.get("content-length")).toBe(String(res.body.length));
    expect(res.headers.get("x-proxy-redacted")).toBe("4");
  });

  it("an api_key_query credential echoed back through the URL becomes [REDACTED] in the body and the Location header", async () => {
    const res = await call("query", "/echo?page=2");
    expect(res.status).toBe(200);
    expect(res.text).toBe("you sent: /q/echo?page=2&key=[REDACTED]\nand again: /q/echo?page=2&key=[REDACTED]\n");
    expect(res.headers.get("location")).toContain("&raw=/q/echo?page=2&key=[REDACTED]");
    expect(res.headers.get("location")).not.toContain(secrets.QUERY_KEY);
    expect(res.headers.get("content-length")).toBe(String(res.body.length));
  });

  it("an echo split across two chunks 50 ms apart, with no Content-Length, is still [REDACTED] (streamed, chunked)", async () => {
    for (const provider of ["bearer", "query"]) {
      const res = await call(provider, "/split");
      expect(res.status).toBe(302);
      expect(res.text).toMatch(/^<<.*\[REDACTED\]>>$/);
      expect(res.headers.get("content-length")).toBeNull();
      expect(res.headers.get("location")).toContain("[REDACTED]");
    }
  });

  it("an echo split across two chunks of a sized body is [REDACTED] and the length re-measured", async () => {
    const res = await call("bearer", "/split-sized");
    expect(res.text).toBe("<<Bearer [REDACTED]>>");
    expect(res.headers.get("content-length")).toBe(String(res.body.length));
    expect(res.headers.get("x-proxy-redacted")).toBe("1");
  });

  it("a body larger than the hold limit is streamed without Content-Length and still scrubbed", async () => {
    const res = await call("bearer", "/big");
    expect(res.headers.get("content-length")).toBeNull();
    expect(res.body.length).toBe(200 * 1024 + "Bearer [REDACTED]".length + 10);
    expect(res.text.endsWith("Bearer [REDACTED]zzzzzzzzzz")).toBe(true);
  });

  it("a 206 keeps its Content-Range true: the credential is masked byte for byte", async () => {
    const res = await call("bearer", "/range");
    expect(res.status).toBe(206);
    expect(res.text).toBe(`[Bearer ${"*".repeat(secrets.BEARER!.length)}]`);
    expect(res.headers.get("content-length")).toBe(String(res.body.length));
  });

  it("a token minted by OAuth2 and echoed back is [REDACTED]", async () => {
    const res = await call("oauth", "/echo");
    expect(res.status).toBe(200);
    expect(res.text).toBe("you sent: Bearer [REDACTED]\nand again: Bearer [REDACTED]\n");
    expect(tokens.mints).toHaveLength(1);
  });

  it("a cached answer replays scrubbed: body and Link header both [REDACTED], from the first byte of the cache", async () => {
    const first = await call("bearer", "/cached");
    const again = await call("bearer", "/cached");
    expect(first.headers.get("x-proxy-cache")).toBe("MISS");
    expect(again.headers.get("x-proxy-cache")).toBe("HIT");
    for (const res of [first, again]) {
      expect(res.text).toBe('{"token":"Bearer [REDACTED]"}');
      expect(res.headers.get("link")).toContain("[REDACTED]");
    }
  });

  it("a compressed answer from a scrubbed provider is refused (502), never relayed unchecked or decompressed", async () => {
    const res = await call("bearer", "/gzip", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error.code).toBe("PROXY_UPSTREAM_ERROR");
  });

  it("with scrub_responses: false, answers pass untouched, compressed ones without decompression", async () => {
    const res = await call("plain", "/gzip", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    // fetch decodes it: that it could proves the gzip bytes arrived intact.
    expect(res.text).toBe(`compressed Bearer ${secrets.PLAIN}`);
    // The operator turned scrubbing off for this provider: what it echoes is its own business.
    seen.pop();
  });

  it("no sentinel of a scrubbed provider reaches any answer or log line", () => {
    const { PLAIN: _off, ...scrubbed } = secrets;
    const answers = seen.map((s) => `${s.status}\n${[...s.headers].map(([n, v]) => `${n}: ${v}`).join("\n")}\n${s.text}`).join("\n");
    const leaks = [...findLeaks(answers, scrubbed), ...findLeaks(sink.lines.join("\n"), secrets)];
    expect(leaks).toEqual([]);
  });
});
