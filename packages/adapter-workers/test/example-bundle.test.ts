/**
 * The deployable example: `wrangler deploy --dry-run` bundles it offline (its size is printed),
 * no secret is ever inlined (SEC-136), and the bundle itself starts and answers in workerd.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSentinels, findLeaks } from "@outpost/test-support";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { type DryRun, EXAMPLE_DIR, wranglerDryRun } from "./support/dry-run.js";
import { COMPATIBILITY_DATE } from "./support/workerd-proxy.js";

const PROVIDERS_DIR = join(EXAMPLE_DIR, "../../../providers");
/** Every secret the example's YAML names, plus the hosts file's PSK. */
const SECRET_NAMES = ["AGENT_TOKEN", "GITHUB_TOKEN", "OPENAI_API_KEY", "STRIPE_SECRET_KEY", "JIRA_API_TOKEN", "TWILIO_AUTH_TOKEN"];
const sentinels = createSentinels(SECRET_NAMES);
const DEV_VARS = join(EXAMPLE_DIR, ".dev.vars");
let dryRun: DryRun;

beforeAll(async () => {
  // Sentinels configured as Worker secrets both ways wrangler could see them: `.dev.vars` (local
  // secrets) and the environment of the build.
  await writeFile(DEV_VARS, SECRET_NAMES.map((n) => `${n}=${sentinels[n]}`).join("\n"));
  try {
    dryRun = await wranglerDryRun(sentinels as Record<string, string>);
  } finally {
    await rm(DEV_VARS, { force: true });
  }
  const total = dryRun.files.filter((f) => !f.name.endsWith(".map")).reduce((sum, f) => sum + f.bytes, 0);
  const wranglerLine = /Total Upload: .*/.exec(dryRun.output)?.[0] ?? "(wrangler printed no size)";
  console.log(`example Worker bundle: ${(total / 1024).toFixed(1)} KiB in ${dryRun.files.length - 1} modules; wrangler: ${wranglerLine}`);
}, 120_000);
afterAll(async () => {
  if (dryRun) await rm(dryRun.outdir, { recursive: true, force: true });
});

describe("the example Worker (wrangler deploy --dry-run)", () => {
  it("SEC-136: no sentinel secret appears anywhere in the bundle, in any encoding", async () => {
    expect(dryRun.files.map((f) => f.name)).toContain("index.js");
    for (const file of dryRun.files) {
      const text = await readFile(join(dryRun.outdir, file.name), "latin1");
      expect({ file: file.name, leaks: findLeaks(text, sentinels) }).toEqual({ file: file.name, leaks: [] });
    }
  });

  it("SEC-136: wrangler.toml [vars] holds only the documented non-secret settings", () => {
    const config = unstable_readConfig({ config: join(EXAMPLE_DIR, "wrangler.toml") });
    for (const name of Object.keys(config.vars)) expect(["OUTPOST_KEY_PREFIX", "DEFAULT_PROVIDER", "TRUSTED_PROXIES"]).toContain(name);
    expect(config.durable_objects.bindings).toEqual([{ name: "OUTPOST_COORDINATOR", class_name: "OutpostCoordinator" }]);
    expect(config.migrations).toEqual([{ tag: "v1", new_sqlite_classes: ["OutpostCoordinator"] }]);
  });

  it("bundles every file of the provider catalogue", async () => {
    const entry = await readFile(join(EXAMPLE_DIR, "src/providers.ts"), "utf8");
    const catalogue = (await readdir(PROVIDERS_DIR)).filter((f) => f.endsWith(".yaml"));
    expect(catalogue.length).toBeGreaterThan(0);
    for (const file of catalogue) expect({ file, imported: entry.includes(`/providers/${file}"`) }).toEqual({ file, imported: true });
    const modules = dryRun.files.filter((f) => f.name.endsWith(".yaml")).map((f) => f.name.replace(/^[0-9a-f]+-/, ""));
    expect(modules.sort()).toEqual([...catalogue, "hosts.yaml"].sort());
  });

  it("the bundle starts in workerd: without its PSK secret every request is a configuration error; with it, it serves", async () => {
    const start = (bindings: Record<string, string>) =>
      new Miniflare({
        modules: true,
        scriptPath: join(dryRun.outdir, "index.js"),
        // Module names are paths relative to this root; the bundle lives in a temporary directory.
        modulesRoot: dryRun.outdir,
        modulesRules: [{ type: "Text", include: ["**/*.yaml"] }],
        compatibilityDate: COMPATIBILITY_DATE,
        kvNamespaces: ["OUTPOST_KV"],
        durableObjects: { OUTPOST_COORDINATOR: { className: "OutpostCoordinator", useSQLite: true } },
        bindings: { OUTPOST_KEY_PREFIX: "outpost:", ...bindings },
        handleStructuredLogs: () => {},
      });
    const from = (ip: string, headers: Record<string, string> = {}) => ({ headers: { "CF-Connecting-IP": ip, ...headers } });
    const unconfigured = start({});
    try {
      const res = await unconfigured.dispatchFetch("http://worker.test/healthz", from("203.0.113.9"));
      expect([res.status, ((await res.json()) as { error: { message: string } }).error.message]).toEqual([500, expect.stringMatching(/configuration error/)]);
    } finally {
      await unconfigured.dispose();
    }
    const configured = start({ AGENT_TOKEN: sentinels.AGENT_TOKEN! });
    try {
      expect((await configured.dispatchFetch("http://worker.test/healthz", from("198.51.100.1"))).status).toBe(200);
      const listed = await configured.dispatchFetch("http://worker.test/providers", from("203.0.113.9", { "X-Outpost-Auth": sentinels.AGENT_TOKEN! }));
      expect([listed.status, await listed.json()]).toEqual([200, { host: "agents", providers: [] }]);
      expect((await configured.dispatchFetch("http://worker.test/providers", from("198.51.100.1", { "X-Outpost-Auth": sentinels.AGENT_TOKEN! }))).status).toBe(403);
      expect((await configured.dispatchFetch("http://worker.test/readyz", from("198.51.100.1"))).status).toBe(200);
    } finally {
      await configured.dispose();
    }
  });
});
