/**
 * Resource exhaustion (security-cases.md I; invariant 8: bodies, headers and waits are bounded).
 * The server runs with short client timeouts (header 2 s, body idle 1 s) so slow clients can be
 * shown to be cut off while others are served. Memory is the test process's RSS: the proxy runs
 * in it, so a proxy that buffered a body would show here.
 */
import { request as httpRequest } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { ConfigSource } from "@outpost/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, type Fixture, FROM, sleep, startFixture } from "./support/fixture.js";

const HEADER_TIMEOUT_MS = 2000;
const BODY_IDLE_TIMEOUT_MS = 1000;
const MiB = 1024 * 1024;

let fx: Fixture;
/** Upstream that accepts connections and never answers; tracks its open sockets. */
let blackhole: { server: Server; open: Set<Socket>; accepted: number };
/** Upstream that answers 200 and streams forever until its socket closes. */
let endless: { server: Server; open: Set<Socket>; bytes: number };

function tracked(onSocket: (socket: Socket) => void): { server: Server; open: Set<Socket> } {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => {});
    onSocket(socket);
  });
  return { server, open };
}

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));

beforeAll(async () => {
  // Reads (and ignores) what it is sent: an unread socket would never see the proxy's FIN.
  const hole = tracked((socket) => {
    socket.resume();
    blackhole.accepted += 1;
  });
  blackhole = { ...hole, accepted: 0 };
  const chunk = Buffer.alloc(64 * 1024, "e");
  const flow = tracked((socket) =>
    socket.once("data", () => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
      const pump = () => {
        while (!socket.destroyed) {
          endless.bytes += chunk.length;
          if (!socket.write(`${chunk.length.toString(16)}\r\n`) || !socket.write(chunk) || !socket.write("\r\n")) return void socket.once("drain", pump);
        }
      };
      pump();
    }),
  );
  endless = { ...flow, bytes: 0 };
  const holePort = await listen(blackhole.server);
  const endlessPort = await listen(endless.server);
  const p = (file: string, text: string): ConfigSource => ({ file, text });
  fx = await startFixture({
    limits: { headerTimeoutMs: HEADER_TIMEOUT_MS, bodyIdleTimeoutMs: BODY_IDLE_TIMEOUT_MS },
    extraProviders: () => [
      p("blackhole.yaml", `name: blackhole\nbase_url: http://127.0.0.1:${holePort}/b\nauth: {type: bearer_static, env: GH_TOKEN}\nforwarding: {timeout_ms: 300}\n`),
      p("endless.yaml", `name: endless\nbase_url: http://127.0.0.1:${endlessPort}/e\nauth: {type: bearer_static, env: GH_TOKEN}\nforwarding: {default_cache_ttl: 60}\n`),
    ],
  });
});
afterAll(async () => {
  expect(fx.leaks()).toEqual({});
  await fx.close();
  for (const t of [blackhole, endless]) {
    for (const s of t.open) s.destroy();
    await new Promise((resolve) => t.server.close(resolve));
  }
});

/** Peak RSS growth (bytes) over a baseline while `run` runs, sampled every 25 ms. */
async function peakRssGrowth<T>(run: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

/** Opens a connection from `from`, writes `head`, and resolves when the server closes it. */
function holdOpen(data: string, from: string, writeSlowly: boolean): Promise<{ ms: number; reply: string; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ port: fx.port, host: "127.0.0.1", localAddress: from });
    let reply = "";
    let sent = 0;
    let drip: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      if (!writeSlowly) return void socket.write(data);
      // One byte per second, as a slowloris client does.
      const one = () => {
        if (sent < data.length && !socket.destroyed) socket.write(data[sent++]!);
      };
      one();
      drip = setInterval(one, 1000);
    });
    socket.on("data", (d) => (reply += d.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(drip);
      clearTimeout(guard);
      resolve({ ms: Date.now() - started, reply, bytesSent: sent });
    });
    const guard = setTimeout(() => (socket.destroy(), reject(new Error("connection still open after 10 s"))), 10_000);
  });
}

