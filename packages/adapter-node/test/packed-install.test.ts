/**
 * Outpost installs like a real package (issue 8, item 2): the packages are packed with
 * `pnpm pack` (workspace:^ rewritten, publishConfig applied), installed with npm into a fresh
 * project outside the workspace, and used from there: the `outpost` CLI through npx, and the
 * handler mounted in a plain node:http server and in Express.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type RecordingUpstream, startRecordingUpstream } from "@outpost/test-support";
import { runCommand, userEnv } from "./support/run-command.js";

const WORKSPACE = realpathSync(resolve(import.meta.dirname, "..", "..", ".."));
/** adapter-node depends on storage-redis, so all three are packed; npm must find none elsewhere. */
const PACKED = ["core", "storage-redis", "adapter-node"] as const;
const EXPRESS = "express@5.3.0";
const TOKEN = "packed-echo-token";

const inside = (path: string, dir: string) => !relative(dir, path).startsWith("..");

function pnpm(): { command: string; prefix: string[] } {
  const onPath = (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(join(dir, "pnpm")));
  return onPath ? { command: "pnpm", prefix: [] } : { command: "npx", prefix: ["--yes", "pnpm@12.4.2"] };
}

/** Resolves once `text` appears in the child's stderr. */
function waitForStderr(child: ChildProcess, text: string, log: { stderr: string }, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"; stderr: ${log.stderr}`)), timeoutMs);
    const check = () => {
      if (!log.stderr.includes(text)) return;
      clearTimeout(timer);
      resolvePromise();
    };
    child.stderr!.on("data", check);
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`exited with ${code}: ${log.stderr}`))));
    check();
  });
}

const MOUNT_SCRIPT = `
import { createServer } from "node:http";
import express from "express";
import { createJsonLogger, createOutpost } from "@outpost/adapter-node";
import { ConfigError } from "@outpost/core";

const upstream = process.argv[2];
const logger = createJsonLogger({ write: () => {}, warn: () => {} });
const plain = await createOutpost({
  providers: [{ name: "plain", base_url: upstream + "/plain", auth: { type: "api_key_header", env: "PLAIN_KEY", header: "X-Key" } }],
  env: { PLAIN_KEY: "plain-secret" },
  logger,
});
const mounted = await createOutpost({ providerDirs: ["providers"], env: { ECHO_TOKEN: "${TOKEN}" }, logger });
const app = express();
app.get("/hello", (_req, res) => void res.send("app"));
app.use("/outpost", mounted.handler);
const servers = [createServer(plain.handler), createServer(app)];
await Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok))));
const invalid = await createOutpost({ providers: [{ name: "broken" }], env: {} }).catch((error) => error);
console.log(JSON.stringify({
  plain: "http://127.0.0.1:" + servers[0].address().port,
  express: "http://127.0.0.1:" + servers[1].address().port,
  configErrorShared: invalid instanceof ConfigError,
  resolved: ["@outpost/adapter-node", "@outpost/core", "@outpost/storage-redis", "express"].map((name) => import.meta.resolve(name)),
}));
process.once("SIGTERM", async () => {
  for (const server of servers) server.close();
  await Promise.all([plain.handler.close(), mounted.handler.close()]);
  process.exit(0);
});
`;

