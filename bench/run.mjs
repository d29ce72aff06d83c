#!/usr/bin/env node
// Outpost's benchmark (issue 7): Outpost against a minimal node:http + undici proxy, same run,
// same upstream, same core. Build first: `pnpm exec turbo run build`, then
//
//   node bench/run.mjs                full run: wrk, 5 repetitions per target, report written to
//                                     bench/results/<date>.md and .json and printed
//   node bench/run.mjs --smoke        a few hundred requests per scenario, 1 repetition, no
//                                     thresholds; exits 1 only when something is broken (a target
//                                     does not start, answers wrongly, or any request errors)
//   node bench/run.mjs --only floor   small GET part by part: the server alone, core alone, the
//                                     data path alone (bench/floor-server.mjs); not in the full run
//   node bench/run.mjs --profile [--only small|large|echo|redis|rules]
//                                     one scenario, the reference proxy and Outpost each under
//                                     --cpu-prof; prints self time by origin and the top functions
//
// Options: --reps N  --duration S  --connections N  --driver wrk|autocannon|node  --only a,b
//          --out DIR  --redis-url URL  --no-pin
//
// Layout: with `taskset` and 2+ cores the proxy under test runs on core 0; this script, the
// upstream, the load driver and a private Redis (if one is started) run on core 1.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createConnection, createServer as createNetServer } from "node:net";
import { request as httpRequest } from "node:http";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const require = createRequire(join(root, "packages/adapter-node/package.json"));
const { Pool } = require("undici");

const { values: args } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    reps: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string", default: "16" },
    driver: { type: "string" },
    only: { type: "string" },
    out: { type: "string" },
    "redis-url": { type: "string" },
    "no-pin": { type: "boolean", default: false },
  },
});

const SMOKE = args.smoke;
const REPS = Number(args.reps ?? (SMOKE ? 1 : 10));
const DURATION_S = Number(args.duration ?? (SMOKE ? 1 : 5));
const WARMUP_S = SMOKE ? 0 : 3;
const SMOKE_REQUESTS = 100; // per target: 200–400 per scenario
const CONNECTIONS = Number(args.connections);
const TOKEN = "bench-token-4f1c2a9e7d";
const PROVIDER = "bench";
const MiB = 1024 * 1024;

const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

// ---------------------------------------------------------------------------------------------
// CPU pinning

const PIN = !args["no-pin"] && has("taskset") && cpus().length >= 2;
if (PIN) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
const PROXY_PREFIX = PIN ? ["taskset", "-c", "0"] : [];

// ---------------------------------------------------------------------------------------------
// Processes

const started = new Set();

