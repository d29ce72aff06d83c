// The loopback upstream every benchmark target forwards to.
//   GET  /small  ~100-byte JSON
//   GET  /large  1 MiB (printable bytes, Content-Length)
//   POST /echo   the request body back (the bench sends 4 KiB)
//   GET  /sse    20 server-sent events, 50 ms apart; each carries the upstream's send time
//                (process.hrtime.bigint(), CLOCK_MONOTONIC, comparable across processes)
// Every route answers 401 unless `Authorization: Bearer $BENCH_TOKEN` arrived, so a proxy that
// fails to inject the credential shows up as errors, not as a fast benchmark.
//
// Run: BENCH_TOKEN=… node bench/upstream.mjs [--port N]; prints `BENCH_READY {"port":N}` on stderr.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });
const token = process.env.BENCH_TOKEN;
if (!token) throw new Error("BENCH_TOKEN is required");
const expected = `Bearer ${token}`;

const SMALL = Buffer.from(JSON.stringify({ id: 42, name: "bench", ok: true, items: [1, 2, 3], note: "a small JSON answer of about 100 b" }));
// Base64 text rather than zeros: realistic for API bodies and for the response scrubber.
const LARGE = Buffer.from(randomBytes(768 * 1024).toString("base64")).subarray(0, 1024 * 1024);
const SSE_EVENTS = 20;
const SSE_INTERVAL_MS = 50;

function refuse(res, status) {
  res.writeHead(status, { "content-type": "text/plain", "content-length": "0" });
  res.end();
}

function sse(req, res) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let i = 0;
  const send = () => {
    i += 1;
    const t = process.hrtime.bigint();
    res.write(`id: ${i}\ndata: {"i":${i},"t":"${t}"}\n\n`);
    if (i === SSE_EVENTS) {
      clearInterval(timer);
      res.end();
    }
  };
  const timer = setInterval(send, SSE_INTERVAL_MS);
  res.once("close", () => clearInterval(timer));
  send();
}

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  if (req.headers.authorization !== expected) {
    req.resume();
    return refuse(res, 401);
  }
  const path = req.url.split("?")[0];
  if (req.method === "GET" && path === "/small") {
    res.writeHead(200, { "content-type": "application/json", "content-length": SMALL.length });
    return res.end(SMALL);
  }
  if (req.method === "GET" && path === "/large") {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": LARGE.length });
    return res.end(LARGE);
  }
  if (req.method === "POST" && path === "/echo") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { "content-type": req.headers["content-type"] ?? "application/octet-stream", "content-length": body.length });
      res.end(body);
    });
    return;
  }
  if (req.method === "GET" && path === "/sse") return sse(req, res);
  req.resume();
  refuse(res, 404);
});

server.listen(Number(values.port), "127.0.0.1", () => {
  process.stderr.write(`BENCH_READY ${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
