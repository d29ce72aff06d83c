/**
 * Fail closed at start-up (security-cases.md J; DESIGN §2; invariant 7). Each configuration error
 * class is written into a real project directory and the built CLI is spawned as operators run it
 * (`node dist/cli.js serve`): it must exit non-zero promptly (DESIGN: 5 s) without binding its
 * port, and print the file, the line and the field (or the variable); no secret value appears in
 * its output. Build first (`pnpm exec turbo run build`); CI does.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createSentinels, findLeaks, freePort } from "@outpost/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../support/spawn-outpost.js";

const secrets = createSentinels(["GH_TOKEN", "JIRA_USER", "JIRA_TOKEN", "PSK_R"]);
const ENV: Record<string, string> = { ...secrets };
const dirs: string[] = [];

const lines = (...rows: string[]) => `${rows.join("\n")}\n`;

const GITHUB = lines(
  "name: github", // 1
  "base_url: https://api.github.com", // 2
  "auth: {type: bearer_static, env: GH_TOKEN}", // 3
  "forwarding:", // 4
  "  mode: allowlist", // 5
  "  allow:", // 6
  '    - {pattern: "/repos/**", methods: [GET]}', // 7
  '    - {pattern: "/repos/*/*/issues", methods: [POST], sensitive: true}', // 8
  '  deny: ["/user/keys", "/admin"]', // 9
  "  timeout_ms: 30000", // 10
);
const JIRA = lines(
  "name: jira", // 1
  "base_url: https://jira.example.com/rest", // 2
  "auth: {type: basic_auth, username_env: JIRA_USER, password_env: JIRA_TOKEN}", // 3
);
const HOSTS = lines(
  'trusted_proxies: ["10.0.0.5/32"]', // 1
  "hosts:", // 2
  "  - id: research", // 3
  '    cidrs: ["10.0.1.0/24"]', // 4
  "    auth_token_env: PSK_R", // 5
  "    providers: [github]", // 6
  "  - id: local", // 7
  '    cidrs: ["127.0.0.0/8"]', // 8
  "    can_call_sensitive: true", // 9
);

interface BadConfig {
  readonly name: string;
  readonly github?: string;
  readonly jira?: string;
  readonly hosts?: string;
  readonly extraFiles?: Record<string, string>;
  /** Variables to remove (undefined) or set, on top of the good environment. */
  readonly env?: Record<string, string | undefined>;
  /** Every one of these must be printed (file:line field, and the reason). */
  readonly expected: readonly string[];
}

const sub = (text: string, from: string, to: string): string => {
  if (!text.includes(from)) throw new Error(`fixture edit: ${JSON.stringify(from)} not found`);
  return text.replace(from, to);
};

const CIDRS = ["10.0.3.10/3s", "10.0.1.0/33", "010.0.1.0/24", "10.0.1/24", "0x0a.0.1.0/24", "10.0.1.5/24"];