describe("SEC-95 request bodies", () => {
  it("SEC-95 a 10 GiB declared body is 413 PROXY_PAYLOAD_TOO_LARGE at once, unread, and the connection closes", async () => {
    const data = Buffer.concat([fx.bytesOf({ as: "exec", method: "POST", target: "/search/code", headers: [["Content-Length", "10737418240"]] }), Buffer.from("0123456789")]);
    const started = Date.now();
    const { result: res, growth } = await peakRssGrowth(() => fx.nothingForwarded(() => fx.raw(data, FROM.exec, { idleMs: 200 })));
    expect(res.map((r) => r.status)).toEqual([413]);
    expect((res[0]!.json() as { error: { code: string } }).error.code).toBe("PROXY_PAYLOAD_TOO_LARGE");
    expect(res.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(growth).toBeLessThan(20 * MiB);
  });

  it("SEC-95 with an Idempotency-Key (the proxy must hash the body) the huge body is still refused before it is read", async () => {
    const data = Buffer.concat([
      fx.bytesOf({ as: "exec", provider: "stripe", method: "POST", target: "/v1/charges", headers: [["Content-Length", "10737418240"], ["Idempotency-Key", "big-1"]] }),
      Buffer.from("0123456789"),
    ]);
    const res = await fx.nothingForwarded(() => fx.raw(data, FROM.exec, { idleMs: 200 }));
    expect(res.map((r) => r.status)).toEqual([413]);
    expect(res.closed).toBe(true);
  });

  it("a chunked body growing past max_body_bytes is 413 and never completes upstream", async () => {
    const chunk = "x".repeat(3000);
    const body = `bb8\r\n${chunk}\r\nbb8\r\n${chunk}\r\n0\r\n\r\n`;
    const data = fx.bytesOf({ as: "exec", provider: "stripe", method: "POST", target: "/v1/chunked-big", headers: [["Transfer-Encoding", "chunked"]] });
    const res = await fx.nothingForwarded(() => fx.raw(Buffer.concat([data, Buffer.from(body)]), FROM.exec, { idleMs: 300 }));
    expect(res.filter((r) => r.status >= 200).map((r) => r.status)).toEqual([413]);
  });

  it("a client that stalls mid-body is disconnected after the body idle timeout; the upload never completes upstream", async () => {
    const data = fx.bytesOf({ as: "exec", provider: "stripe", method: "POST", target: "/v1/stall", headers: [["Content-Length", "100"]] }).toString("latin1") + "0123456789";
    const before = fx.upstream.requests.length;
    const { ms } = await holdOpen(data, FROM.exec, false);
    expect(ms).toBeGreaterThanOrEqual(BODY_IDLE_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(BODY_IDLE_TIMEOUT_MS + 3000);
    await sleep(50);
    expect(fx.upstream.requests.length).toBe(before);
  });
});

describe("slow clients", () => {
  it("a client sending its headers one byte per second is disconnected within the header timeout while another client is served normally", async () => {
    const before = fx.upstream.requests.length;
    const slow = holdOpen(fx.bytesOf({ target: "/repos/a/b/slow" }).toString("latin1"), FROM.research, true);
    const latencies: number[] = [];
    const statuses: number[] = [];
    let done = false;
    void slow.then(() => (done = true));
    // Bounded: the header timeout plus the check interval plus slack, at 150 ms per round.
    for (let i = 0; i < 40 && !done; i++) {
      const started = Date.now();
      const res = await fx.send({ as: "exec", target: `/repos/a/b/busy-${i}` });
      latencies.push(Date.now() - started);
      statuses.push(res.status);
      await sleep(100);
    }
    const { ms, bytesSent } = await slow;
    expect(ms).toBeGreaterThanOrEqual(HEADER_TIMEOUT_MS - 500);
    expect(ms).toBeLessThan(HEADER_TIMEOUT_MS + 2500);
    expect(bytesSent).toBeLessThan(10);
    expect(statuses.length).toBeGreaterThanOrEqual(5);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(Math.max(...latencies)).toBeLessThan(1500);
    expect(fx.upstream.requests.slice(before).map((r) => r.url).filter((u) => u.includes("slow"))).toEqual([]);
  });
});

describe("SEC-99 an upstream that never answers", () => {
  it("SEC-99 U's hang gives 504 PROXY_UPSTREAM_TIMEOUT within about timeout_ms (500 ms)", async () => {
    const started = Date.now();
    const res = await fx.send({ as: "exec", target: "/repos/a/b/hang" });
    const ms = Date.now() - started;
    expect([res.status, res.code]).toEqual([504, "PROXY_UPSTREAM_TIMEOUT"]);
    expect(ms).toBeGreaterThanOrEqual(450);
    // undici's headers timer ticks about once a second, so 500 ms fires after ~1 s.
    expect(ms).toBeLessThan(3000);
  });

  it("SEC-99 a timed-out answer is not cached: the next identical request reaches U again", async () => {
    const before = fx.upstream.requests.length;
    const res = await fx.send({ as: "exec", target: "/repos/a/b/hang" });
    expect(res.status).toBe(504);
    await fx.upstream.waitForRequests(before + 1, 1000);
    expect(fx.upstream.requests.slice(before).map((r) => r.url)).toEqual(["/api/repos/a/b/hang"]);
  });

  it("SEC-99 after timeouts the proxy's sockets to the silent upstream return to baseline", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => fx.send({ as: "exec", provider: "blackhole", target: `/x/${i}` })));
    expect(results.map((r) => `${r.status} ${r.code}`)).toEqual(Array(5).fill("504 PROXY_UPSTREAM_TIMEOUT"));
    expect(blackhole.accepted).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 40 && blackhole.open.size > 0; i++) await sleep(50);
    expect(blackhole.open.size).toBe(0);
  });

  it("20 hung requests in flight do not delay another client", async () => {
    const hung = Array.from({ length: 20 }, (_, i) => fx.send({ as: "exec", provider: "blackhole", target: `/h/${i}` }));
    await sleep(50);
    const started = Date.now();
    const res = await fx.send({ as: "research", target: "/repos/a/b/while-hung" });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await Promise.all(hung)).every((r) => r.status === 504)).toBe(true);
  });
});

