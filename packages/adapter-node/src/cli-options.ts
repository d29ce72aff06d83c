import { existsSync, readFileSync } from "node:fs";
import { delimiter } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { ConfigError } from "@outpost/core";
import { DEFAULT_LIMITS, type ServerLimits } from "./server.js";

export interface CliOptions {
  readonly command: "serve" | "check" | "token" | "help" | "version";
  /** For `token`: the action and the provider it applies to. */
  readonly token: { readonly action: "set" | "clear"; readonly provider: string } | undefined;
  /** Shared storage; undefined means in-memory (DESIGN §2.3). */
  readonly redisUrl: string | undefined;
  /** Prefix for every Redis key, to share one Redis between deployments. */
  readonly redisPrefix: string;
  readonly providerDirs: string[];
  readonly hostsFile: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly defaultProvider: string | undefined;
  readonly limits: ServerLimits;
  /** Reload providers and hosts when their files change (SIGHUP reloads either way). */
  readonly watch: boolean;
  /** process.env plus the --env-file entries (the real environment wins, as with `node --env-file`). */
  readonly env: Record<string, string | undefined>;
}

export const USAGE = `Usage: outpost <serve|check> [options]
       outpost token <set|clear> PROVIDER [options]     (the token is read from stdin)
       outpost add-provider [--providers DIR | --out FILE]

  serve   validate the configuration, then start the proxy
  check   validate the configuration, print a summary, exit 1 on any error
  token   rotate a bearer_store provider's token in shared storage, without a restart
  add-provider  ask for a provider's settings (secrets by env var name only), show the YAML,
          validate it and write it after confirmation

Options (environment variable in brackets):
  --providers DIR          provider YAML directory, repeatable [OUTPOST_PROVIDERS_DIR] (default ./providers)
  --hosts FILE             hosts YAML (default: loopback only) [OUTPOST_HOSTS_FILE]
  --port N                 listen port [PORT] (default 8080)
  --host ADDR              listen address [OUTPOST_HOST] (default 127.0.0.1)
  --env-file FILE          read secrets from a dotenv file, repeatable
  --default-provider NAME  provider for requests without X-Provider [DEFAULT_PROVIDER]
  --redis URL              shared storage (default: in-memory) [REDIS_URL]
  --redis-prefix TEXT      prefix for every Redis key [OUTPOST_REDIS_PREFIX] (default outpost:)
  --max-header-bytes N     request header limit, 431 beyond [OUTPOST_MAX_HEADER_BYTES] (default 16384)
  --header-timeout-ms N    client header timeout [OUTPOST_HEADER_TIMEOUT_MS] (default 10000)
  --body-idle-timeout-ms N client body idle timeout [OUTPOST_BODY_IDLE_TIMEOUT_MS] (default 30000)
  --watch                  reload providers and hosts when their files change [OUTPOST_WATCH=1]
  Trusted proxies may also come from TRUSTED_PROXIES (comma-separated CIDRs).

Reload: SIGHUP (with or without --watch) re-reads the provider files and the hosts file. The new
  configuration is validated first and swapped in whole; an invalid edit is refused with its file,
  line and field on stderr, and the running configuration keeps serving. Requests in flight finish
  on the configuration they started with. Secrets (environment, --env-file), storage and listen
  options are read at start only.
Metrics: GET /metrics answers Prometheus text to callers that match a configured host (with its
  PSK when it has one), like /providers; /healthz and /readyz stay open to anyone.`;

/** A mistake in how the CLI was called (not in the configuration): answered with the usage text. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly code = "ERR_OUTPOST_USAGE";
}

function envError(variable: string, message: string): ConfigError {
  return new ConfigError([{ file: `<${variable}>`, line: undefined, field: "", message }]);
}

function integer(value: string | undefined, variable: string, fallback: number, min = 0): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw envError(variable, `must be an integer of at least ${min}, got "${value}"`);
  return Number(value);
}

function readEnvFiles(files: readonly string[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError([{ file, line: undefined, field: "", message: `cannot read env file (${(error as NodeJS.ErrnoException).code})` }]);
    }
    Object.assign(merged, parseEnv(text));
  }
  return merged;
}

/** `token set PROVIDER`: the value itself never comes from argv, where `ps` and shell history see it. */
function tokenArgs(args: readonly string[]): { action: "set" | "clear"; provider: string } {
  const [action, provider, ...rest] = args;
  if ((action !== "set" && action !== "clear") || !provider) throw new UsageError("usage: outpost token <set|clear> PROVIDER (token on stdin)");
  if (rest.length > 0) throw new UsageError("outpost token reads the token from stdin, never from the command line");
  return { action, provider };
}

/** Flags win over environment variables, which win over defaults (DESIGN §2.3). */
export function parseCliOptions(argv: readonly string[], processEnv: NodeJS.ProcessEnv): CliOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      providers: { type: "string", multiple: true },
      hosts: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "env-file": { type: "string", multiple: true },
      "default-provider": { type: "string" },
      redis: { type: "string" },
      "redis-prefix": { type: "string" },
      "max-header-bytes": { type: "string" },
      "header-timeout-ms": { type: "string" },
      "body-idle-timeout-ms": { type: "string" },
      watch: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const first = positionals[0];
  const known = first === "serve" || first === "check" || first === "token";
  const command = values.help ? "help" : values.version ? "version" : known ? first : "help";
  if (first !== undefined && !known) throw new UsageError(`unknown command "${first}"`);
  const token = command === "token" ? tokenArgs(positionals.slice(1)) : undefined;
  const env = { ...readEnvFiles(values["env-file"] ?? []), ...processEnv };
  const envDirs = env.OUTPOST_PROVIDERS_DIR?.split(delimiter).filter(Boolean);
  const providerDirs = values.providers ?? envDirs ?? (existsSync("providers") ? ["providers"] : []);
  return {
    command,
    token,
    redisUrl: values.redis ?? (env.REDIS_URL || undefined),
    redisPrefix: values["redis-prefix"] || env.OUTPOST_REDIS_PREFIX || "outpost:",
    providerDirs,
    hostsFile: values.hosts ?? (env.OUTPOST_HOSTS_FILE || undefined),
    port: integer(values.port ?? env.PORT, values.port ? "--port" : "PORT", 8080),
    host: values.host ?? (env.OUTPOST_HOST || "127.0.0.1"),
    defaultProvider: values["default-provider"] ?? (env.DEFAULT_PROVIDER || undefined),
    limits: {
      maxHeaderBytes: integer(values["max-header-bytes"] ?? env.OUTPOST_MAX_HEADER_BYTES, "OUTPOST_MAX_HEADER_BYTES", DEFAULT_LIMITS.maxHeaderBytes, 1024),
      headerTimeoutMs: integer(values["header-timeout-ms"] ?? env.OUTPOST_HEADER_TIMEOUT_MS, "OUTPOST_HEADER_TIMEOUT_MS", DEFAULT_LIMITS.headerTimeoutMs, 1),
      bodyIdleTimeoutMs: integer(values["body-idle-timeout-ms"] ?? env.OUTPOST_BODY_IDLE_TIMEOUT_MS, "OUTPOST_BODY_IDLE_TIMEOUT_MS", DEFAULT_LIMITS.bodyIdleTimeoutMs, 1),
    },
    watch: values.watch ?? (env.OUTPOST_WATCH === "1" || env.OUTPOST_WATCH === "true"),
    env,
  };
}