const BAD: BadConfig[] = [
  { name: "SEC-109 a tab in the indentation", github: sub(GITHUB, '  deny: ["/user', '\tdeny: ["/user'), expected: ["providers/github.yaml:9", "invalid YAML"] },
  { name: "SEC-109 an unclosed quote", github: sub(GITHUB, '"/admin"]', '"/admin]'), expected: ["providers/github.yaml:9", "invalid YAML"] },
  { name: "a duplicate YAML key", github: sub(GITHUB, "name: github\n", "name: github\nname: gitlab\n"), expected: ["providers/github.yaml:2 name:", "invalid YAML"] },
  { name: "SEC-111 a provider secret that is unset", env: { GH_TOKEN: undefined }, expected: ["providers/github.yaml:3 auth.env: secret GH_TOKEN is not set"] },
  { name: "SEC-111 a provider secret set to the empty string", env: { GH_TOKEN: "" }, expected: ["providers/github.yaml:3 auth.env: secret GH_TOKEN is not set"] },
  { name: "SEC-111 a basic_auth password that is unset", env: { JIRA_TOKEN: undefined }, expected: ["providers/jira.yaml:3 auth.password_env: secret JIRA_TOKEN is not set"] },
  { name: "SEC-111 a host PSK (auth_token_env) that is unset", env: { PSK_R: undefined }, expected: ["hosts.yaml:5 hosts[0].auth_token_env: secret PSK_R is not set"] },
  { name: "SEC-111 a host PSK set to the empty string", env: { PSK_R: "" }, expected: ["hosts.yaml:5 hosts[0].auth_token_env: secret PSK_R is not set"] },
  { name: "SEC-112 a misspelt section (forwading:)", github: sub(GITHUB, "forwarding:", "forwading:"), expected: ["providers/github.yaml:4 forwading: unknown key"] },
  { name: "SEC-112 a misspelt deny list (deny_list:) never means no deny list", github: sub(GITHUB, "  deny:", "  deny_list:"), expected: ["providers/github.yaml:9 forwarding.deny_list: unknown key"] },
  { name: "SEC-112 a misspelt rule key (sensitve: true)", github: sub(GITHUB, "sensitive: true", "sensitve: true"), expected: ["providers/github.yaml:8 forwarding.allow[1].sensitve: unknown key"] },
  { name: "SEC-112 a wrongly cased value (mode: Allowlist)", github: sub(GITHUB, "mode: allowlist", "mode: Allowlist"), expected: ["providers/github.yaml:5 forwarding.mode:"] },
  { name: "SEC-112 a misspelt top-level provider key", github: GITHUB + "enabeld: false\n", expected: ["providers/github.yaml:11 enabeld: unknown key"] },
  { name: "SEC-112 a misspelt host key (can_call_sensitve)", hosts: sub(HOSTS, "can_call_sensitive", "can_call_sensitve"), expected: ["hosts.yaml:9 hosts[1].can_call_sensitve: unknown key"] },
  { name: "SEC-112 a misspelt hosts list (hots:)", hosts: sub(HOSTS, "hosts:", "hots:"), expected: ["hosts.yaml:2 hots: unknown key"] },
  ...CIDRS.map((cidr) => ({
    name: `SEC-114 the CIDR ${cidr} in a host's cidrs`,
    hosts: sub(HOSTS, '"10.0.1.0/24"', JSON.stringify(cidr)),
    expected: [`hosts.yaml:4 hosts[0].cidrs[0]: invalid CIDR ${JSON.stringify(cidr)}`],
  })),
  { name: "SEC-114 a non-canonical CIDR in trusted_proxies", hosts: sub(HOSTS, '"10.0.0.5/32"', '"010.0.0.5/32"'), expected: ['hosts.yaml:1 trusted_proxies[0]: invalid CIDR "010.0.0.5/32"'] },
  { name: "SEC-114 a CIDR with host bits in TRUSTED_PROXIES", env: { TRUSTED_PROXIES: "10.0.0.5/8" }, expected: ['<env TRUSTED_PROXIES> [0]: invalid CIDR "10.0.0.5/8"'] },
  { name: "a duplicate provider name in two files", extraFiles: { "providers/zz-github.yaml": GITHUB }, expected: ['providers/zz-github.yaml:1 name: duplicate provider name "github" (also defined in providers/github.yaml)'] },
  { name: "an invalid provider name", github: sub(GITHUB, "name: github", "name: GitHub"), expected: ["providers/github.yaml:1 name:"] },
  { name: "a bad allow glob (***)", github: sub(GITHUB, '"/repos/**"', '"/repos/***"'), expected: ['providers/github.yaml:7 forwarding.allow[0]: invalid allow pattern "/repos/***"'] },
  { name: "an empty methods list", github: sub(GITHUB, "methods: [GET]", "methods: []"), expected: ["providers/github.yaml:7 forwarding.allow[0].methods:"] },
  { name: "a deny entry without a leading slash", github: sub(GITHUB, '"/user/keys"', '"user/keys"'), expected: ['providers/github.yaml:9 forwarding.deny[0]: invalid deny entry "user/keys"'] },
  { name: "a deny entry with a dot segment", github: sub(GITHUB, '"/user/keys"', '"/user/../keys"'), expected: ['providers/github.yaml:9 forwarding.deny[0]: invalid deny entry "/user/../keys"'] },
  { name: "a deny entry with a bad wildcard", github: sub(GITHUB, '"/admin"', '"/adm*"'), expected: ['providers/github.yaml:9 forwarding.deny[1]: invalid deny entry "/adm*"'] },
  { name: "an unknown auth type", github: sub(GITHUB, "type: bearer_static", "type: bearer_sttic"), expected: ['providers/github.yaml:3 auth.type: unknown auth type "bearer_sttic"'] },
  { name: "an unknown key in the auth block", github: sub(GITHUB, "env: GH_TOKEN}", "env: GH_TOKEN, prefx: x}"), expected: ["providers/github.yaml:3 auth.prefx: unknown key"] },
  { name: "a wrong type (max_body_bytes as a string)", github: sub(GITHUB, "timeout_ms: 30000", 'max_body_bytes: "10mb"'), expected: ["providers/github.yaml:10 forwarding.max_body_bytes:"] },
  { name: "a non-positive timeout_ms", github: sub(GITHUB, "timeout_ms: 30000", "timeout_ms: 0"), expected: ["providers/github.yaml:10 forwarding.timeout_ms:"] },
  { name: "plain http to a non-loopback origin without insecure_http", github: sub(GITHUB, "https://api.github.com", "http://api.github.com"), expected: ["providers/github.yaml:2 base_url:"] },
  { name: "credentials inside base_url", github: sub(GITHUB, "https://api.github.com", "https://user:pw@api.github.com"), expected: ["providers/github.yaml:2 base_url:"] },
  { name: "a host granted an unknown provider", hosts: sub(HOSTS, "providers: [github]", "providers: [gitlab]"), expected: ['hosts.yaml:6 hosts[0].providers[0]: unknown provider "gitlab"'] },
  { name: "a duplicate host id", hosts: sub(HOSTS, "id: local", "id: research"), expected: ['hosts.yaml:7 hosts[1].id: duplicate host id "research"'] },
  { name: "a default provider that does not exist", env: { DEFAULT_PROVIDER: "nope" }, expected: ['<env DEFAULT_PROVIDER>: default provider "nope" is not an enabled provider'] },
];

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function project(config: BadConfig): string {
  const dir = mkdtempSync(join(tmpdir(), "outpost-sec-config-"));
  dirs.push(dir);
  const files: Record<string, string> = {
    "providers/github.yaml": config.github ?? GITHUB,
    "providers/jira.yaml": config.jira ?? JIRA,
    "hosts.yaml": config.hosts ?? HOSTS,
    ...config.extraFiles,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

interface Served {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** At most two CLI processes at a time: the machine running the suite may have only two cores. */
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(run: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await run();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** `outpost serve` in `cwd` with only PATH and `env`; killed (exit code null, a failure) if still running after 10 s. */
function serve(cwd: string, env: Record<string, string | undefined>, port: number): Promise<Served> {
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, "serve", "--providers", "providers", "--hosts", "hosts.yaml", "--port", String(port)], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...clean },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm exec turbo run build\` first`);
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("a bad configuration stops `outpost serve` (fail closed)", () => {
  it("control: the unmodified configuration starts and listens (so each failure below is the edit's)", async () => {
    const cwd = project({ name: "good", expected: [] });
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, "serve", "--providers", "providers", "--hosts", "hosts.yaml", "--port", String(port)], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const listening = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 8000);
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        if (stderr.includes("listening on")) (clearTimeout(timer), resolve(true));
      });
      child.on("close", () => (clearTimeout(timer), resolve(false)));
    });
    child.kill("SIGTERM");
    await new Promise((resolve) => child.on("close", resolve));
    expect({ listening, stderr: listening ? "" : stderr }).toEqual({ listening: true, stderr: "" });
    expect(findLeaks(stderr, secrets)).toEqual([]);
  }, 15_000);

  it.concurrent.for(BAD)("$name: outpost serve exits non-zero at once, unbound, naming file, line and field", { timeout: 60_000 }, async (config, { expect }) => {
    const cwd = project(config);
    const port = await freePort();
    const result = await slot(() => serve(cwd, { ...ENV, ...config.env }, port));
    expect(result.stderr).not.toContain("listening");
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    // DESIGN asks for 5 s; this is wall time on a possibly shared two-core machine where a bare
    // CLI start costs ~0.5 s of CPU, so the bound has headroom. A start-up that waits on anything
    // (a port, storage) still fails it, and cli.test.ts checks 5 s on its own cases.
    expect(result.ms).toBeLessThan(8000);
    expect(result.stderr).toMatch(/^outpost: configuration error\n/);
    for (const text of config.expected) expect(result.stderr).toContain(text);
    expect(findLeaks(result.stdout + result.stderr, secrets)).toEqual([]);
    expect(await portIsFree(port)).toBe(true);
  });
});