describe("SEC-100 huge and endless upstream bodies", () => {
  /** Reads the answer to GET target from exec, counting and discarding bytes; `stopAfter` hangs up early. */
  function stream(provider: string, target: string, stopAfter?: number): Promise<{ status: number; bytes: number; cache: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: "127.0.0.1", port: fx.port, path: target, localAddress: FROM.exec, agent: false, headers: { "X-Provider": provider, "X-Outpost-Auth": fx.secrets.PSK_X } },
        (res) => {
          let bytes = 0;
          const cache = res.headers["x-proxy-cache"] as string | undefined;
          // The head goes into the leak scan; the body is U's fixed filler pattern, counted only.
          fx.transcript.push(`${res.statusCode} ${res.statusMessage}\n${res.rawHeaders.join("\n")}`);
          res.on("data", (chunk: Buffer) => {
            bytes += chunk.length;
            if (stopAfter !== undefined && bytes >= stopAfter) {
              res.destroy();
              resolve({ status: res.statusCode ?? 0, bytes, cache });
            }
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, cache }));
          res.on("error", () => resolve({ status: res.statusCode ?? 0, bytes, cache }));
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  it("SEC-100 a 128 MiB upstream body on a cacheable route is streamed whole with bounded memory, and not cached", async () => {
    const size = 128 * MiB;
    const before = fx.upstream.requests.length;
    const { result, growth } = await peakRssGrowth(() => stream("github", `/repos/a/b/huge?bytes=${size}`));
    expect(result).toEqual({ status: 200, bytes: size, cache: "MISS" });
    expect(growth).toBeLessThan(100 * MiB);
    // Over the cache entry cap: the second request reaches U again (hang up after the first bytes).
    const again = await stream("github", `/repos/a/b/huge?bytes=${size}`, 64 * 1024);
    expect(again.cache).not.toBe("HIT");
    await fx.upstream.waitForRequests(before + 2, 2000);
  });

  it("SEC-100 an endless upstream body stops being read when the agent hangs up", async () => {
    const res = await stream("endless", "/forever", 4 * MiB);
    expect(res.status).toBe(200);
    for (let i = 0; i < 40 && endless.open.size > 0; i++) await sleep(50);
    expect(endless.open.size).toBe(0);
    const sent = endless.bytes;
    await sleep(200);
    expect(endless.bytes).toBe(sent);
  });
});

it("no sentinel in any answer, log line or storage entry of this file; E never contacted", () => {
  expectNoLeaks(fx);
});
