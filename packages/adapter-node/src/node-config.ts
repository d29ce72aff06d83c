import { type AuthPlugin, type CompiledConfig, type ConfigSource, loadConfig, secretsFromRecord } from "@outpost/core";
import { readHostsFile, readProviderDirs } from "./load-files.js";
import { loadPluginFiles } from "./load-plugins.js";

export interface NodeConfigOptions {
  /** Directories of provider YAML files. */
  readonly providerDirs?: readonly string[];
  /** Provider YAML texts or plain objects, for programmatic use. */
  readonly providers?: ReadonlyArray<ConfigSource | Record<string, unknown>>;
  /** Path of the hosts file. */
  readonly hostsFile?: string | undefined;
  /** The hosts file's content as a YAML text or a plain object. */
  readonly hosts?: ConfigSource | Record<string, unknown> | undefined;
  /** Where secrets come from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default env.TRUSTED_PROXIES */
  readonly trustedProxies?: string | undefined;
  /** @default env.DEFAULT_PROVIDER */
  readonly defaultProvider?: string | undefined;
  /**
   * Auth plugins registered in code, by the name YAML gives as `auth.module` (besides the
   * built-in `totp`). Plugin files named by path in YAML are loaded automatically.
   */
  readonly plugins?: Readonly<Record<string, AuthPlugin>>;
}

function isSource(value: ConfigSource | Record<string, unknown>): value is ConfigSource {
  return typeof value.file === "string" && typeof value.text === "string";
}

/** YAML is a superset of JSON, so objects go through the very same parser and validation. */
function toSource(value: ConfigSource | Record<string, unknown>, label: string): ConfigSource {
  return isSource(value) ? value : { file: label, text: JSON.stringify(value, null, 1) };
}

/**
 * Reads files and environment, imports plugin files, then validates everything once (rejects
 * with `ConfigError`). Asynchronous because plugin files are ES modules (`import()`).
 */
export async function loadNodeConfig(options: NodeConfigOptions): Promise<CompiledConfig> {
  const env = options.env ?? process.env;
  const providers = [
    ...readProviderDirs(options.providerDirs ?? []),
    ...(options.providers ?? []).map((p, i) => toSource(p, `<providers[${i}]>`)),
  ];
  const hosts = options.hosts !== undefined ? toSource(options.hosts, "<hosts>") : readHostsFile(options.hostsFile);
  return loadConfig({
    providers,
    hosts,
    secrets: secretsFromRecord(env),
    trustedProxies: options.trustedProxies ?? env.TRUSTED_PROXIES,
    defaultProvider: options.defaultProvider ?? env.DEFAULT_PROVIDER,
    plugins: { ...options.plugins, ...(await loadPluginFiles(providers)) },
  });
}
