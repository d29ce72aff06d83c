// The yardstick: a minimal hand-written proxy, `node:http` in front, an undici keep-alive pool
// behind, that adds `Authorization` and streams bodies both ways. No policy, no logging. Outpost's
// throughput is reported as a ratio to this one, measured in the same run on the same core.
//
// Run: BENCH_TOKEN=… node bench/reference-proxy.mjs --upstream http://127.0.0.1:N [--port N]
//        [--api request|stream|dispatch]
//   request   undici `request()` and `body.pipe(res)`: the yardstick every report uses
//   stream    undici `stream()`, writing straight into `res` (an experiment: what undici offers)
//   dispatch  undici `dispatch()` with a handler that writes to `res` (an experiment)
// Prints `BENCH_READY {"port":N}` on stderr.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

// The repo's own undici (7.30.2), the one @outpost/adapter-node uses.
const require = createRequire(new URL("../packages/adapter-node/package.json", import.meta.url));
const { Pool } = require("undici");

const { values } = parseArgs({ options: { upstream: { type: "string" }, port: { type: "string", default: "0" }, api: { type: "string", default: "request" } } });
if (!values.upstream) throw new Error("--upstream is required");
const authorization = `Bearer ${process.env.BENCH_TOKEN}`;
const pool = new Pool(values.upstream, { connections: 128, keepAliveTimeout: 60_000 });

const HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host", "authorization", "x-provider"]);

function responseHeaders(upstreamHeaders) {
  const out = [];
  for (const name in upstreamHeaders) {
    if (name === "connection" || name === "keep-alive" || name === "transfer-encoding") continue;
    const value = upstreamHeaders[name];
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else out.push(name, value);
  }
  return out;
}

function badGateway(res) {
  if (res.headersSent) return res.destroy();
  res.writeHead(502, { "content-length": "0" });
  res.end();
}

const forwarders = {
  request(req, res, options) {
    pool.request(options).then(({ statusCode, headers: upstreamHeaders, body }) => {
      res.writeHead(statusCode, responseHeaders(upstreamHeaders));
      if (upstreamHeaders["content-length"] === undefined) res.flushHeaders();
      body.on("error", () => res.destroy());
      res.once("close", () => {
        if (!res.writableFinished) body.destroy();
      });
      body.pipe(res);
    }, () => badGateway(res));
  },
  stream(req, res, options) {
    pool
      .stream(options, ({ statusCode, headers: upstreamHeaders }) => {
        res.writeHead(statusCode, responseHeaders(upstreamHeaders));
        if (upstreamHeaders["content-length"] === undefined) res.flushHeaders();
        return res;
      })
      .catch(() => badGateway(res));
  },
  dispatch(req, res, options) {
    pool.dispatch(options, {
      onRequestStart(controller) {
        res.once("close", () => {
          if (!res.writableFinished) controller.abort(new Error("client left"));
        });
      },
      onResponseStart(controller, statusCode, upstreamHeaders) {
        res.writeHead(statusCode, responseHeaders(upstreamHeaders));
        if (upstreamHeaders["content-length"] === undefined) res.flushHeaders();
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) {
          controller.pause();
          res.once("drain", () => controller.resume());
        }
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        badGateway(res);
      },
    });
  },
};
const forwardOne = forwarders[values.api];
if (!forwardOne) throw new Error(`unknown --api ${values.api}`);

const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, (req, res) => {
  const raw = req.rawHeaders;
  const headers = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  headers.push("authorization", authorization);
  const hasBody = req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
  forwardOne(req, res, { path: req.url, method: req.method, headers, body: hasBody ? req : null });
});

server.listen(Number(values.port), "127.0.0.1", () => {
  process.stderr.write(`BENCH_READY ${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => pool.close().then(() => process.exit(0)));
});
