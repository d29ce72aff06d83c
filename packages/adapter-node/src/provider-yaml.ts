/**
 * Writes a provider as YAML (DESIGN §2.1 layout) and validates the text with core's loader, the
 * same code `outpost serve` and `outpost check` run, so what the wizard accepts is what starts.
 */
import { ConfigError, type ConfigIssue, type ConfigSource, loadConfig } from "@outpost/core";

/** What a provider file holds: scalars, lists and maps (`undefined` entries are left out). */
type YamlMap = Readonly<Record<string, unknown>>;

/** YAML 1.1 and 1.2 words a plain scalar would turn into a boolean or null. */
const KEYWORDS = /^(true|false|null|yes|no|on|off|y|n|~)$/i;
/** No `:`, `#`, quotes, brackets, `*`, `&` or spaces: plain in block and flow context alike. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./+-]*$/;

/** Anything else is written as a JSON string, which is a valid YAML double-quoted scalar. */
function scalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  return PLAIN.test(value) && !KEYWORDS.test(value) ? value : JSON.stringify(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function entries(map: YamlMap): [string, unknown][] {
  return Object.entries(map).filter(([, value]) => value !== undefined);
}

function flow(value: unknown): string {
  if (isScalar(value)) return scalar(value);
  if (Array.isArray(value)) return `[${value.map(flow).join(", ")}]`;
  return `{${entries(value as YamlMap).map(([k, v]) => `${scalar(k)}: ${flow(v)}`).join(", ")}}`;
}

/** Maps as blocks, lists of scalars inline, lists of maps one flow map per line. */
function block(map: YamlMap, indent: string): string[] {
  return entries(map).flatMap(([key, value]) => {
    const head = `${indent}${scalar(key)}:`;
    if (isScalar(value)) return [`${head} ${scalar(value)}`];
    if (Array.isArray(value)) {
      if (value.length === 0 || value.every(isScalar)) return [`${head} ${flow(value)}`];
      return [head, ...value.map((item) => `${indent}  - ${flow(item)}`)];
    }
    return [head, ...block(value as YamlMap, `${indent}  `)];
  });
}

export function renderProviderYaml(provider: YamlMap): string {
  return `${block(provider, "").join("\n")}\n`;
}

/** Secrets are not needed to check a file: every name resolves to a placeholder. */
const ANY_SECRET = { get: () => "placeholder" };

/**
 * Issues the loader finds in `draft`, loaded after `siblings` (the other files of its directory)
 * so a duplicate provider name is reported on the new file. Issues of the siblings themselves are
 * not the wizard's business and are left out.
 */
export function validateProviderText(draft: ConfigSource, siblings: readonly ConfigSource[] = []): ConfigIssue[] {
  try {
    loadConfig({ providers: [...siblings, draft], secrets: ANY_SECRET });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.filter((issue) => issue.file === draft.file);
  }
}
