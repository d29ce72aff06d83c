import { BUILT_IN_AUTH_PLUGINS } from "../auth/modules/plugin.js";
import type { AuthPlugin } from "../auth/types.js";
import { ConfigError, type ConfigIssue } from "../errors/config-error.js";
import { type Cidr, parseCidr } from "../host/cidr.js";
import { createCidrTable } from "../host/cidr-table.js";
import type { Secrets } from "../ports/secrets.js";
import type { CompiledConfig } from "./compiled-config.js";
import { defaultHosts, loadHosts } from "./load-hosts.js";
import { loadProviders } from "./load-providers.js";
import type { ConfigSource } from "./yaml-source.js";

export interface LoadConfigOptions {
  /** One YAML text per provider. */
  readonly providers: readonly ConfigSource[];
  /** The hosts file; without it only loopback may call (DESIGN §2.2). */
  readonly hosts?: ConfigSource | undefined;
  readonly secrets: Secrets;
  /** Comma-separated CIDRs from `TRUSTED_PROXIES`, added to the hosts file's list. */
  readonly trustedProxies?: string | undefined;
  /** Provider for requests without `X-Provider` (`DEFAULT_PROVIDER`). */
  readonly defaultProvider?: string | undefined;
  /**
   * Auth plugins by the name `auth.module` uses, added to the built-in ones (`totp`). On Node,
   * plugin files named in YAML are loaded by the adapter and passed here under their path as written.
   */
  readonly plugins?: Readonly<Record<string, AuthPlugin>> | undefined;
}

function envCidrs(text: string | undefined, issues: ConfigIssue[]): Cidr[] {
  if (!text?.trim()) return [];
  return text.split(",").flatMap((entry, i) => {
    const parsed = parseCidr(entry.trim());
    if (parsed.ok) return [parsed.cidr];
    issues.push({ file: "<env TRUSTED_PROXIES>", line: undefined, field: `[${i}]`, message: parsed.reason });
    return [];
  });
}

/**
 * Validates and compiles the whole configuration once (DESIGN §2, invariant 7). Every issue in
 * every file is collected and thrown together as one `ConfigError`.
 */
export function loadConfig(options: LoadConfigOptions): CompiledConfig {
  const issues: ConfigIssue[] = [];
  const loaded = loadProviders(options.providers, options.secrets, issues, { ...BUILT_IN_AUTH_PLUGINS, ...options.plugins });
  const hosts = options.hosts ? loadHosts(options.hosts, options.secrets, loaded.knownNames, issues) : defaultHosts();
  const trusted = [...(hosts?.trustedProxies ?? []), ...envCidrs(options.trustedProxies, issues)];
  const defaultProvider = options.defaultProvider?.trim().toLowerCase() || undefined;
  if (defaultProvider !== undefined && !loaded.providers.has(defaultProvider)) {
    issues.push({ file: "<env DEFAULT_PROVIDER>", line: undefined, field: "", message: `default provider "${defaultProvider}" is not an enabled provider` });
  }
  if (issues.length > 0 || !hosts) throw new ConfigError(issues);

  const secretValues = new Set<string>();
  for (const provider of loaded.providers.values()) provider.staticSecrets.forEach((s) => secretValues.add(s));
  for (const host of hosts.hostList) if (host.psk) secretValues.add(host.psk);

  return {
    providers: loaded.providers,
    hosts: hosts.hosts,
    hostList: hosts.hostList,
    trustedProxies: createCidrTable(trusted.map((cidr) => ({ cidr, value: true as const }))),
    hasTrustedProxies: trusted.length > 0,
    pskFailures: hosts.pskFailures,
    defaultProvider,
    secretValues: [...secretValues],
    warnings: loaded.warnings,
  };
}
