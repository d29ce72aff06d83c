// Outpost as users run it, from the built package (`pnpm exec turbo run build` first):
// loadNodeConfig → startServer, with one provider `bench` pointed at the loopback upstream,
// bearer auth from BENCH_TOKEN, allowlist mode and a rate limit with a capacity no benchmark
// reaches (the token bucket is taken on every request, it just never runs dry).
//
// Run: BENCH_TOKEN=… node bench/outpost-server.mjs --upstream http://127.0.0.1:N
//        [--storage memory|redis] [--redis-url URL] [--logger quiet|json] [--rules N] [--no-scrub]
//   --logger quiet  a logger that drops every line (the default here)
//   --logger json   Outpost's default JSON-lines logger on stdout (the caller redirects it)
//   --rules N       exactly N allow rules for GET: N-1 that share the `/small` prefix but never
//                   match, then `/small` last (first match wins, so every rule is tried)
// Prints `BENCH_READY {"port":N}` on stderr; SIGTERM closes gracefully (so --cpu-prof is written).
import { parseArgs } from "node:util";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const { values } = parseArgs({
  options: {
    upstream: { type: "string" },
    port: { type: "string", default: "0" },
    storage: { type: "string", default: "memory" },
    "redis-url": { type: "string" },
    logger: { type: "string", default: "quiet" },
    rules: { type: "string" },
    "no-scrub": { type: "boolean", default: false },
  },
});
if (!values.upstream) throw new Error("--upstream is required");

const { loadNodeConfig, startServer } = await import("../packages/adapter-node/dist/index.js");

const RATE_LIMIT = [{ capacity: 1_000_000_000, window_ms: 1000 }];

function allowRules(count) {
  if (count === undefined) {
    return [
      { pattern: "/small", methods: ["GET"] },
      { pattern: "/large", methods: ["GET"] },
      { pattern: "/echo", method: "POST", sensitive: false },
      { pattern: "/sse", methods: ["GET"] },
    ];
  }
  const rules = [];
  for (let i = 1; i < count; i++) rules.push({ pattern: `/small/item-${i}/*`, methods: ["GET"] });
  rules.push({ pattern: "/small", methods: ["GET"] });
  return rules;
}

// Written as a block-style YAML file and loaded from a directory, the way `outpost serve
// --providers DIR` reads configuration (passing objects goes through JSON-in-YAML flow syntax,
// which parses much more slowly for 1,000 rules).
const rules = allowRules(values.rules === undefined ? undefined : Number(values.rules));
const yaml = [
  "name: bench",
  `base_url: ${values.upstream}`,
  "auth: {type: bearer_static, env: BENCH_TOKEN}",
  ...(values["no-scrub"] ? ["scrub_responses: false"] : []),
  "forwarding:",
  "  mode: allowlist",
  "  allow:",
  ...rules.map((r) => `    - pattern: "${r.pattern}"\n      ${r.method ? `method: ${r.method}` : `methods: [${r.methods.join(", ")}]`}${r.sensitive === false ? "\n      sensitive: false" : ""}`),
  "  rate_limits:",
  "    default:",
  ...RATE_LIMIT.map((w) => `      - {capacity: ${w.capacity}, window_ms: ${w.window_ms}}`),
  `  max_body_bytes: ${1024 * 1024}`,
  "",
].join("\n");
const dir = mkdtempSync(join(tmpdir(), "outpost-bench-providers-"));
writeFileSync(join(dir, "bench.yaml"), yaml);
let config;
try {
  config = await loadNodeConfig({ providerDirs: [dir], env: { BENCH_TOKEN: process.env.BENCH_TOKEN } });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

let storage;
let closeStorage = async () => {};
if (values.storage === "redis") {
  const { createRedisClient, redisStorage } = await import("../packages/storage-redis/dist/index.js");
  const client = createRedisClient(values["redis-url"] ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  client.on("error", () => {});
  if (client.status !== "ready") await once(client, "ready");
  storage = redisStorage({ client, keyPrefix: `outpost-bench:${process.pid}:` });
  closeStorage = async () => {
    await storage.clear().catch(() => {});
    client.disconnect();
  };
} else if (values.storage !== "memory") {
  throw new Error(`unknown --storage ${values.storage}`);
}

const quiet = { request: () => {}, warn: () => {} };
const running = await startServer({
  config,
  port: Number(values.port),
  host: "127.0.0.1",
  ...(values.logger === "json" ? {} : { logger: quiet }),
  ...(storage ? { storage } : {}),
});
process.stderr.write(`BENCH_READY ${JSON.stringify({ port: running.port })}\n`);
process.once("SIGTERM", () => {
  running
    .close(1000)
    .then(closeStorage)
    .finally(() => process.exit(0));
});