/** Spawns a bench process and waits for its `BENCH_READY {"port":N}` line on stderr. */
function startProcess(label, argv, { proxy = false, env = {}, stdout = "ignore", nodeFlags = [] } = {}) {
  const cmd = [...(proxy ? PROXY_PREFIX : []), process.execPath, ...nodeFlags, ...argv];
  const child = spawn(cmd[0], cmd.slice(1), { cwd: root, env: { ...process.env, BENCH_TOKEN: TOKEN, ...env }, stdio: ["ignore", stdout, "pipe"] });
  started.add(child);
  let stderr = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 20 s:\n${stderr}`)), 20_000);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const m = /BENCH_READY (\{.*\})/.exec(stderr);
      if (m && timer) {
        clearTimeout(timer);
        const { port } = JSON.parse(m[1]);
        resolve({
          label,
          pid: child.pid,
          port,
          url: `http://127.0.0.1:${port}`,
          child,
          stderr: () => stderr,
          stop: () => stopChild(child),
        });
      }
    });
    child.once("exit", (code) => {
      started.delete(child);
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code}) before it was ready:\n${stderr}`));
    });
  });
}

function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      started.delete(child);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function cleanup() {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

/** Peak resident set size (VmHWM) of a live process, in MiB. */
function peakRssMiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** User + system CPU time of a live process so far, in ms (10 ms resolution at 100 Hz). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// Redis

function freePort() {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Sends PING (after AUTH when the URL has a password); true on +PONG within a second. */
function redisAnswers(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    let data = "";
    socket.on("data", (c) => {
      data += c;
      if (data.includes("+PONG")) done(true);
      else if (data.includes("-")) done(false);
    });
    socket.on("connect", () => {
      const pass = decodeURIComponent(u.password);
      if (pass) socket.write(u.username ? `AUTH ${decodeURIComponent(u.username)} ${pass}\r\n` : `AUTH ${pass}\r\n`);
      socket.write("PING\r\n");
    });
  });
}

/**
 * Redis for the Redis scenario: --redis-url, else $REDIS_URL; else a private diskless
 * redis-server, on core 1 with the upstream (a backend like it: a shared server the scheduler
 * may run on the proxy's core would charge its Lua time to the proxy under test); else
 * redis://127.0.0.1:6379 when one answers there.
 */
async function findRedis() {
  const explicit = args["redis-url"] ?? process.env.REDIS_URL;
  const shared = async (url) => ((await redisAnswers(url)) ? { url, note: `${url.replace(/\/\/[^@]*@/, "//")} (already running; not pinned by the bench, may be shared)`, stop: async () => {} } : undefined);
  if (explicit) return shared(explicit);
  if (!has("redis-server")) return shared("redis://127.0.0.1:6379");
  const dir = mkdtempSync(join(tmpdir(), "outpost-bench-redis-"));
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  started.add(child);
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisAnswers(privateUrl)); i++) await sleep(100);
  return {
    url: privateUrl,
    note: `private redis-server ${privateUrl}${PIN ? " on core 1" : ""}`,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Round trips per request, exactly: MONITOR shows every command a client sends, and marks the
 * commands a Lua script runs inside Redis as "lua" (those cost no round trip). Only lines naming
 * this Outpost process's key prefix are counted, so a shared Redis does not skew the count.
 */
async function redisRoundTrips(url, target, shape, requests) {
  const u = new URL(url);
  const socket = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
  await new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let text = "";
  socket.on("data", (c) => (text += c));
  const pass = decodeURIComponent(u.password);
  if (pass) socket.write(u.username ? `AUTH ${decodeURIComponent(u.username)} ${pass}\r\n` : `AUTH ${pass}\r\n`);
  socket.write("MONITOR\r\n");
  await sleep(100);
  for (let i = 0; i < requests; i++) await fetchOnce(target, shape);
  await sleep(200);
  socket.destroy();
  const prefix = `outpost-bench:${target.pid}:`;
  const byCommand = {};
  let roundTrips = 0;
  for (const line of text.split("\n")) {
    const m = /^\+?\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
    if (!m || m[1] === "lua" || !line.includes(prefix)) continue;
    const cmd = m[2].toLowerCase();
    byCommand[cmd] = (byCommand[cmd] ?? 0) + 1;
    roundTrips++;
  }
  return { requests, roundTrips, perRequest: roundTrips / requests, byCommand };
}

// ---------------------------------------------------------------------------------------------
// Load drivers: each returns { requests, rps, p50Ms, p99Ms, errors, non2xx, socketErrors }

function pickDriver() {
  if (args.driver) return args.driver;
  if (SMOKE) return "node";
  if (has("wrk")) return "wrk";
  if (process.getuid?.() === 0 && has("apt-get")) {
    log("wrk not found: installing it with apt-get");
    spawnSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk"], { stdio: "ignore" });
    if (has("wrk")) return "wrk";
  }
  return "autocannon";
}

function runWrk(target, shape, seconds) {
  const env = { ...process.env, BENCH_PROVIDER: target.provider ?? "", BENCH_METHOD: shape.method, BENCH_BODY_BYTES: String(shape.bodyBytes ?? 0) };
  const argv = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "5s", "-s", join(here, "wrk-report.lua"), "-H", `Authorization: ${target.agentAuth ?? "Bearer agent-key-not-forwarded"}`, `${target.url}${shape.path}`];
  const r = spawnSync("wrk", argv, { env, encoding: "utf8", timeout: (seconds + 30) * 1000 });
  const m = /WRK_JSON (\{.*\})/.exec(r.stdout ?? "");
  if (!m) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const w = JSON.parse(m[1]);
  const socketErrors = w.connect + w.read + w.write + w.timeout;
  return { requests: w.requests, rps: w.requests / (w.duration_us / 1e6), p50Ms: w.p50_us / 1000, p99Ms: w.p99_us / 1000, non2xx: w.status, socketErrors, errors: w.status + socketErrors };
}

function runAutocannon(target, shape, seconds) {
  const argv = ["--yes", "autocannon@8", "-j", "-c", String(CONNECTIONS), "-d", String(seconds), "-H", `Authorization=${target.agentAuth ?? "Bearer agent-key-not-forwarded"}`];
  if (target.provider) argv.push("-H", `X-Provider=${target.provider}`);
  if (shape.method === "POST") argv.push("-m", "POST", "-H", "Content-Type=application/json", "-b", "x".repeat(shape.bodyBytes));
  argv.push(`${target.url}${shape.path}`);
  const r = spawnSync("npx", argv, { encoding: "utf8", timeout: (seconds + 120) * 1000, maxBuffer: 64 * MiB });
  const a = JSON.parse(r.stdout);
  const socketErrors = a.errors + a.timeouts;
  return { requests: a.requests.total, rps: a.requests.total / a.duration, p50Ms: a.latency.p50, p99Ms: a.latency.p99, non2xx: a.non2xx, socketErrors, errors: a.non2xx + socketErrors };
}

/** A closed-loop driver in this process (smoke mode, or when neither wrk nor npx is usable). */
async function runNodeDriver(target, shape, seconds, maxRequests) {
  const pool = new Pool(target.url, { connections: CONNECTIONS, pipelining: 1 });
  const headers = { authorization: target.agentAuth ?? "Bearer agent-key-not-forwarded", ...(target.provider ? { "x-provider": target.provider } : {}) };
  const body = shape.method === "POST" ? Buffer.alloc(shape.bodyBytes, "x") : undefined;
  if (body) headers["content-type"] = "application/json";
  const latencies = [];
  let non2xx = 0;
  let socketErrors = 0;
  let issued = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async () => {
    while ((maxRequests === undefined || issued < maxRequests) && performance.now() < deadline) {
      issued++;
      const t = performance.now();
      try {
        const res = await pool.request({ path: shape.path, method: shape.method, headers, body });
        await res.body.dump({ limit: Infinity });
        if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
        latencies.push(performance.now() - t);
      } catch {
        socketErrors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return { requests: latencies.length, rps: latencies.length / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), non2xx, socketErrors, errors: non2xx + socketErrors };
}

function load(driver, target, shape, seconds, maxRequests) {
  if (driver === "wrk") return runWrk(target, shape, seconds);
  if (driver === "autocannon") return runAutocannon(target, shape, seconds);
  return runNodeDriver(target, shape, seconds, maxRequests);
}

// ---------------------------------------------------------------------------------------------
// One request, to check that each target answers right before it is loaded

function fetchOnce(target, shape) {
  return new Promise((resolve) => {
    const body = shape.method === "POST" ? Buffer.alloc(shape.bodyBytes, "y") : undefined;
    const req = httpRequest(`${target.url}${shape.path}`, {
      method: shape.method,
      agent: false,
      headers: { authorization: target.agentAuth ?? "Bearer agent-key-not-forwarded", ...(target.provider ? { "x-provider": target.provider } : {}), ...(body ? { "content-length": body.length, "content-type": "application/json" } : {}) },
    });
    req.on("response", (res) => {
      let bytes = 0;
      res.on("data", (c) => (bytes += c.length));
      res.on("end", () => resolve({ status: res.statusCode, bytes }));
    });
    req.on("error", (error) => resolve({ status: 0, bytes: 0, error: error.message }));
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// SSE: time from the upstream's write to the client's receipt, for each event

function sseStream(target) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const events = [];
    const headers = { authorization: target.agentAuth ?? "Bearer agent-key-not-forwarded", ...(target.provider ? { "x-provider": target.provider } : {}) };
    const req = httpRequest(`${target.url}/sse`, { agent: false, headers });
    req.on("response", (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        const received = process.hrtime.bigint();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const m = /"t":"(\d+)"/.exec(event);
          if (m) events.push({ sent: BigInt(m[1]), received });
        }
      });
      res.on("end", () => resolve({ status: res.statusCode, t0, events }));
      res.on("error", () => resolve({ status: 0, t0, events }));
    });
    req.on("error", () => resolve({ status: 0, t0, events }));
    req.end();
  });
}

async function measureSse(target, streams, parallel) {
  const ms = (ns) => Number(ns) / 1e6;
  const first = [];
  const relay = [];
  const gapError = [];
  const ttfe = [];
  let errors = 0;
  for (let done = 0; done < streams; done += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, streams - done) }, () => sseStream(target)));
    for (const s of batch) {
      if (s.status !== 200 || s.events.length !== 20) {
        errors++;
        continue;
      }
      first.push(ms(s.events[0].received - s.events[0].sent));
      ttfe.push(ms(s.events[0].received - s.t0));
      for (let i = 0; i < s.events.length; i++) {
        relay.push(ms(s.events[i].received - s.events[i].sent));
        if (i > 0) {
          const sentGap = ms(s.events[i].sent - s.events[i - 1].sent);
          const receivedGap = ms(s.events[i].received - s.events[i - 1].received);
          gapError.push(Math.abs(receivedGap - sentGap));
        }
      }
    }
  }
  return {
    streams,
    errors,
    raw: { first, relay, gapError },
    firstEventMs: { p50: median(first), max: Math.max(...first) },
    requestToFirstEventMs: { p50: median(ttfe), max: Math.max(...ttfe) },
    relayMs: { p50: median(relay), p99: percentile(relay, 99), max: Math.max(...relay) },
    gapErrorMs: { p50: median(gapError), max: Math.max(...gapError) },
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const OUTPOST = "bench/outpost-server.mjs";
const REFERENCE = "bench/reference-proxy.mjs";
const FLOOR = "bench/floor-server.mjs";

const T = {
  direct: { key: "direct", label: "upstream direct (no proxy)", direct: true, agentAuth: `Bearer ${TOKEN}` },
  reference: { key: "reference", label: "reference proxy", argv: (up) => [REFERENCE, "--upstream", up] },
  outpost: { key: "outpost", label: "Outpost", provider: PROVIDER, argv: (up) => [OUTPOST, "--upstream", up] },
  outpostJsonLog: { key: "outpost-json-log", label: "Outpost, JSON log to /dev/null", provider: PROVIDER, argv: (up) => [OUTPOST, "--upstream", up, "--logger", "json"], devNullStdout: true },
  outpostNoScrub: { key: "outpost-no-scrub", label: "Outpost, scrub_responses: false", provider: PROVIDER, argv: (up) => [OUTPOST, "--upstream", up, "--no-scrub"] },
  outpostRedis: { key: "outpost-redis", label: "Outpost, Redis storage", provider: PROVIDER, argv: (up, redis) => [OUTPOST, "--upstream", up, "--storage", "redis", "--redis-url", redis] },
  rules1: { key: "outpost-1-rule", label: "Outpost, 1 allow rule", provider: PROVIDER, argv: (up) => [OUTPOST, "--upstream", up, "--rules", "1"] },
  rules1000: { key: "outpost-1000-rules", label: "Outpost, 1,000 allow rules", provider: PROVIDER, argv: (up) => [OUTPOST, "--upstream", up, "--rules", "1000"] },
  referenceDispatch: { key: "reference-dispatch", label: "reference proxy on undici dispatch()", argv: (up) => [REFERENCE, "--upstream", up, "--api", "dispatch"] },
  floorConstant: { key: "floor-constant", label: "node:http answering a constant (no upstream)", argv: (up) => [FLOOR, "--upstream", up, "--variant", "constant"] },
  floorDecide: { key: "floor-decide", label: "core's work for the request, constant upstream answer (no upstream)", provider: PROVIDER, argv: (up) => [FLOOR, "--upstream", up, "--variant", "decide"] },
  floorDecideTwice: { key: "floor-decide-twice", label: "core's work twice per request (the second answer discarded), no upstream", provider: PROVIDER, argv: (up) => [FLOOR, "--upstream", up, "--variant", "decide-twice"] },
  floorGlue: { key: "floor-glue", label: "Outpost's Node data path with a trivial plan (no core)", provider: PROVIDER, argv: (up) => [FLOOR, "--upstream", up, "--variant", "glue"] },
};

const SCENARIOS = [
  { key: "small", title: "Small GET (~100 B JSON)", shape: { method: "GET", path: "/small" }, targets: [T.reference, T.outpost, T.outpostJsonLog, T.direct] },
  { key: "large", title: "1 MiB GET", shape: { method: "GET", path: "/large" }, targets: [T.reference, T.outpost, T.outpostNoScrub] },
  { key: "echo", title: "4 KiB POST echo", shape: { method: "POST", path: "/echo", bodyBytes: 4096 }, targets: [T.reference, T.outpost] },
  { key: "redis", title: "Small GET, Redis storage + rate limit", shape: { method: "GET", path: "/small" }, targets: [T.reference, T.outpostRedis], redis: true },
  { key: "rules", title: "Small GET, 1 vs 1,000 allow rules", shape: { method: "GET", path: "/small" }, targets: [T.reference, T.rules1, T.rules1000] },
  { key: "sse", title: "SSE, 20 events 50 ms apart", sse: true, targets: [T.reference, T.outpost, T.direct] },
  // Where the small-GET time goes, part by part (bench/floor-server.mjs). Runs when named in
  // --only (and in the smoke run, so it cannot rot), not in the default run.
  {
    key: "floor",
    title: "Small GET, part by part",
    optIn: true,
    shape: { method: "GET", path: "/small" },
    targets: [T.reference, T.referenceDispatch, T.floorConstant, T.floorDecide, T.floorDecideTwice, T.floorGlue, T.outpost],
  },
];

async function startTarget(t, ctx) {
  if (t.direct) return { ...t, pid: undefined, url: ctx.upstream.url, stop: async () => {}, stderr: () => "", child: { exitCode: null } };
  const stdout = t.devNullStdout ? openSync("/dev/null", "w") : "ignore";
  try {
    const proc = await startProcess(t.label, t.argv(ctx.upstream.url, ctx.redis?.url), { proxy: true, stdout });
    return { ...t, ...proc };
  } finally {
    if (typeof stdout === "number") closeSync(stdout);
  }
}

async function runScenario(scenario, ctx) {
  const { redis, driver } = ctx;
  if (scenario.redis && !redis) return { key: scenario.key, title: scenario.title, skipped: "no Redis answers and redis-server is not installed" };
  const procs = await Promise.all(scenario.targets.map((t) => startTarget(t, ctx)));
  const results = Object.fromEntries(procs.map((p) => [p.key, { key: p.key, label: p.label, direct: !!p.direct, runs: [], preflight: undefined }]));
  let brokenPreflight = false;
  try {
    if (!scenario.sse) {
      for (const p of procs) {
        const r = await fetchOnce(p, scenario.shape);
        const expected = scenario.shape.path === "/large" ? MiB : scenario.shape.method === "POST" ? scenario.shape.bodyBytes : undefined;
        results[p.key].preflight = r;
        if (r.status !== 200 || (expected !== undefined && r.bytes !== expected)) {
          brokenPreflight = true;
          log(`  ${p.label}: preflight answered ${r.status} with ${r.bytes} bytes ${r.error ?? ""}`);
        }
      }
    }
    if (scenario.sse) {
      // One stream each first: the first relay through a cold process is JIT warm-up, not latency.
      if (!SMOKE) await Promise.all(procs.map((p) => sseStream(p)));
      for (let rep = 0; rep < REPS; rep++) {
        for (const p of rotate(procs, rep)) {
          const r = await measureSse(p, SMOKE ? 1 : 8, SMOKE ? 1 : 4);
          results[p.key].runs.push(r);
          log(`  ${scenario.key} rep ${rep + 1} ${p.label}: first event +${r.firstEventMs.p50.toFixed(2)} ms (max ${r.firstEventMs.max.toFixed(2)}), gap error max ${r.gapErrorMs.max.toFixed(2)} ms, errors ${r.errors}`);
        }
      }
    } else {
      if (WARMUP_S > 0) for (const p of procs) await load(driver, p, scenario.shape, WARMUP_S);
      for (let rep = 0; rep < REPS; rep++) {
        for (const p of rotate(procs, rep)) {
          const cpuBefore = p.pid ? cpuMs(p.pid) : NaN;
          const r = await load(driver, p, scenario.shape, DURATION_S, SMOKE ? SMOKE_REQUESTS : undefined);
          r.cpuUsPerRequest = p.pid ? ((cpuMs(p.pid) - cpuBefore) * 1000) / r.requests : NaN;
          results[p.key].runs.push(r);
          log(`  ${scenario.key} rep ${rep + 1} ${p.label}: ${Math.round(r.rps)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.cpuUsPerRequest.toFixed(0)} CPU µs/req, errors ${r.errors}`);
        }
      }
      if (scenario.redis) {
        const outpost = procs.find((p) => p.key === "outpost-redis");
        ctx.redisPerRequest = await redisRoundTrips(redis.url, outpost, scenario.shape, SMOKE ? 20 : 200).catch((error) => ({ error: String(error) }));
      }
    }
    for (const p of procs) results[p.key].peakRssMiB = p.pid ? peakRssMiB(p.pid) : NaN;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
  for (const p of procs) {
    const exited = p.child.exitCode;
    if (exited !== 0 && exited !== null) log(`  ${p.label} exited with ${exited}:\n${p.stderr()}`);
  }
  return { key: scenario.key, title: scenario.title, sse: !!scenario.sse, brokenPreflight, targets: Object.values(results).map(summarise) };
}

function rotate(list, n) {
  const k = n % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function summarise(t) {
  if (t.runs.length > 0 && "firstEventMs" in t.runs[0]) {
    // Every stream of every repetition pooled: percentiles over all events, not medians of maxima.
    const pool = (k) => t.runs.flatMap((r) => r.raw[k]);
    const first = pool("first");
    const relay = pool("relay");
    const gapError = pool("gapError");
    const stats = (xs) => ({ p50: median(xs), p95: percentile(xs, 95), p99: percentile(xs, 99), max: Math.max(...xs) });
    return {
      key: t.key,
      label: t.label,
      direct: t.direct,
      peakRssMiB: t.peakRssMiB,
      streams: t.runs.reduce((n, r) => n + r.streams, 0),
      errors: t.runs.reduce((n, r) => n + r.errors, 0),
      firstEventMs: stats(first),
      requestToFirstEventMs: { p50: median(t.runs.map((r) => r.requestToFirstEventMs.p50)) },
      relayMs: stats(relay),
      gapErrorMs: stats(gapError),
      runs: t.runs.map(({ raw, ...rest }) => rest),
    };
  }
  const rps = t.runs.map((r) => r.rps);
  return {
    key: t.key,
    label: t.label,
    direct: t.direct,
    peakRssMiB: t.peakRssMiB,
    rps: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p50Ms: median(t.runs.map((r) => r.p50Ms)),
    p99Ms: median(t.runs.map((r) => r.p99Ms)),
    requests: t.runs.reduce((n, r) => n + r.requests, 0),
    non2xx: t.runs.reduce((n, r) => n + r.non2xx, 0),
    socketErrors: t.runs.reduce((n, r) => n + r.socketErrors, 0),
    errors: t.runs.reduce((n, r) => n + r.errors, 0),
    cpuUsPerRequest: median(t.runs.map((r) => r.cpuUsPerRequest)),
    preflight: t.preflight,
    runs: t.runs,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "–");

/**
 * The median over repetitions of `a`'s req/s over `b`'s in the same repetition. Targets run back
 * to back within a repetition, so each pair shares the machine's state at that moment; on a
 * shared VM whose speed drifts by ±25 % over minutes this estimates the ratio far more steadily
 * than a ratio of two medians taken at different moments.
 */
function pairedRatio(a, b) {
  const n = Math.min(a.runs.length, b.runs.length);
  return median(Array.from({ length: n }, (_, i) => a.runs[i].rps / b.runs[i].rps));
}

function withRatios(scenarios) {
  for (const s of scenarios) {
    if (s.skipped) continue;
    const ref = s.targets.find((t) => t.key === "reference");
    for (const t of s.targets) {
      if (s.sse) continue;
      t.ratio = t.rps / ref.rps;
      t.p99Ratio = t.p99Ms / ref.p99Ms;
      t.pairedRatio = pairedRatio(t, ref);
    }
  }
  return scenarios;
}

function checks(scenarios, redisPerRequest) {
  const get = (s, t) => scenarios.find((x) => x.key === s && !x.skipped)?.targets.find((x) => x.key === t);
  const out = [];
  const add = (target, measured, met) => out.push({ target, measured, met });
  const small = get("small", "outpost");
  const smallRef = get("small", "reference");
  if (small) {
    add("Small GET ≥ 1.0× reference (paired)", `${fmt(small.pairedRatio, 2)}× (ratio of medians ${fmt(small.ratio, 2)}×)`, small.pairedRatio >= 1.0);
    add("Small GET p99 no worse than reference", `${fmt(small.p99Ms, 2)} ms vs ${fmt(smallRef.p99Ms, 2)} ms`, small.p99Ms <= smallRef.p99Ms);
  }
  const large = get("large", "outpost");
  if (large) add("1 MiB GET ≥ 0.9× reference (paired)", `${fmt(large.pairedRatio, 2)}× (ratio of medians ${fmt(large.ratio, 2)}×)`, large.pairedRatio >= 0.9);
  const sse = get("sse", "outpost");
  if (sse) {
    const ref = get("sse", "reference");
    add("SSE first event within 2 ms of the upstream's write (judged on p95)", `p50 ${fmt(sse.firstEventMs.p50, 2)} ms, p95 ${fmt(sse.firstEventMs.p95, 2)} ms, max ${fmt(sse.firstEventMs.max, 2)} ms (reference p95 ${fmt(ref?.firstEventMs.p95, 2)} ms)`, sse.firstEventMs.p95 <= 2);
    add("SSE gaps preserved (judged on p99 gap error)", `gap error p50 ${fmt(sse.gapErrorMs.p50, 2)} ms, p99 ${fmt(sse.gapErrorMs.p99, 2)} ms, max ${fmt(sse.gapErrorMs.max, 2)} ms on 50 ms gaps`, sse.gapErrorMs.p99 <= 2);
  }
  const redis = get("redis", "outpost-redis");
  if (redis) add("Redis storage + rate limit ≥ 0.8× reference (paired)", `${fmt(redis.pairedRatio, 2)}× (ratio of medians ${fmt(redis.ratio, 2)}×)`, redis.pairedRatio >= 0.8);
  if (redisPerRequest?.perRequest !== undefined) {
    add("One Redis round trip per request", `${fmt(redisPerRequest.perRequest, 2)} (${Object.entries(redisPerRequest.byCommand).map(([k, v]) => `${k} × ${v}`).join(", ")} in ${redisPerRequest.requests} requests)`, redisPerRequest.perRequest <= 1);
  }
  const r1 = get("rules", "outpost-1-rule");
  const r1000 = get("rules", "outpost-1000-rules");
  if (r1 && r1000) {
    const paired = pairedRatio(r1000, r1);
    add("1,000 rules ≤ 10% slower than 1 rule (paired)", `${fmt((1 - paired) * 100, 1)}% slower (ratio of medians: ${fmt((1 - r1000.rps / r1.rps) * 100, 1)}%)`, paired >= 0.9);
  }
  const all = scenarios.filter((s) => !s.skipped).flatMap((s) => s.targets);
  const errors = all.reduce((n, t) => n + t.errors, 0);
  add("Zero errors in every scenario", `${errors} errors`, errors === 0);
  const outposts = all.filter((t) => t.key !== "reference" && !t.direct);
  const rss = Math.max(...outposts.map((t) => t.peakRssMiB));
  add("Peak RSS ≤ 150 MiB (Outpost)", `${fmt(rss, 1)} MiB`, rss <= 150);
  const smallRss = get("small", "outpost")?.peakRssMiB;
  const largeRss = get("large", "outpost")?.peakRssMiB;
  if (smallRss && largeRss) add("Memory does not grow with response size", `${fmt(smallRss, 1)} MiB (small) vs ${fmt(largeRss, 1)} MiB (1 MiB answers)`, largeRss <= smallRss + 32);
  return out;
}

function markdown(report) {
  const L = [];
  L.push(`# Outpost benchmark ${report.date}${report.smoke ? " (smoke)" : ""}`, "");
  L.push(`Command: \`${report.command}\``, "");
  const m = report.machine;
  L.push(`Machine: ${m.cores} cores (${m.cpu}), ${fmt(m.memGiB, 1)} GiB, Node ${m.node}, ${m.os}; load average before the run ${m.loadavgBefore.map((x) => x.toFixed(2)).join(" / ")}.`);
  L.push(`Layout: ${report.pinning}. Driver: ${report.driver}, ${CONNECTIONS} connections, ${report.reps} × ${report.durationS} s per target${report.warmupS ? ` after a ${report.warmupS} s warm-up` : ""}; medians across repetitions, targets alternated within each repetition.`);
  if (report.redis) L.push(`Redis: ${report.redis}.`);
  if (report.source) L.push(`Source: commit ${report.source.commit}${report.source.dirty ? " with uncommitted changes under packages/" : ""}; dist built ${Object.entries(report.source.distBuilt).map(([k, v]) => `${k} ${v}`).join(", ")}.`);
  L.push("");
  const loaded = report.scenarios.some((s) => !s.skipped && !s.sse);
  if (loaded) L.push("| scenario | target | req/s (median) | range | p50 ms | p99 ms | errors | peak RSS MiB | CPU µs/req | × reference | × reference (paired) |", "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const s of report.scenarios) {
    if (s.skipped || s.sse) continue;
    for (const t of s.targets) {
      L.push(`| ${s.title} | ${t.label} | ${fmt(t.rps)} | ${fmt(t.rpsMin)}–${fmt(t.rpsMax)} | ${fmt(t.p50Ms, 2)} | ${fmt(t.p99Ms, 2)} | ${t.errors} | ${fmt(t.peakRssMiB, 1)} | ${fmt(t.cpuUsPerRequest)} | ${t.key === "reference" ? "1.00" : fmt(t.ratio, 2)} | ${t.key === "reference" ? "1.00" : fmt(t.pairedRatio, 2)} |`);
    }
  }
  const sse = report.scenarios.find((s) => s.sse && !s.skipped);
  if (sse) {
    L.push("", "SSE (20 events 50 ms apart; time from the upstream's `write` to the client's receipt, monotonic clock):", "");
    L.push("| target | streams | first event p50 / p95 / max ms | request → first event p50 ms | every event p50 / p99 / max ms | gap error p50 / p99 / max ms | errors | peak RSS MiB |", "|---|---:|---|---:|---|---|---:|---:|");
    for (const t of sse.targets) {
      const three = (x, a, b, c) => `${fmt(x[a], 2)} / ${fmt(x[b], 2)} / ${fmt(x[c], 2)}`;
      L.push(`| ${t.label} | ${t.streams} | ${three(t.firstEventMs, "p50", "p95", "max")} | ${fmt(t.requestToFirstEventMs.p50, 2)} | ${three(t.relayMs, "p50", "p99", "max")} | ${three(t.gapErrorMs, "p50", "p99", "max")} | ${t.errors} | ${fmt(t.peakRssMiB, 1)} |`);
    }
  }
  for (const s of report.scenarios) if (s.skipped) L.push("", `Skipped ${s.title}: ${s.skipped}.`);
  if (loaded) L.push("", "Columns: req/s is the median of the repetitions (range: slowest and fastest); p50/p99 are medians of each repetition's percentiles; errors are non-2xx answers plus socket errors and timeouts over all repetitions; peak RSS is VmHWM of the proxy process at the end of the scenario; CPU µs/req is the proxy process's user+system time per request (less sensitive than req/s to other load on the machine); × reference is the median req/s over the reference proxy's median in the same scenario; × reference (paired) is the median over repetitions of the req/s ratio within each repetition, where both ran back to back (the steadier estimate on a machine whose speed drifts; the targets are judged on it).");
  if (report.machine.loadavgAfter) L.push("", `Load average after the run: ${report.machine.loadavgAfter.map((x) => x.toFixed(2)).join(" / ")}.`);
  L.push("", "Targets (issue 7):", "", "| target | measured | met |", "|---|---|---|");
  for (const c of report.checks) L.push(`| ${c.target} | ${c.measured} | ${c.met ? "yes" : "**no**"} |`);
  L.push("");
  return L.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Profile mode: the small GET through Outpost under --cpu-prof, top self-time functions

