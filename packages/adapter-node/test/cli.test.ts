/**
 * The `outpost` CLI as operators run it: `node dist/cli.js`, so run `pnpm exec turbo run build`
 * first (CI builds before testing). Covers security-cases.md section J end to end: a bad
 * configuration makes `check` exit 1 naming file, line and field, and makes `serve` exit
 * non-zero quickly without ever binding its port; no secret value is ever printed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const T = { timeout: 20000 };

const GH_SECRET = `gh-${randomUUID()}`;
const PSK_SECRET = `psk-${randomUUID()}`;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface Running {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<RunResult>;
}

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** Only PATH is inherited, so a PORT or OUTPOST_* of the machine running the tests cannot leak in. */
function start(args: string[], options: { cwd: string; env?: Record<string, string> }): Running {
  const began = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    waiters.forEach((w) => w());
  });
  const exited = new Promise<RunResult>((resolve) => {
    child.on("close", (code, signal) => {
      children.delete(child);
      waiters.forEach((w) => w());
      resolve({ code, signal, stdout, stderr, ms: Date.now() - began });
    });
  });
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitForStderr: (pattern, timeoutMs = 10000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr so far:\n${stderr}`)), timeoutMs);
        const check = () => {
          const match = stderr.match(pattern);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${pattern}; stderr:\n${stderr}`));
          }
        };
        waiters.push(check);
        check();
      }),
  };
}

const run = (args: string[], options: { cwd: string; env?: Record<string, string> }) => start(args, options).exited;

function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "outpost-cli-"));
  tempDirs.push(dir);
  return dir;
}

/** Writes files (relative path → content) into a fresh directory and returns it. */
function project(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

const GITHUB_YAML = lines(
  "name: github", // 1
  "base_url: https://api.github.com", // 2
  "auth: {type: bearer_static, env: GH_TOKEN}", // 3
  "forwarding:", // 4
  '  deny: ["/user/keys"]', // 5
);
const SLACK_OFF_YAML = lines("name: slack", "enabled: false", "base_url: https://slack.com/api", "auth: {type: bearer_static, env: SLACK_TOKEN}");
const HOSTS_YAML = lines(
  "hosts:", // 1
  "  - id: research", // 2
  '    cidrs: ["10.0.1.0/24"]', // 3
  "    auth_token_env: PSK_R", // 4
  "    providers: [github]", // 5
  "  - id: local", // 6
  '    cidrs: ["127.0.0.0/8"]', // 7
  "    can_call_sensitive: true", // 8
);

const GOOD = { "providers/github.yaml": GITHUB_YAML, "providers/slack.yaml": SLACK_OFF_YAML, "hosts.yaml": HOSTS_YAML };
const SECRETS = { GH_TOKEN: GH_SECRET, PSK_R: PSK_SECRET };

/** The bad configurations of security-cases.md section J, each with what must be printed. */
const BAD_CONFIGS: { name: string; files: Record<string, string>; env: Record<string, string>; expected: string }[] = [
  {
    name: "an unknown key",
    files: { ...GOOD, "providers/github.yaml": GITHUB_YAML.replace("forwarding:", "forwading:") },
    env: SECRETS,
    expected: "providers/github.yaml:4 forwading: unknown key",
  },
  {
    name: "a non-canonical CIDR in the hosts file",
    files: { ...GOOD, "hosts.yaml": HOSTS_YAML.replace('"10.0.1.0/24"', '"010.0.1.0/24"') },
    env: SECRETS,
    expected: 'hosts.yaml:3 hosts[0].cidrs[0]: invalid CIDR "010.0.1.0/24"',
  },
  {
    name: "a missing secret",
    files: GOOD,
    env: { PSK_R: PSK_SECRET },
    expected: "providers/github.yaml:3 auth.env: secret GH_TOKEN is not set (or empty)",
  },
  {
    name: "an empty host PSK",
    files: GOOD,
    env: { GH_TOKEN: GH_SECRET, PSK_R: "" },
    expected: "hosts.yaml:4 hosts[0].auth_token_env: secret PSK_R is not set (or empty)",
  },
  {
    name: "a tab in the indentation",
    files: { ...GOOD, "providers/github.yaml": GITHUB_YAML.replace('  deny: ["/user/keys"]', '\tdeny: ["/user/keys"]') },
    env: SECRETS,
    expected: "providers/github.yaml:5: invalid YAML: Tabs",
  },
];

const expectNoSecret = (text: string) => {
  expect(text).not.toContain(GH_SECRET);
  expect(text).not.toContain(PSK_SECRET);
};

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm exec turbo run build\` first`);
});

afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("outpost check", () => {
  it("exits 0 and prints a summary on a good config, without secret values", T, async () => {
    const cwd = project(GOOD);
    const result = await run(["check", "--hosts", "hosts.yaml"], { cwd, env: SECRETS });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^configuration OK\n/);
    expect(result.stdout).toContain("providers enabled: 1");
    expect(result.stdout).toMatch(/ github +https:\/\/api\.github\.com +transparent +auth=bearer_static allow=0 deny=1 +\(providers\/github\.yaml\)/);
    expect(result.stdout).not.toMatch(/ slack /);
    expect(result.stdout).toContain("hosts: hosts.yaml");
    expect(result.stdout).toMatch(/ research +sensitive=no +psk=yes github/);
    expect(result.stdout).toMatch(/ local +sensitive=yes psk=no +all providers/);
    expectNoSecret(result.stdout + result.stderr);
  });

  it("reads ./providers by default and uses the loopback default without a hosts file", T, async () => {
    const cwd = project({ "providers/github.yaml": GITHUB_YAML });
    const result = await run(["check"], { cwd, env: SECRETS });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("hosts: default (loopback only, sensitive allowed, no PSK)");
    expectNoSecret(result.stdout + result.stderr);
  });

  it.each(BAD_CONFIGS)("exits 1 naming file, line and field: $name", async ({ files, env, expected }) => {
    const cwd = project(files);
    const result = await run(["check", "--hosts", "hosts.yaml"], { cwd, env });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("configuration OK");
    expect(result.stderr).toMatch(/^outpost: configuration error\n/);
    expect(result.stderr).toContain(expected);
    expectNoSecret(result.stdout + result.stderr);
  }, 20000);

  it("reports several problems in one run", T, async () => {
    const cwd = project({
      "providers/github.yaml": GITHUB_YAML.replace("forwarding:", "forwading:"),
      "hosts.yaml": HOSTS_YAML.replace('"10.0.1.0/24"', '"10.0.1.5/24"'),
    });
    const result = await run(["check", "--hosts", "hosts.yaml"], { cwd, env: { GH_TOKEN: GH_SECRET, TRUSTED_PROXIES: "0x0a.0.0.1/32" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("providers/github.yaml:4 forwading: unknown key");
    expect(result.stderr).toContain("hosts.yaml:3 hosts[0].cidrs[0]:");
    expect(result.stderr).toContain("hosts.yaml:4 hosts[0].auth_token_env: secret PSK_R is not set (or empty)");
    expect(result.stderr).toContain('<env TRUSTED_PROXIES> [0]: invalid CIDR "0x0a.0.0.1/32"');
    expectNoSecret(result.stderr);
  });

  it("an unreadable hosts file or providers directory is a located error", T, async () => {
    const cwd = project(GOOD);
    const noHosts = await run(["check", "--hosts", "nope.yaml"], { cwd, env: SECRETS });
    expect(noHosts.code).toBe(1);
    expect(noHosts.stderr).toContain("nope.yaml: cannot read file (ENOENT)");
    const noDir = await run(["check", "--providers", "missing-dir"], { cwd, env: SECRETS });
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toContain("missing-dir: cannot read providers directory (ENOENT)");
  });
});

describe("outpost serve with a bad configuration", () => {
  it.each(BAD_CONFIGS)("exits non-zero within 5 s without binding its port: $name", async ({ files, env, expected }) => {
    const cwd = project(files);
    const port = await freePort();
    const result = await run(["serve", "--hosts", "hosts.yaml", "--port", String(port)], { cwd, env });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.ms).toBeLessThan(5000);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).not.toContain("listening");
    expectNoSecret(result.stdout + result.stderr);
    expect(await portIsFree(port)).toBe(true);
  }, 20000);
});