describe("packed tarballs installed with npm outside the workspace", () => {
  let project: string;
  let tarballs: string;
  let upstream: RecordingUpstream;
  const npmEnv = userEnv({ SCARF_ANALYTICS: "false", npm_config_update_notifier: "false" });

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    tarballs = mkdtempSync(join(tmpdir(), "outpost-tarballs-"));
    project = realpathSync(mkdtempSync(join(tmpdir(), "outpost-packed-")));
    expect(inside(project, WORKSPACE)).toBe(false);
    const { command, prefix } = pnpm();
    for (const name of PACKED) {
      const dir = join(WORKSPACE, "packages", name);
      expect(existsSync(join(dir, "dist", "index.js")), `${dir}/dist is missing: run turbo run build first`).toBe(true);
      const packed = await runCommand(command, [...prefix, "pack", "--pack-destination", tarballs], { cwd: dir });
      expect(packed.code, packed.stderr).toBe(0);
    }
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "outpost-packed-probe", private: true, type: "module" }));
    const files = readdirSync(tarballs).filter((f) => f.endsWith(".tgz")).map((f) => join(tarballs, f));
    expect(files).toHaveLength(PACKED.length);
    // --ignore-scripts: nothing here needs an install script, and swagger-ui-dist's analytics
    // postinstall must not phone home from a test.
    const flags = ["--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", "--loglevel=error"];
    const installed = await runCommand("npm", ["install", ...flags, ...files, EXPRESS], { cwd: project, env: npmEnv, timeoutMs: 110_000 });
    expect(installed.code, installed.stderr).toBe(0);
    writeFileSync(join(project, "mount.mjs"), MOUNT_SCRIPT);
    mkdirSync(join(project, "providers"));
    writeFileSync(join(project, "providers", "echo.yaml"), `name: echo\nbase_url: ${upstream.url}/api\nauth: {type: bearer_static, env: ECHO_TOKEN}\n`);
  }, 120_000);

  afterAll(async () => {
    await upstream?.close();
    for (const dir of [project, tarballs]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs real copies: no symlink into the workspace, no workspace: ranges, no dev-only condition", () => {
    for (const name of PACKED) {
      const dir = join(project, "node_modules", "@outpost", name);
      const stat = lstatSync(dir);
      expect({ name, symlink: stat.isSymbolicLink(), dir: stat.isDirectory() }).toEqual({ name, symlink: false, dir: true });
      expect(inside(realpathSync(dir), project)).toBe(true);
      const manifest = readFileSync(join(dir, "package.json"), "utf8");
      expect(manifest).not.toMatch(/workspace:|"source"/);
      expect(readdirSync(dir).filter((f) => !/^(README|LICEN[CS]E)/i.test(f)).sort()).toEqual(["dist", "package.json"]);
    }
    expect(readdirSync(join(project, "node_modules", "@outpost")).sort()).toEqual([...PACKED].sort());
    // Nothing anywhere in node_modules links back into the workspace.
    const links = readdirSync(join(project, "node_modules"), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isSymbolicLink())
      .map((entry) => realpathSync(join(entry.parentPath, entry.name)))
      .filter((target) => inside(target, WORKSPACE));
    expect(links).toEqual([]);
  });

  it("npx outpost check accepts a provider directory and names file, line and field for a broken one; add-provider is shipped", async () => {
    const ok = await runCommand("npx", ["--no", "outpost", "check", "--providers", "providers"], { cwd: project, env: userEnv({ ECHO_TOKEN: TOKEN }) });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("configuration OK");
    expect(ok.stdout).toMatch(/echo\s+http:\/\/127\.0\.0\.1/);
    const bad = await runCommand("npx", ["--no", "outpost", "check", "--providers", "providers"], { cwd: project, env: userEnv() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/providers\/echo\.yaml:3 auth\.env: secret ECHO_TOKEN is not set/);
    // The wizard is a lazily loaded chunk with its own dependency (@inquirer/prompts): both shipped.
    const wizard = await runCommand("npx", ["--no", "outpost", "add-provider", "--help"], { cwd: project, env: userEnv() });
    expect(wizard.code, wizard.stderr).toBe(0);
    expect(wizard.stdout).toContain("Usage: outpost add-provider");
  });

  it("npx outpost serve forwards a real request with the credential, then stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    // Its own process group: npx runs outpost under `sh -c`, and a signal to npx alone would
    // orphan the server, so SIGTERM goes to the whole group, as a supervisor would send it.
    const child = spawn("npx", ["--no", "outpost", "serve", "--port", String(port), "--providers", "providers"], {
      cwd: project,
      env: userEnv({ ECHO_TOKEN: TOKEN }),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const log = { stdout: "", stderr: "" };
    child.stdout!.on("data", (d: Buffer) => (log.stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (log.stderr += d.toString()));
    const closed = new Promise<void>((ok) => child.once("close", () => ok()));
    try {
      await waitForStderr(child, "listening on", log, 20_000);
      const res = await fetch(`http://127.0.0.1:${port}/v1/items?id=7`, { headers: { "X-Provider": "echo" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-proxy-provider")).toBe("echo");
      await res.arrayBuffer();
      const rec = upstream.requests.at(-1)!;
      expect(rec.url).toBe("/api/v1/items?id=7");
      expect(rec.headers.authorization).toEqual([`Bearer ${TOKEN}`]);
    } finally {
      process.kill(-child.pid!, "SIGTERM");
    }
    // `close` fires once every holder of the pipes has exited, outpost included.
    await closed;
    expect(log.stderr).toContain("SIGTERM received, finishing in-flight requests");
    expect(log.stdout).toContain('"provider":"echo"');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it("the installed handler works in a plain node:http server and in Express under /outpost", async () => {
    const child = spawn(process.execPath, ["mount.mjs", upstream.url], { cwd: project, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
    try {
      const info = await new Promise<{ plain: string; express: string; configErrorShared: boolean; resolved: string[] }>((ok, reject) => {
        child.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) ok(JSON.parse(out.split("\n")[0]!));
        });
        child.once("exit", (code) => reject(new Error(`mount.mjs exited with ${code}: ${err}`)));
      });
      // Every import resolved inside the temporary project.
      for (const url of info.resolved) expect(inside(new URL(url).pathname, join(project, "node_modules"))).toBe(true);
      expect(info.configErrorShared).toBe(true);

      const plain = await fetch(`${info.plain}/v2/things`, { headers: { "X-Provider": "plain" } });
      expect(plain.status).toBe(200);
      await plain.arrayBuffer();
      expect(upstream.requests.at(-1)!.url).toBe("/plain/v2/things");
      expect(upstream.requests.at(-1)!.headers["x-key"]).toEqual(["plain-secret"]);

      const viaExpress = await fetch(`${info.express}/outpost/v1/things?x=1`, { headers: { "X-Provider": "echo" } });
      expect(viaExpress.status).toBe(200);
      expect(viaExpress.headers.get("x-proxy-provider")).toBe("echo");
      await viaExpress.arrayBuffer();
      expect(upstream.requests.at(-1)!.url).toBe("/api/v1/things?x=1");
      expect(upstream.requests.at(-1)!.headers.authorization).toEqual([`Bearer ${TOKEN}`]);
      expect(await (await fetch(`${info.express}/hello`)).text()).toBe("app");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