/** Where a profile frame's code lives. */
function originOf(frame) {
  const url = frame.url ?? "";
  if (url.includes("/packages/core/")) return "Outpost core";
  if (url.includes("/packages/adapter-node/") && !url.includes("node_modules")) return "Outpost adapter-node";
  if (url.includes("/packages/storage-redis/") && !url.includes("node_modules")) return "Outpost storage-redis";
  if (url.includes("/undici/")) return "undici";
  if (url.includes("node_modules")) return "other packages";
  if (url.includes("/bench/")) return "bench script";
  if (url.startsWith("node:")) return "Node internals (JS)";
  if (frame.functionName === "(idle)") return "idle";
  if (frame.functionName === "(garbage collector)") return "GC";
  return "native / V8 (writev, parsers, builtins)";
}

function frameLabel(frame) {
  const url = (frame.url ?? "").replace(/^file:\/\//, "").replace(`${root}/`, "").replace(/.*node_modules\/\.pnpm\/([^/]+)\/node_modules\//, "$1 ");
  return { fn: frame.functionName || "(anonymous)", where: url ? `${url}:${frame.lineNumber + 1}` : "" };
}

/** Self time per function and per origin, and inclusive time per Outpost function, in µs. */
function analyseProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  const origins = new Map();
  const inclusive = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const origin = originOf(node.callFrame);
    if (origin === "idle") idle += us;
    origins.set(origin, (origins.get(origin) ?? 0) + us);
    const { fn, where } = frameLabel(node.callFrame);
    const key = `${fn}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id).callFrame;
      if (!originOf(frame).startsWith("Outpost")) continue;
      const l = frameLabel(frame);
      const k = `${l.fn}\t${l.where}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const rows = (map) => [...map.entries()].sort((x, y) => y[1] - x[1]).map(([key, us]) => ({ fn: key.split("\t")[0], where: key.split("\t")[1], us }));
  return { total, busy: total - idle, self: rows(self), inclusive: rows(inclusive), origins: [...origins.entries()].sort((x, y) => y[1] - x[1]) };
}