describe("outpost serve with a good configuration", () => {
  it("starts, answers GET /healthz and exits 0 on SIGTERM", T, async () => {
    const cwd = project(GOOD);
    const port = await freePort();
    const server = start(["serve", "--hosts", "hosts.yaml", "--port", String(port)], { cwd, env: SECRETS });
    const [, url] = await server.waitForStderr(/listening on (http:\/\/\S+)/);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(await portIsFree(port)).toBe(false);

    const response = await fetch(`${url}/healthz`, { headers: { connection: "close" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });

    server.child.kill("SIGTERM");
    const result = await server.exited;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("SIGTERM received");
    expectNoSecret(result.stdout + result.stderr);
    expect(await portIsFree(port)).toBe(true);
  });

  it("--env-file supplies a secret", T, async () => {
    const cwd = project({ ...GOOD, "secrets.env": `GH_TOKEN=${GH_SECRET}\nPSK_R="${PSK_SECRET}"\n` });
    const without = await run(["check", "--hosts", "hosts.yaml"], { cwd });
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("secret GH_TOKEN is not set");

    const withFile = await run(["check", "--hosts", "hosts.yaml", "--env-file", "secrets.env"], { cwd });
    expect(withFile.stderr).toBe("");
    expect(withFile.code).toBe(0);
    expectNoSecret(withFile.stdout);

    const port = await freePort();
    const server = start(["serve", "--hosts", "hosts.yaml", "--env-file", "secrets.env", "--port", String(port)], { cwd });
    await server.waitForStderr(/listening on/);
    server.child.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
  });

  it("--env-file that does not exist is an error naming it", T, async () => {
    const cwd = project(GOOD);
    const result = await run(["check", "--env-file", "missing.env"], { cwd, env: SECRETS });
    // Node itself (20.x and later) scans the whole argv for --env-file and exits 9 with
    // "node: missing.env: not found" before the CLI runs; otherwise the CLI's own ConfigError
    // ("missing.env: cannot read env file (ENOENT)", exit 1) applies. Either way: refused, named.
    expect(result.code === 1 || result.code === 9).toBe(true);
    expect(result.stderr).toMatch(/missing\.env: (cannot read env file \(ENOENT\)|not found)/);
    expect(result.stdout).not.toContain("configuration OK");
  });
});

describe("environment variables and flags", () => {
  it("OUTPOST_PROVIDERS_DIR and OUTPOST_HOSTS_FILE are honoured", T, async () => {
    const config = project(GOOD);
    const cwd = tempDir(); // no ./providers here
    const result = await run(["check"], {
      cwd,
      env: { ...SECRETS, OUTPOST_PROVIDERS_DIR: join(config, "providers"), OUTPOST_HOSTS_FILE: join(config, "hosts.yaml") },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("providers enabled: 1");
    expect(result.stdout).toContain(`hosts: ${join(config, "hosts.yaml")}`);
    expect(result.stdout).toMatch(/ research +sensitive=no +psk=yes/);
  });

  it("OUTPOST_PROVIDERS_DIR may list several directories", T, async () => {
    const a = project({ "github.yaml": GITHUB_YAML });
    const b = project({ "gitlab.yml": lines("name: gitlab", "base_url: https://gitlab.com/api/v4", "auth: {type: none}") });
    const result = await run(["check"], { cwd: tempDir(), env: { ...SECRETS, OUTPOST_PROVIDERS_DIR: `${a}:${b}` } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("providers enabled: 2");
    expect(result.stdout).toMatch(/ gitlab +https:\/\/gitlab\.com\/api\/v4/);
  });

  it("PORT and OUTPOST_HOST are honoured", T, async () => {
    const cwd = project(GOOD);
    const port = await freePort("127.0.0.2");
    const server = start(["serve"], { cwd, env: { ...SECRETS, PORT: String(port), OUTPOST_HOST: "127.0.0.2" } });
    const [, url] = await server.waitForStderr(/listening on (http:\/\/\S+)/);
    expect(url).toBe(`http://127.0.0.2:${port}`);
    const response = await fetch(`${url}/healthz`, { headers: { connection: "close" } });
    expect(await response.json()).toEqual({ status: "ok" });
    server.child.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
  });

  it("flags override the environment", T, async () => {
    const good = project(GOOD);
    const bad = project({
      "providers/github.yaml": GITHUB_YAML.replace("forwarding:", "forwading:"),
      "hosts.yaml": HOSTS_YAML.replace('"10.0.1.0/24"', '"10.0.1/24"'),
    });
    const envPort = await freePort();
    const flagPort = await freePort();
    const server = start(["serve", "--providers", join(good, "providers"), "--hosts", join(good, "hosts.yaml"), "--port", String(flagPort), "--host", "127.0.0.1"], {
      cwd: tempDir(),
      env: {
        ...SECRETS,
        OUTPOST_PROVIDERS_DIR: join(bad, "providers"),
        OUTPOST_HOSTS_FILE: join(bad, "hosts.yaml"),
        PORT: String(envPort),
        OUTPOST_HOST: "127.0.0.2",
      },
    });
    const [, url] = await server.waitForStderr(/listening on (http:\/\/\S+)/);
    expect(url).toBe(`http://127.0.0.1:${flagPort}`);
    expect(server.output().stderr).toContain(`hosts: ${join(good, "hosts.yaml")}`);
    expect(await portIsFree(envPort)).toBe(true);
    server.child.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
  });

  it("--default-provider overrides DEFAULT_PROVIDER", T, async () => {
    const cwd = project(GOOD);
    const ok = await run(["check", "--default-provider", "github"], { cwd, env: { ...SECRETS, DEFAULT_PROVIDER: "nope" } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("default provider: github");
    const bad = await run(["check"], { cwd, env: { ...SECRETS, DEFAULT_PROVIDER: "nope" } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('<env DEFAULT_PROVIDER>: default provider "nope" is not an enabled provider');
  });

  it("an invalid PORT is refused before binding", T, async () => {
    const cwd = project(GOOD);
    const result = await run(["serve"], { cwd, env: { ...SECRETS, PORT: "80a" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('<PORT>: must be an integer of at least 0, got "80a"');
  });

  it("an unknown flag prints usage and exits 1", T, async () => {
    const cwd = project(GOOD);
    const result = await run(["check", "--bogus"], { cwd, env: SECRETS });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--bogus");
    expect(result.stderr).toContain("Usage: outpost <serve|check> [options]");
    expect(result.stdout).toBe("");
  });

  it("an unknown command exits 1", T, async () => {
    const cwd = project(GOOD);
    const result = await run(["serv"], { cwd, env: SECRETS });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown command "serv"');
  });

  it("--help prints usage and exits 0", T, async () => {
    const result = await run(["--help"], { cwd: tempDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: outpost <serve|check> [options]");
  });
});
