/**
 * @module @outpost/adapter-node/add-provider
 * `outpost add-provider`: asks for a provider's name, base URL, auth (environment variable names,
 * never secret values), forwarding mode, allow and deny rules and rate limits; shows the YAML,
 * validates it with core's loader and writes it only after confirmation.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { confirm, input, select } from "@inquirer/prompts";
import { formatConfigIssue, type ConfigSource } from "@outpost/core";
import { AUTH_TYPES, type AuthField, CHECKS, checkField, envStem, list } from "./add-provider-fields.js";
import { readProviderDirs } from "./load-files.js";
import { renderProviderYaml, validateProviderText } from "./provider-yaml.js";

/** The three prompt kinds used, so tests can answer without a terminal. */
export interface Prompter {
  input(config: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>;
  select<T extends string>(config: { message: string; choices: ReadonlyArray<{ value: T; name: string; description?: string }>; default?: T; pageSize?: number }): Promise<T>;
  confirm(config: { message: string; default?: boolean }): Promise<boolean>;
}

export interface AddProviderOptions {
  /** Directory the file goes to, as `<name>.yaml`; ignored when `out` is given. */
  readonly dir: string;
  /** Exact file to write. */
  readonly out?: string | undefined;
  /** @default @inquirer/prompts on the terminal */
  readonly prompter?: Prompter;
  /** @default process.stdout */
  readonly print?: (text: string) => void;
  /** Only used to say which named variables are set (never their values). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const ADD_PROVIDER_USAGE = `Usage: outpost add-provider [--providers DIR | --out FILE]

  Asks for a provider's settings, shows the YAML, checks it with Outpost's own loader and writes
  DIR/<name>.yaml (default: the first --providers DIR, else $OUTPOST_PROVIDERS_DIR, else ./providers)
  or FILE, only after you confirm. Secrets are named by environment variable, never typed in.`;

const inquirer: Prompter = { input, select, confirm };
/** A provider file's content in the making, keys in the order they are written. */
type Draft = Record<string, unknown>;
type RateLimits = Record<string, Array<{ capacity: number; window_ms: number }>>;

/** A path as the operator would type it: relative to the working directory when inside it. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

function siblingsOf(file: string): ConfigSource[] {
  const dir = dirname(file);
  if (!existsSync(dir)) return [];
  return readProviderDirs([dir]).filter((source) => resolve(source.file) !== resolve(file));
}

/** Best effort, for an early answer at the name prompt; the loader still checks duplicates. */
function takenNames(siblings: readonly ConfigSource[]): Set<string> {
  return new Set(siblings.flatMap((s) => /^name:\s*["']?([a-z0-9_-]+)/m.exec(s.text)?.[1] ?? []));
}

/** Name, description and base URL; resolves with the name and the file to write. */
async function askBasics(ask: Prompter, options: AddProviderOptions, draft: Draft): Promise<{ name: string; file: string }> {
  const dir = options.out ? dirname(options.out) : options.dir;
  const taken = takenNames(siblingsOf(join(dir, "_")));
  const fileFor = (name: string) => options.out ?? join(options.dir, `${name}.yaml`);
  const name = await ask.input({
    message: "Provider name (the X-Provider value)",
    validate: (v) => {
      const ok = CHECKS.providerName(v);
      if (ok !== true) return ok;
      if (taken.has(v)) return `a provider named "${v}" already exists in ${display(dir)}`;
      return options.out !== undefined || !existsSync(fileFor(v)) || `${display(fileFor(v))} already exists`;
    },
  });
  draft.name = name;
  const description = await ask.input({ message: "Description (blank for none)", validate: checkField({ kind: "text", required: false }) });
  if (description) draft.description = description;
  // DESIGN §2.1: plain http only to loopback, unless the operator says so explicitly.
  for (;;) {
    const baseUrl = await ask.input({ message: "Base URL (requests never leave its path prefix)", validate: CHECKS.baseUrl });
    draft.base_url = baseUrl;
    const url = new URL(baseUrl);
    const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
    if (url.protocol === "https:" || loopback) break;
    if (await ask.confirm({ message: `Send credentials over plain http to ${url.host}? (sets insecure_http: true)`, default: false })) {
      draft.insecure_http = true;
      break;
    }
  }
  return { name, file: fileFor(name) };
}

async function askField(ask: Prompter, field: AuthField, stem: string): Promise<string> {
  if (field.kind === "choice") {
    const choices = (field.choices ?? []).map((value) => ({ value, name: value }));
    return ask.select({ message: field.message, choices, default: field.default });
  }
  const fallback = field.kind === "env" ? (field.default ? stem + field.default : undefined) : field.default;
  return ask.input({ message: field.message, default: fallback || undefined, validate: checkField(field) });
}

async function askAuth(ask: Prompter, name: string): Promise<Draft> {
  const type = await ask.select({
    message: "Auth type",
    choices: AUTH_TYPES.map((spec) => ({ value: spec.type, name: spec.type, description: spec.description })),
    default: "bearer_static",
    pageSize: AUTH_TYPES.length,
  });
  const auth: Draft = { type };
  const stem = envStem(name);
  for (const field of AUTH_TYPES.find((spec) => spec.type === type)?.fields ?? []) {
    const value = await askField(ask, field, stem);
    if (value !== "" && !(field.omitDefault && value === field.default)) auth[field.key] = value;
  }
  if (type === "custom_headers") {
    const headers: Record<string, { env: string }> = {};
    do {
      const header = await ask.input({ message: "Header name", validate: checkField({ kind: "header", required: true }) });
      const env = await ask.input({ message: `Environment variable holding the ${header} value`, validate: checkField({ kind: "env", required: true }) });
      headers[header] = { env };
    } while (await ask.confirm({ message: "Add another header?", default: false }));
    auth.headers = headers;
  }
  return auth;
}

async function askRules(ask: Prompter, mode: string): Promise<Draft[]> {
  const rules: Draft[] = [];
  const more = () => ask.confirm({ message: rules.length ? "Add another allow rule?" : "Add an allow rule?", default: mode === "allowlist" && rules.length === 0 });
  while (await more()) {
    const pattern = await ask.input({ message: "Path pattern (* within a segment, ** across segments)", validate: CHECKS.pattern });
    const methods = list(await ask.input({ message: 'Methods (comma-separated, "*" for any)', default: "GET", validate: CHECKS.methods }));
    const category = await ask.input({ message: "Rate-limit category (blank for the default)", validate: CHECKS.category });
    const rule: Draft = { pattern, methods: methods.map((m) => m.toUpperCase()) };
    if (category) rule.category = category;
    rules.push(rule);
  }
  return rules;
}

async function askLimits(ask: Prompter, categories: readonly string[]): Promise<RateLimits> {
  const limits: RateLimits = {};
  const more = () => ask.confirm({ message: Object.keys(limits).length ? "Add another rate limit?" : "Add a rate limit?", default: false });
  while (await more()) {
    const category = await ask.input({ message: `Category (${["default", ...categories].join(", ")})`, default: "default", validate: CHECKS.category });
    const capacity = Number(await ask.input({ message: "Requests allowed per window", validate: CHECKS.positiveInt }));
    const windowMs = Number(await ask.input({ message: "Window in milliseconds", default: "60000", validate: CHECKS.positiveInt }));
    limits[category] = [...(limits[category] ?? []), { capacity, window_ms: windowMs }];
  }
  return limits;
}

async function askForwarding(ask: Prompter): Promise<Draft | undefined> {
  const mode = await ask.select({
    message: "Forwarding mode",
    choices: [
      { value: "transparent", name: "transparent", description: "forward every path that is not denied" },
      { value: "allowlist", name: "allowlist", description: "forward only paths an allow rule matches" },
    ],
    default: "transparent",
  });
  const allow = await askRules(ask, mode);
  const deny = list(await ask.input({ message: "Denied paths, comma-separated (each covers its subtree; blank for none)", validate: CHECKS.deny }));
  const categories = [...new Set(allow.flatMap((rule) => (typeof rule.category === "string" ? [rule.category] : [])))];
  const rateLimits = await askLimits(ask, categories);
  const forwarding: Draft = {};
  if (mode !== "transparent") forwarding.mode = mode;
  if (allow.length) forwarding.allow = allow;
  if (deny.length) forwarding.deny = deny;
  if (Object.keys(rateLimits).length) forwarding.rate_limits = rateLimits;
  return Object.keys(forwarding).length ? forwarding : undefined;
}

/** Names of the environment variables the provider reads, in file order. */
function envNames(auth: Draft): string[] {
  const direct = Object.entries(auth).filter(([key]) => key === "env" || key === "env_seed" || key.endsWith("_env")).map(([, v]) => String(v));
  const headers = Object.values((auth.headers ?? {}) as Record<string, { env: string }>).map((h) => h.env);
  return [...direct, ...headers];
}

/** Runs the questions and writes the file after confirmation. Resolves with the path written, if any. */
export async function runAddProvider(options: AddProviderOptions): Promise<string | undefined> {
  const ask = options.prompter ?? inquirer;
  const print = options.print ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const draft: Draft = {};
  const { name, file } = await askBasics(ask, options, draft);
  const auth = await askAuth(ask, name);
  draft.auth = auth;
  draft.forwarding = await askForwarding(ask);

  const text = `# ${name}: written by \`outpost add-provider\`; edit freely, then run \`outpost check\`\n${renderProviderYaml(draft)}`;
  const source = { file: display(file), text };
  print(`\n--- ${source.file}\n${text}---`);
  const issues = validateProviderText(source, siblingsOf(file));
  if (issues.length > 0) {
    print(`The configuration loader rejects this file; nothing was written:\n${issues.map(formatConfigIssue).join("\n")}`);
    throw Object.assign(new Error("provider rejected by the configuration loader"), { code: "ERR_OUTPOST_INVALID_PROVIDER" });
  }
  print("Checked with Outpost's configuration loader: OK");
  if (!(await ask.confirm({ message: `Write ${source.file}?`, default: true }))) {
    print("Nothing written.");
    return undefined;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text, { flag: "wx" }); // wx: never overwrite a file that appeared meanwhile
  const env = options.env ?? process.env;
  const names = envNames(auth);
  print(`Wrote ${source.file}.`);
  if (names.length) print(`Secrets it reads from the environment: ${names.map((n) => `${n} (${env[n] ? "set" : "not set"})`).join(", ")}`);
  print(`Check the whole configuration with: outpost check --providers ${display(dirname(file))}`);
  return file;
}

/** `outpost add-provider [--providers DIR | --out FILE]`; resolves with the exit code. */
export async function addProviderCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: { providers?: string[]; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, options: { providers: { type: "string", multiple: true }, out: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (error) {
    process.stderr.write(`outpost: ${(error as Error).message}\n\n${ADD_PROVIDER_USAGE}\n`);
    return 1;
  }
  if (values.help) return (console.log(ADD_PROVIDER_USAGE), 0);
  if (!process.stdin.isTTY) {
    process.stderr.write("outpost: add-provider asks questions; run it in a terminal\n");
    return 1;
  }
  const dir = values.providers?.[0] ?? env.OUTPOST_PROVIDERS_DIR?.split(delimiter).find(Boolean) ?? "providers";
  if (values.out && existsSync(values.out)) {
    process.stderr.write(`outpost: ${values.out} already exists; add-provider never overwrites a file\n`);
    return 1;
  }
  try {
    await runAddProvider({ dir, out: values.out, env });
    return 0;
  } catch (error) {
    const { name, code } = error as { name?: string; code?: string };
    if (name === "ExitPromptError") return (process.stderr.write("\nCancelled; nothing written.\n"), 130);
    if (code === "ERR_OUTPOST_INVALID_PROVIDER") return 1;
    throw error;
  }
}