async function profileMode(driver, upstream) {
  const dir = mkdtempSync(join(tmpdir(), "outpost-bench-prof-"));
  const seconds = Number(args.duration ?? 10);
  const scenario = SCENARIOS.find((s) => s.key === (args.only ?? "small") && !s.sse);
  if (!scenario) throw new Error("--profile takes --only small|large|echo|redis|rules (one scenario)");
  const { shape } = scenario;
  const outpostTarget = scenario.targets.find((t) => t.key.startsWith("outpost") && t.key !== "outpost-1-rule") ?? T.outpost;
  const redis = scenario.redis ? await findRedis() : undefined;
  const profiled = {};
  try {
    for (const t of [T.reference, outpostTarget]) {
      const sub = join(dir, t.key);
      const p = await startProcess(`${t.label} (cpu-prof)`, t.argv(upstream.url, redis?.url), { proxy: true, nodeFlags: ["--cpu-prof", "--cpu-prof-dir", sub] });
      const target = { ...t, ...p };
      await load(driver, target, shape, 2);
      const r = await load(driver, target, shape, seconds);
      await p.stop();
      const file = readdirSync(sub).find((f) => f.endsWith(".cpuprofile"));
      profiled[t.key === "reference" ? "reference" : "outpost"] = { r, file: join(sub, file), analysis: analyseProfile(JSON.parse(readFileSync(join(sub, file), "utf8"))) };
    }
  } finally {
    await redis?.stop();
  }
  const perReq = (key, us) => us / (profiled[key].requestsTotal ?? 1);
  // Requests in each profile: wrk counts only the measured run; count the warm-up too by rate.
  for (const key of Object.keys(profiled)) profiled[key].requestsTotal = profiled[key].r.requests * ((seconds + 2) / seconds);
  const o = profiled.outpost;
  const ref = profiled.reference;
  const L = [];
  L.push(`${scenario.title}, ${CONNECTIONS} connections, ${driver}, each proxy under --cpu-prof on core 0 for ${seconds} s (+2 s warm-up): reference ${fmt(ref.r.rps)} req/s, ${outpostTarget.label} ${fmt(o.r.rps)} req/s (profiling slows both). Busy CPU per request (idle excluded, requests estimated from the rate): reference ${fmt(perReq("reference", ref.analysis.busy))} µs, Outpost ${fmt(perReq("outpost", o.analysis.busy))} µs.`, "");
  L.push("Self time per request by origin:", "", "| origin | reference µs/req | Outpost µs/req |", "|---|---:|---:|");
  const originNames = [...new Set([...o.analysis.origins.map(([k]) => k), ...ref.analysis.origins.map(([k]) => k)])].filter((k) => k !== "idle");
  for (const name of originNames) {
    const a = ref.analysis.origins.find(([k]) => k === name)?.[1] ?? 0;
    const b = o.analysis.origins.find(([k]) => k === name)?.[1] ?? 0;
    L.push(`| ${name} | ${fmt(perReq("reference", a), 1)} | ${fmt(perReq("outpost", b), 1)} |`);
  }
  L.push("", "Outpost, top self time (idle excluded):", "", "| self % of busy | µs/req | function | where |", "|---:|---:|---|---|");
  for (const row of o.analysis.self.filter((r) => r.fn !== "(idle)").slice(0, 30)) L.push(`| ${((100 * row.us) / o.analysis.busy).toFixed(1)} | ${fmt(perReq("outpost", row.us), 1)} | ${row.fn} | ${row.where} |`);
  L.push("", "Reference, top self time (idle excluded), to compare the plumbing:", "", "| self % of busy | µs/req | function | where |", "|---:|---:|---|---|");
  for (const row of ref.analysis.self.filter((r) => r.fn !== "(idle)").slice(0, 15)) L.push(`| ${((100 * row.us) / ref.analysis.busy).toFixed(1)} | ${fmt(perReq("reference", row.us), 1)} | ${row.fn} | ${row.where} |`);
  L.push("", "Outpost's own functions, inclusive time (callees included):", "", "| % of busy | µs/req | function | where |", "|---:|---:|---|---|");
  for (const row of o.analysis.inclusive.slice(0, 25)) L.push(`| ${((100 * row.us) / o.analysis.busy).toFixed(1)} | ${fmt(perReq("outpost", row.us), 1)} | ${row.fn} | ${row.where} |`);
  const outDir = args.out ?? join(here, "results");
  mkdirSync(outDir, { recursive: true });
  const name = `${new Date().toISOString().slice(0, 10)}-profile-${scenario.key}`;
  writeFileSync(join(outDir, `${name}.md`), `# CPU profile: ${scenario.title}\n\nCommand: \`node bench/run.mjs --profile --only ${scenario.key}\`\n\n${L.join("\n")}\n`);
  log(`profiles: ${o.file} ${ref.file}\nsummary: ${join(outDir, `${name}.md`)}`);
  process.stdout.write(`${L.join("\n")}\n`);
}

