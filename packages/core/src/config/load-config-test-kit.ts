/** Shared by the loadConfig tests: configuration texts built row by row, so expected lines stay readable. */
import { ConfigError, type ConfigIssue } from "../errors/config-error.js";
import { secretsFromRecord } from "../ports/secrets.js";
import { loadConfig, type LoadConfigOptions } from "./load-config.js";
import type { ConfigSource } from "./yaml-source.js";

/** Joins rows into a YAML text: row i is line i + 1, which keeps expected lines readable. */
const yaml = (...rows: string[]) => `${rows.join("\n")}\n`;

export const src = (file: string, ...rows: string[]): ConfigSource => ({ file, text: yaml(...rows) });

/** A valid provider: line 5 is `auth.env`, extra rows start at line 6. */
export const github = (...extra: string[]) =>
  src(
    "github.yaml",
    "name: github", // 1
    "base_url: https://api.github.com", // 2
    "auth:", // 3
    "  type: bearer_static", // 4
    "  env: GH_TOKEN", // 5
    ...extra, // 6…
  );

const ENV = { GH_TOKEN: "gh-token-value", SLACK_TOKEN: "slack-token-value", PSK_R: "psk-r-value" };

export interface Options extends Partial<Omit<LoadConfigOptions, "secrets">> {
  env?: Record<string, string | undefined>;
}

export const load = (options: Options = {}) =>
  loadConfig({
    providers: options.providers ?? [github()],
    hosts: options.hosts,
    secrets: secretsFromRecord(options.env ?? ENV),
    trustedProxies: options.trustedProxies,
    defaultProvider: options.defaultProvider,
  });

export function configError(options: Options): ConfigError {
  try {
    load(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

export const issuesOf = (options: Options): ConfigIssue[] => [...configError(options).issues];

/** Hosts file whose line 3 is the first host's `cidrs`. */
export const hostsWith = (...hostRows: string[]) => src("hosts.yaml", "hosts:", "  - id: research", ...hostRows);
