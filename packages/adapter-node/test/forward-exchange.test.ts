/**
 * The Node data path (forward.ts) on its own, with a plan that relays everything: what reaches the
 * agent, whether the upstream is contacted, and what is reported to `finish` (the request log and
 * the idempotency and cache writes hang off it, so it must run exactly once).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, connect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { ErrorCode, ForwardOutcome, ForwardPlan } from "@outpost/core";
import { afterEach, describe, expect, it } from "vitest";
import { forward } from "../src/forward.js";
import { createUpstreamClient, type UpstreamClient } from "../src/upstream-client.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function relayPlan(origin: string, method: string, outcomes: ForwardOutcome[]): ForwardPlan {
  return {
    requestId: "req-1",
    method,
    origin,
    pathAndQuery: "/x",
    headers: [],
    contentLength: undefined,
    body: undefined,
    timeoutMs: 5_000,
    maxBodyBytes: 1 << 20,
    respond: (_status: number, headers: readonly string[]) => ({ kind: "relay", headers: [...headers], capture: false, scrubber: undefined, seal: undefined }),
    capture: () => {},
    failure: (code: ErrorCode) => ({ status: 502, headers: ["Content-Type", "text/plain"], body: code }),
    finish: (outcome: ForwardOutcome) => {
      outcomes.push(outcome);
      return Promise.resolve();
    },
  } as unknown as ForwardPlan;
}

const closers: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen<T extends Server | NetServer>(server: T): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

function upstreamClient(): UpstreamClient {
  const client = createUpstreamClient();
  closers.push(() => client.close());
  return client;
}

/** An agent on a raw socket: sends one request, collects everything it receives. */
async function agent(port: number, request: string): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  closers.push(() => void socket.destroy());
  let text = "";
  socket.on("data", (chunk) => (text += chunk));
  socket.on("error", () => {});
  socket.write(request);
  return { socket, received: () => text };
}

describe("forward: the Node data path", () => {
  it("an interim 103 Early Hints is not taken for the answer: the agent gets the final 200 and finish reports it", async () => {
    const upstream = createNetServer((socket) =>
      socket.once("data", () => {
        socket.write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
        setTimeout(() => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), 30);
      }),
    );
    const origin = `http://127.0.0.1:${await listen(upstream)}`;
    const client = upstreamClient();
    const outcomes: ForwardOutcome[] = [];
    const proxy = createServer((req, res) => forward(relayPlan(origin, "GET", outcomes), req, res, client));
    const { received } = await agent(await listen(proxy), "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    await sleep(300);
    expect(received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/);
    expect(outcomes).toMatchObject([{ status: 200, bytesOut: 5 }]);
  });

  it("an agent that left while the request was being decided: nothing goes upstream, finish runs once", async () => {
    let upstreamHits = 0;
    const upstream = createServer((_req, res) => {
      upstreamHits++;
      res.end("hello");
    });
    const origin = `http://127.0.0.1:${await listen(upstream)}`;
    const client = upstreamClient();
    const outcomes: ForwardOutcome[] = [];
    // The decision takes a while (a rate-limit wait, a token mint); the agent hangs up meanwhile.
    const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
      res.once("close", () => setTimeout(() => forward(relayPlan(origin, "GET", outcomes), req, res, client), 20));
    });
    const { socket } = await agent(await listen(proxy), "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    await sleep(30);
    socket.destroy();
    await sleep(200);
    expect(upstreamHits).toBe(0);
    expect(outcomes).toEqual([{ status: 499, bytesIn: 0, bytesOut: 0, complete: false }]);
  });

  it("an agent that leaves before the upstream answers: the upstream exchange is aborted, finish runs once", async () => {
    let upstreamSawClose = false;
    const upstream = createServer((req, res) => {
      req.socket.once("close", () => (upstreamSawClose = true));
      setTimeout(() => res.end("late"), 1_000);
    });
    const origin = `http://127.0.0.1:${await listen(upstream)}`;
    const client = upstreamClient();
    const outcomes: ForwardOutcome[] = [];
    const proxy = createServer((req, res) => forward(relayPlan(origin, "GET", outcomes), req, res, client));
    const { socket } = await agent(await listen(proxy), "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    await sleep(100);
    socket.destroy();
    await sleep(200);
    expect(upstreamSawClose).toBe(true);
    expect(outcomes).toEqual([{ status: 499, bytesIn: 0, bytesOut: 0, upstreamMs: undefined, complete: false }]);
  });

  it.each([
    ["GET", 204],
    ["HEAD", 200],
  ])("a bodyless answer (%s → %i) is finished once, as complete, when it is sent", async (method, status) => {
    const upstream = createServer((_req, res) => {
      res.writeHead(status, status === 204 ? { "content-type": "text/plain" } : { "content-type": "text/plain", "content-length": "5" });
      res.end(status === 204 ? undefined : "hello");
    });
    const origin = `http://127.0.0.1:${await listen(upstream)}`;
    const client = upstreamClient();
    const outcomes: ForwardOutcome[] = [];
    const proxy = createServer((req, res) => forward(relayPlan(origin, method, outcomes), req, res, client));
    const { received } = await agent(await listen(proxy), `${method} /x HTTP/1.1\r\nHost: a\r\n\r\n`);
    await sleep(200);
    expect(received()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(received()).not.toContain("hello");
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status, bytesOut: 0 });
    expect(outcomes[0]?.complete).not.toBe(false);
  });

  describe("streamed answers (SSE): the headers are flushed, and a first event that came with them leaves with them", () => {
    /**
     * The agent's first read of each of `times` requests, in a process of its own: in this one the
     * proxy's writes of one turn would all be waiting before the agent got to read any of them.
     */
    async function firstReads(upstreamWrites: (socket: Socket) => void, times: number): Promise<string[]> {
      const upstream = createNetServer((socket) => socket.once("data", () => upstreamWrites(socket)));
      const origin = `http://127.0.0.1:${await listen(upstream)}`;
      const client = upstreamClient();
      const proxy = createServer((req, res) => forward(relayPlan(origin, "GET", []), req, res, client));
      const port = await listen(proxy);
      const agentScript = `
        const { connect } = require("node:net");
        (async () => {
          const reads = [];
          for (let i = 0; i < ${times}; i++) {
            reads.push(await new Promise((resolve) => {
              const socket = connect(${port}, "127.0.0.1", () => socket.write("GET /x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n"));
              socket.once("data", (chunk) => { socket.destroy(); resolve(chunk.toString("latin1")); });
            }));
          }
          process.stdout.write(JSON.stringify(reads));
        })();`;
      const child = spawn(process.execPath, ["-e", agentScript], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      await once(child, "exit");
      return JSON.parse(out) as string[];
    }
    const HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    const event = (n: number) => {
      const data = `data: ${n}\n\n`;
      return `${data.length.toString(16)}\r\n${data}\r\n`;
    };

    it("headers and the first event in one upstream read reach the agent in one write", async () => {
      // Flushed at once, the headers would leave alone and the event one agent wake-up later.
      const reads = await firstReads((socket) => {
        socket.write(HEAD + event(1));
        setTimeout(() => socket.end(event(2) + "0\r\n\r\n"), 100);
      }, 10);
      for (const first of reads) expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n[\s\S]*data: 1\n\n/);
    });

    it("headers with no event yet are sent without waiting for one", async () => {
      const [first] = await firstReads((socket) => {
        socket.write(HEAD);
        setTimeout(() => socket.end(event(1) + "0\r\n\r\n"), 2_000);
      }, 1);
      expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\n/i);
      expect(first).not.toContain("data: 1");
    });
  });
});
