import { isPluginPath } from "../auth/modules/plugin.js";
import { ConfigError } from "../errors/config-error.js";
import { type ConfigSource, parseYamlSourceForReuse } from "./yaml-source.js";

/** Where a provider file names a plugin file (`auth: {type: plugin, module: ./x.mjs}`). */
export interface PluginFileReference {
  /** The provider file, as the operator named it (the path is resolved from its directory). */
  readonly file: string;
  readonly line: number | undefined;
  /** The path exactly as written; `LoadConfigOptions.plugins` takes the loaded plugin under this key. */
  readonly module: string;
}

/**
 * The plugin files a set of provider texts refers to, for an adapter that can load files (Node)
 * to import before `loadConfig`. Texts that do not parse are skipped: `loadConfig` reports them.
 */
export function pluginFileReferences(sources: readonly ConfigSource[]): PluginFileReference[] {
  const found: PluginFileReference[] = [];
  for (const source of sources) {
    let parsed;
    try {
      parsed = parseYamlSourceForReuse(source);
    } catch (error) {
      if (error instanceof ConfigError) continue;
      throw error;
    }
    const auth = (parsed.value as { auth?: { type?: unknown; module?: unknown } } | null)?.auth;
    if (auth?.type !== "plugin" || typeof auth.module !== "string" || !isPluginPath(auth.module)) continue;
    found.push({ file: source.file, line: parsed.lineOf(["auth", "module"]), module: auth.module });
  }
  return found;
}
