import { type CompiledConfig, ConfigError, type ConfigSource } from "@outpost/core";
import { readHostsFile, readProviderDirs } from "./load-files.js";

/** The files `outpost serve` reads its configuration from (DESIGN §2.3). */
export interface ConfigFiles {
  readonly providerDirs: readonly string[];
  readonly hostsFile: string | undefined;
}

export interface ConfigTexts {
  readonly providers: ConfigSource[];
  readonly hosts: ConfigSource | undefined;
  /** Identifies the texts, so a watch event that changed nothing changes nothing. */
  readonly fingerprint: string;
}

/** Reads every provider file and the hosts file once (rejects with `ConfigError` when one cannot be read). */
export function readConfigTexts(files: ConfigFiles): ConfigTexts {
  const providers = readProviderDirs(files.providerDirs);
  const hosts = readHostsFile(files.hostsFile);
  const fingerprint = JSON.stringify([providers.map((s) => [s.file, s.text]), hosts ? [hosts.file, hosts.text] : null]);
  return { providers, hosts, fingerprint };
}

export interface ConfigReloaderOptions {
  readonly files: ConfigFiles;
  /** The fingerprint of the texts serving now. */
  readonly serving: string;
  /** Validates texts into a configuration; rejects with `ConfigError`. */
  load(texts: ConfigTexts): Promise<CompiledConfig>;
  /** Builds the new gateway and swaps it in; throws, changing nothing, when it cannot. */
  apply(config: CompiledConfig): void;
  /** A message for the operator (stderr on the CLI). */
  report(message: string): void;
  /** Each reload attempt that read the files, applied or refused. */
  onResult?(applied: boolean): void;
}

export interface ConfigReloader {
  /**
   * Reads, validates and swaps. `ifChanged` (file watching) skips texts already tried, so editor
   * noise and repeated events are silent, and a broken file is reported once. Reloads never
   * overlap: one asked for meanwhile runs after the current one. Resolves true when applied.
   */
  reload(reason: string, ifChanged?: boolean): Promise<boolean>;
}

/** Validate first, swap second: an invalid edit is refused and the running configuration keeps serving. */
export function createConfigReloader(options: ConfigReloaderOptions): ConfigReloader {
  let tried = options.serving;
  let queue: Promise<unknown> = Promise.resolve();

  async function attempt(reason: string, ifChanged: boolean): Promise<boolean> {
    let texts: ConfigTexts | undefined;
    try {
      texts = readConfigTexts(options.files);
      if (ifChanged && texts.fingerprint === tried) return false;
      tried = texts.fingerprint;
      const config = await options.load(texts);
      options.apply(config);
      options.onResult?.(true);
      options.report(`configuration reloaded (${reason}); providers: ${[...config.providers.keys()].join(", ") || "none"}`);
      return true;
    } catch (error) {
      options.onResult?.(false);
      const detail = error instanceof ConfigError ? error.message : ((error as Error).message ?? String(error));
      options.report(`configuration error: reload (${reason}) refused, the previous configuration keeps serving\n${detail}`);
      return false;
    }
  }

  return {
    reload(reason, ifChanged = false) {
      const run = queue.then(() => attempt(reason, ifChanged));
      queue = run;
      return run;
    },
  };
}
