import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type AuthPlugin, ConfigError, type ConfigIssue, type ConfigSource, pluginFileReferences } from "@outpost/core";

/** The shape `loadConfig` relies on; a default export without it is a configuration error, not a crash later. */
function isAuthPlugin(value: unknown): value is AuthPlugin {
  const p = value as Partial<AuthPlugin> | null;
  return (
    typeof p === "object" &&
    p !== null &&
    typeof p.type === "string" &&
    typeof p.create === "function" &&
    typeof p.secretRefs === "function" &&
    typeof (p.schema as { "~standard"?: { validate?: unknown } } | undefined)?.["~standard"]?.validate === "function"
  );
}

/**
 * A provider's own file names where it sits; programmatic sources (`<providers[0]>`) have no
 * directory, so their relative paths start from the working directory.
 */
function baseDir(file: string): string {
  return file.startsWith("<") ? process.cwd() : dirname(resolve(file));
}

/**
 * Node only: imports the plugin files that provider YAML names by path (`module: ./totp-ish.mjs`),
 * relative to that YAML file. Each must default-export an auth plugin (`defineAuthPlugin`). The
 * result goes to `loadConfig({ plugins })` keyed by the path as written. Workers cannot load
 * files at run time: there, only plugins registered in code (`plugins`) exist.
 */
export async function loadPluginFiles(sources: readonly ConfigSource[]): Promise<Record<string, AuthPlugin>> {
  const plugins: Record<string, AuthPlugin> = {};
  const loadedFrom = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  for (const ref of pluginFileReferences(sources)) {
    const issue = (message: string) => issues.push({ file: ref.file, line: ref.line, field: "auth.module", message });
    const path = resolve(baseDir(ref.file), ref.module);
    const earlier = loadedFrom.get(ref.module);
    if (earlier !== undefined) {
      // The same text must mean the same file, since plugins are keyed by it.
      if (earlier !== path) issue(`"${ref.module}" names another file than in another provider file; use distinct paths`);
      continue;
    }
    loadedFrom.set(ref.module, path);
    let exported: unknown;
    try {
      exported = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      issue(`cannot load plugin file ${path} (${code ?? (error as Error).message ?? "import failed"})`);
      continue;
    }
    if (!isAuthPlugin(exported)) {
      issue(`plugin file ${path} must default-export an auth plugin ({type, schema, secretRefs, create}; see defineAuthPlugin)`);
      continue;
    }
    plugins[ref.module] = exported;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return plugins;
}
