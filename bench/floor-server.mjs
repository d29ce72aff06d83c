// Where Outpost's time goes, as servers that each do part of its work (the `floor` scenario of
// run.mjs). Each answers `GET /small` with 200 so the driver can load it like a proxy:
//
//   --variant constant  node:http answering a constant (no policy, no upstream): the server's own cost
//   --variant decide    all of core's work for a small answer, no upstream: the decision
//                       (gateway.handle: identity, policy, rate limit, credential, plan), then
//                       respond + seal on the upstream's body and finish (log record, events)
//   --variant decide-twice  as decide, with core's whole work run a second time per request
//                       (answer discarded): what the same work costs once its code and data are
//                       warm, against its first pass in a request
//   --variant glue      Outpost's Node handler and data path (createOutpostHandler → undici dispatch
//                       → the agent) driven by a trivial plan instead of core: the plumbing alone
//
// Run: BENCH_TOKEN=… node bench/floor-server.mjs --upstream http://127.0.0.1:N --variant V [--port N]
// Prints `BENCH_READY {"port":N}` on stderr.
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { upstream: { type: "string" }, port: { type: "string", default: "0" }, variant: { type: "string" } } });
if (!values.upstream) throw new Error("--upstream is required");

const { createOutpostHandler, createOutpostMetrics, loadNodeConfig } = await import("../packages/adapter-node/dist/index.js");
const { createGateway } = await import("../packages/core/dist/index.js");

// The upstream's /small answer (bench/upstream.mjs), so every variant sends the same body.
const SMALL = Buffer.from(JSON.stringify({ id: 42, name: "bench", ok: true, items: [1, 2, 3], note: "a small JSON answer of about 100 b" }));
const CONSTANT = ["content-type", "application/json", "content-length", String(SMALL.byteLength)];
const constant = (res) => {
  res.writeHead(200, CONSTANT);
  res.end(SMALL);
};

/** The bench provider of outpost-server.mjs (bearer auth, allowlist, a rate limit that never runs dry). */
async function benchGateway() {
  const dir = mkdtempSync(join(tmpdir(), "outpost-bench-floor-"));
  writeFileSync(
    join(dir, "bench.yaml"),
    [
      "name: bench",
      `base_url: ${values.upstream}`,
      "auth: {type: bearer_static, env: BENCH_TOKEN}",
      "forwarding:",
      "  mode: allowlist",
      "  allow:",
      '    - pattern: "/small"',
      "      methods: [GET]",
      "  rate_limits:",
      "    default:",
      "      - {capacity: 1000000000, window_ms: 1000}",
      "",
    ].join("\n"),
  );
  try {
    const config = await loadNodeConfig({ providerDirs: [dir], env: { BENCH_TOKEN: process.env.BENCH_TOKEN } });
    // As startServer builds it for outpost-server.mjs: a quiet logger, Prometheus metrics on.
    const metrics = createOutpostMetrics();
    return createGateway(config, { logger: { request() {}, warn() {} }, onEvent: metrics.observe, metrics: metrics.answer });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A gateway stand-in whose every request is forwarded as is, with the credential added. */
function trivialGateway(origin, authorization) {
  // As the reference proxy: the agent's own Authorization (the driver sends a dummy one) is dropped.
  const HOP = new Set(["host", "x-provider", "authorization", "connection", "keep-alive", "transfer-encoding"]);
  const relay = (headers) => {
    const out = [];
    for (let i = 0; i < headers.length; i += 2) if (!HOP.has(headers[i].toLowerCase())) out.push(headers[i], headers[i + 1]);
    return out;
  };
  return {
    handle(info) {
      const headers = relay(info.headers);
      headers.push("authorization", authorization);
      return Promise.resolve({
        kind: "forward",
        plan: {
          method: info.method,
          origin,
          pathAndQuery: info.target,
          headers,
          contentLength: info.contentLength,
          body: undefined,
          timeoutMs: 30_000,
          maxBodyBytes: 1 << 20,
          respond: (status, upstreamHeaders) => ({ kind: "relay", headers: relay(upstreamHeaders), capture: false, scrubber: undefined, seal: undefined }),
          capture() {},
          failure: () => ({ status: 502, headers: [], body: "" }),
          finish: () => Promise.resolve(),
        },
      });
    },
  };
}

let handler;
if (values.variant === "constant") handler = (req, res) => constant(res);
else if (values.variant === "decide" || values.variant === "decide-twice") {
  const gateway = await benchGateway();
  const upstreamHeaders = ["content-type", "application/json", "content-length", String(SMALL.byteLength), "date", new Date().toUTCString()];
  // Everything core does for a forwarded small answer: the plan, the answer's headers and
  // scrubbing (as if the upstream had sent SMALL), the log record and events.
  const decideAndAnswer = (req, send) =>
    gateway
      .handle({ method: req.method, target: req.url, headers: req.rawHeaders, peer: req.socket.remoteAddress, contentLength: undefined, hasBody: false })
      .then((outcome) => {
        if (outcome.kind !== "forward") throw new Error(`expected a forward plan, got ${outcome.kind}`);
        const { plan } = outcome;
        const decision = plan.respond(200, upstreamHeaders);
        const sealed = decision.kind === "relay" && decision.seal ? decision.seal(SMALL) : { headers: CONSTANT, body: SMALL };
        send(sealed);
        return plan.finish({ status: 200, bytesIn: 0, bytesOut: sealed.body.byteLength, upstreamMs: 0 });
      });
  const twice = values.variant === "decide-twice";
  handler = (req, res) => {
    if (twice) decideAndAnswer(req, () => {}).catch(() => {});
    decideAndAnswer(req, (sealed) => {
      res.writeHead(200, sealed.headers);
      res.end(sealed.body);
    }).catch(() => res.destroy());
  };
} else if (values.variant === "glue") handler = createOutpostHandler({ gateway: trivialGateway(values.upstream, `Bearer ${process.env.BENCH_TOKEN}`) });
else throw new Error(`unknown --variant ${values.variant}`);

const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 }, handler);
server.listen(Number(values.port), "127.0.0.1", () => process.stderr.write(`BENCH_READY ${JSON.stringify({ port: server.address().port })}\n`));
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
