/**
 * `outpost add-provider` (issue 8, item 5): the built CLI driven through a real pseudo-terminal,
 * with `outpost check` as the judge of what it writes; plus every auth type through a scripted
 * prompter, and YAML quoting, against core's loader.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, secretsFromRecord } from "@outpost/core";
import { AUTH_TYPES } from "../src/add-provider-fields.js";
import { type Prompter, runAddProvider } from "../src/add-provider.js";
import { renderProviderYaml, validateProviderText } from "../src/provider-yaml.js";
import { KEY, PtySession } from "./support/pty-session.js";
import { runCommand, userEnv } from "./support/run-command.js";
import { CLI } from "./support/spawn-outpost.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "outpost-add-provider-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function wizard(dir: string): PtySession {
  return new PtySession(`${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} add-provider --providers ${JSON.stringify(dir)}`, { cwd: dir, env: userEnv() });
}

/** A select prompt: type the start of the choice, wait until it is highlighted, then Enter. */
async function choose(term: PtySession, question: string, choice: string): Promise<void> {
  await term.expect(question);
  term.type(choice);
  await term.expect(`❯ ${choice}`);
  term.type(KEY.enter);
}

describe("outpost add-provider in a terminal", () => {
  it("asks, shows the YAML, validates it and writes a file that `outpost check` accepts", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "existing.yaml"), "name: existing\nbase_url: https://api.example.com\nauth: {type: none}\n");
    const term = wizard(dir);
    try {
      await term.answer("Provider name", "existing");
      await term.expect("already exists");
      term.type(KEY.backspace.repeat("existing".length) + "acme" + KEY.enter);
      await term.answer("Description", "Acme inventory API");
      await term.answer("Base URL", "http://127.0.0.1:9/v1");
      await choose(term, "Auth type", "api_key_header");
      // A secret value where a variable name belongs is refused; the default name is offered.
      await term.expect("Environment variable holding the API key");
      await term.expect("ACME_API_KEY");
      term.type("sk-live-123" + KEY.enter);
      await term.expect("must be an environment variable name");
      term.type(KEY.backspace.repeat("sk-live-123".length) + KEY.enter);
      await term.answer("Header name", KEY.backspace.repeat(9) + "X-Acme-Key");
      await term.answer("Value prefix", "");
      await choose(term, "Forwarding mode", "allowlist");
      await term.answer("Add an allow rule?", "");
      await term.answer("Path pattern", "/items/**");
      await term.answer("Methods", KEY.backspace.repeat(3) + "GET, head");
      await term.answer("Rate-limit category", "");
      await term.answer("Add another allow rule?", "y");
      await term.answer("Path pattern", "/items/*/notes");
      await term.answer("Methods", KEY.backspace.repeat(3) + "POST");
      await term.answer("Rate-limit category", "writes");
      await term.answer("Add another allow rule?", "n");
      await term.answer("Denied paths", "/admin, /items/secret");
      await term.answer("Add a rate limit?", "y");
      await term.answer("Category", KEY.backspace.repeat(7) + "writes");
      await term.answer("Requests allowed per window", "5");
      await term.answer("Window in milliseconds", "");
      await term.answer("Add another rate limit?", "n");
      await term.expect("--- acme.yaml");
      await term.expect("header: X-Acme-Key");
      await term.expect("Checked with Outpost's configuration loader: OK");
      await term.answer("Write acme.yaml?", "");
      await term.expect("Wrote acme.yaml.");
      await term.expect("ACME_API_KEY (not set)");
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
    const text = readFileSync(join(dir, "acme.yaml"), "utf8");
    expect(text).not.toMatch(/sk-live/);
    const check = await runCommand(process.execPath, [CLI, "check", "--providers", dir], { env: userEnv({ ACME_API_KEY: "k" }) });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/acme\s+http:\/\/127\.0\.0\.1:9\/v1\s+allowlist\s+auth=api_key_header allow=2 deny=2/);
    const provider = loadConfig({ providers: [{ file: "acme.yaml", text }], secrets: secretsFromRecord({ ACME_API_KEY: "k" }) }).providers.get("acme")!;
    expect(provider.config.auth).toEqual({ type: "api_key_header", env: "ACME_API_KEY", header: "X-Acme-Key", prefix: "" });
    expect(provider.config.description).toBe("Acme inventory API");
    expect(provider.config.forwarding).toMatchObject({
      mode: "allowlist",
      allow: [
        { pattern: "/items/**", methods: ["GET", "HEAD"] },
        { pattern: "/items/*/notes", methods: ["POST"], category: "writes" },
      ],
      deny: ["/admin", "/items/secret"],
      rate_limits: { writes: [{ capacity: 5, window_ms: 60000 }] },
    });
  });

  it("declining at the end writes nothing", async () => {
    const dir = tempDir();
    const term = wizard(dir);
    try {
      await term.answer("Provider name", "declined");
      await term.answer("Description", "");
      await term.answer("Base URL", "https://api.example.com");
      await choose(term, "Auth type", "none");
      await choose(term, "Forwarding mode", "transparent");
      await term.answer("Add an allow rule?", "");
      await term.answer("Denied paths", "");
      await term.answer("Add a rate limit?", "");
      await term.expect("Checked with Outpost's configuration loader: OK");
      await term.answer("Write declined.yaml?", "n");
      await term.expect("Nothing written.");
      expect(await term.exited).toBe(0);
    } finally {
      term.kill();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("Ctrl-C cancels with exit code 130 and writes nothing", async () => {
    const dir = tempDir();
    const term = wizard(dir);
    try {
      await term.answer("Provider name", "half");
      await term.expect("Description");
      term.type(KEY.ctrlC);
      await term.expect("Cancelled; nothing written.");
      expect(await term.exited).toBe(130);
    } finally {
      term.kill();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses to run without a terminal rather than misread piped answers", async () => {
    const dir = tempDir();
    const result = await runCommand(process.execPath, [CLI, "add-provider", "--providers", dir], { input: "x\n", env: userEnv() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("run it in a terminal");
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** Answers questions in order; `undefined` takes the default. Every answer goes through the prompt's own check. */
function scripted(answers: Array<[RegExp, string | boolean | undefined]>): Prompter & { remaining: () => number } {
  const next = (message: string) => {
    const entry = answers.shift();
    if (!entry || !entry[0].test(message)) throw new Error(`unexpected question "${message}" (expected ${entry?.[0]})`);
    return entry[1];
  };
  return {
    input: async ({ message, default: fallback, validate }) => {
      const value = (next(message) as string | undefined) ?? fallback ?? "";
      const verdict = validate?.(value) ?? true;
      if (verdict !== true) throw new Error(`"${message}" refused "${value}": ${verdict}`);
      return value;
    },
    select: async ({ message, default: fallback }) => ((next(message) as string | undefined) ?? fallback) as never,
    confirm: async ({ message, default: fallback }) => (next(message) as boolean | undefined) ?? fallback ?? false,
    remaining: () => answers.length,
  };
}

describe("add-provider flow with every auth type (scripted answers, real loader)", () => {
  const extra: Record<string, Array<[RegExp, string | boolean | undefined]>> = {
    bearer_store: [[/Storage key/, "crm-token"]],
    oauth2_client_credentials: [[/Token endpoint URL/, "https://auth.example.com/token"], [/Scope/, "read write"], [/Audience/, undefined], [/authenticates/, "client_secret_basic"]],
    custom_headers: [[/Header name/, "X-Tenant"], [/X-Tenant value/, "T_TENANT"], [/Add another header/, true], [/Header name/, "X-Key"], [/X-Key value/, "T_KEY"], [/Add another header/, false]],
  };

  for (const spec of AUTH_TYPES) {
    it(`${spec.type}: the written file loads, and names secrets only by environment variable`, async () => {
      const dir = tempDir();
      const special = extra[spec.type] ?? [];
      const fieldAnswers = spec.fields.map((f): [RegExp, string | undefined] => {
        const own = special.find(([re]) => re.test(f.message));
        return [new RegExp(f.message.replace(/[()?*+.[\]\\^$|{}]/g, "\\$&")), own ? (own[1] as string | undefined) : undefined];
      });
      const headerAnswers = spec.type === "custom_headers" ? special : [];
      const ask = scripted([
        [/Provider name/, "t-api"],
        [/Description/, undefined],
        [/Base URL/, "https://api.example.com/base"],
        [/Auth type/, spec.type],
        ...fieldAnswers,
        ...headerAnswers,
        [/Forwarding mode/, undefined],
        [/Add an allow rule/, undefined],
        [/Denied paths/, "/admin"],
        [/Add a rate limit/, true],
        [/Category/, undefined],
        [/Requests allowed/, "50"],
        [/Window/, "1000"],
        [/Add another rate limit/, false],
        [/Write/, true],
      ]);
      const printed: string[] = [];
      const file = await runAddProvider({ dir, prompter: ask, print: (t) => printed.push(t), env: {} });
      expect(ask.remaining()).toBe(0);
      expect(file).toBe(join(dir, "t-api.yaml"));
      const text = readFileSync(file!, "utf8");
      // Every environment variable the file names gets a value; the loader then accepts it.
      const names = [...text.matchAll(/(?:env|_env|env_seed): ([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
      expect(names.length > 0 || ["none", "bearer_store"].includes(spec.type)).toBe(true);
      const config = loadConfig({ providers: [{ file: "t-api.yaml", text }], secrets: secretsFromRecord(Object.fromEntries(names.map((n) => [n, "v"]))) });
      expect(config.providers.get("t-api")?.config.auth.type).toBe(spec.type);
      expect(config.providers.get("t-api")?.config.forwarding.rate_limits).toEqual({ default: [{ capacity: 50, window_ms: 1000 }] });
    });
  }

  it("--out writes exactly that file, creating its directory", async () => {
    const out = join(tempDir(), "nested", "custom.yaml");
    const ask = scripted([
      [/Provider name/, "custom"], [/Description/, undefined], [/Base URL/, "https://api.example.com"], [/Auth type/, "none"],
      [/Forwarding mode/, undefined], [/Add an allow rule/, undefined], [/Denied paths/, undefined], [/Add a rate limit/, undefined], [/Write/, true],
    ]);
    expect(await runAddProvider({ dir: "unused", out, prompter: ask, print: () => {} })).toBe(out);
    const text = readFileSync(out, "utf8");
    expect(text).not.toContain("forwarding");
    expect(loadConfig({ providers: [{ file: out, text }], secrets: secretsFromRecord({}) }).providers.has("custom")).toBe(true);
  });

  it("a duplicate name in the directory is reported by the loader with file, line and field", () => {
    const issues = validateProviderText({ file: "dir/new.yaml", text: "name: taken\nbase_url: https://x.example\nauth: {type: none}\n" }, [
      { file: "dir/old.yaml", text: "name: taken\nbase_url: https://y.example\nauth: {type: none}\n" },
    ]);
    expect(issues).toEqual([expect.objectContaining({ file: "dir/new.yaml", line: 1, field: "name", message: expect.stringContaining("duplicate provider name") })]);
  });

  it("YAML rendering quotes whatever would change meaning, and round-trips through the loader", () => {
    const tricky = ["yes", "no", "null", "~", "a: b", "# not a comment", "*alias", "&anchor", "{x}", "[y]", "'q'", '"dq"', "tab\there", "ünïcode", "Bearer ", "", "007", "1e3", "-dash", "?q", "%p", "@a", "!t", "a,b"];
    const text = renderProviderYaml({
      name: "quoting",
      base_url: "https://api.example.com/v1",
      auth: { type: "custom_headers", headers: Object.fromEntries(tricky.slice(0, 5).map((v, i) => [`X-H${i}`, { value: v }])) },
      forwarding: { allow: tricky.map((category, i) => ({ pattern: `/p${i}/{id}/**`, methods: ["GET"], ...(category ? { category } : {}) })) },
    });
    const config = loadConfig({ providers: [{ file: "q.yaml", text }], secrets: secretsFromRecord({}) }).providers.get("quoting")!.config;
    expect(config.base_url).toBe("https://api.example.com/v1");
    expect(Object.values(config.auth.type === "custom_headers" ? config.auth.headers : {})).toEqual(tricky.slice(0, 5).map((value) => ({ value })));
    expect(config.forwarding.allow.map((rule) => rule.category ?? "")).toEqual(tricky);
    expect(config.forwarding.allow[0]!.pattern).toBe("/p0/{id}/**");
  });
});