// ---------------------------------------------------------------------------------------------

/** What was measured: the commit, whether the tree had changes, and when each dist was built. */
function sourceInfo() {
  const git = (...a) => spawnSync("git", a, { cwd: root, encoding: "utf8" }).stdout?.trim() ?? "";
  const dists = {};
  for (const pkg of ["core", "adapter-node", "storage-redis"]) {
    try {
      dists[pkg] = statSync(join(root, "packages", pkg, "dist/index.js")).mtime.toISOString();
    } catch {}
  }
  return { commit: git("rev-parse", "--short", "HEAD"), dirty: git("status", "--porcelain", "--", "packages").length > 0, distBuilt: dists };
}

async function main() {
  const t0 = performance.now();
  for (const f of ["packages/adapter-node/dist/index.js", "packages/storage-redis/dist/index.js"]) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`pnpm exec turbo run build\` first`);
  }
  const driver = pickDriver();
  const loadBefore = loadavg();
  const upstream = await startProcess("upstream", ["bench/upstream.mjs"]);
  try {
    if (args.profile) return await profileMode(driver, upstream);
    const only = args.only ? new Set(args.only.split(",")) : undefined;
    const scenarios = SCENARIOS.filter((s) => (only ? only.has(s.key) : SMOKE || !s.optIn));
    const redis = scenarios.some((s) => s.redis) ? await findRedis() : undefined;
    const ctx = { upstream, redis, driver, redisPerRequest: undefined };
    log(`bench: driver ${driver}, ${REPS} rep(s) × ${SMOKE ? `${SMOKE_REQUESTS} requests` : `${DURATION_S} s`}, ${CONNECTIONS} connections, ${PIN ? "proxy on core 0, the rest on core 1" : "no CPU pinning"}`);
    const results = [];
    try {
      for (const s of scenarios) {
        log(`scenario ${s.key}: ${s.title}`);
        results.push(await runScenario(s, ctx));
      }
    } finally {
      await redis?.stop();
    }
    withRatios(results);
    const now = new Date();
    const report = {
      date: now.toISOString(),
      smoke: SMOKE,
      command: `node bench/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model ?? "unknown",
        memGiB: totalmem() / 1024 ** 3,
        node: process.versions.node,
        os: `${process.platform} ${process.arch}`,
        loadavgBefore: loadBefore,
        wrk: driver === "wrk" ? spawnSync("wrk", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0] : undefined,
      },
      source: sourceInfo(),
      pinning: PIN ? "taskset: proxy under test on core 0; upstream, load driver and this script on core 1" : "no CPU pinning (taskset missing or 1 core)",
      driver: driver === "wrk" ? "wrk -t1" : driver,
      reps: REPS,
      durationS: SMOKE ? `≤${DURATION_S} (${SMOKE_REQUESTS} requests)` : DURATION_S,
      warmupS: WARMUP_S,
      redis: redis?.note,
      redisPerRequest: ctx.redisPerRequest,
      scenarios: results,
      checks: [],
      elapsedS: (performance.now() - t0) / 1000,
    };
    report.machine.loadavgAfter = loadavg();
    report.checks = checks(results, ctx.redisPerRequest);
    const md = markdown(report);
    const outDir = args.out ?? (SMOKE ? mkdtempSync(join(tmpdir(), "outpost-bench-smoke-")) : join(here, "results"));
    mkdirSync(outDir, { recursive: true });
    let name = now.toISOString().slice(0, 10);
    if (existsSync(join(outDir, `${name}.json`))) name = `${name}-${now.toISOString().slice(11, 16).replace(":", "")}`;
    writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(outDir, `${name}.md`), md);
    const temporary = SMOKE && !args.out;
    process.stdout.write(`${md}\n${temporary ? "" : `Report: ${join(outDir, `${name}.md`)} (+ .json), `}${report.elapsedS.toFixed(1)} s\n`);
    if (temporary) rmSync(outDir, { recursive: true, force: true });
    if (SMOKE) {
      const broken = results.filter((s) => !s.skipped && (s.brokenPreflight || s.targets.some((t) => t.errors > 0 || (!s.sse && t.requests === 0))));
      if (broken.length > 0) {
        log(`bench smoke: FAILED in ${broken.map((s) => s.key).join(", ")}`);
        process.exitCode = 1;
      } else log("bench smoke: OK");
    }
  } finally {
    await upstream.stop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    log(`bench: ${error.stack ?? error}`);
    process.exit(1);
  },
);
