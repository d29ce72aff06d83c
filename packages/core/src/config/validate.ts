import * as v from "valibot";
import type { ConfigIssue } from "../errors/config-error.js";
import type { ConfigSource, FieldPath, ParsedYaml } from "./yaml-source.js";

export function dotPath(path: FieldPath): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key), "");
}

/** Valibot's default texts are written for developers; operators get one plain sentence per field. */
function describe(issue: v.BaseIssue<unknown>): string {
  if (issue.type === "strict_object" && issue.expected === "never") return "unknown key";
  if (issue.type === "object" || issue.type === "strict_object") {
    if (issue.received === "undefined") return "is required";
  }
  if (issue.kind === "schema" && issue.received === "undefined") return "is required";
  if (issue.message.startsWith("Invalid type:")) return `must be ${issue.expected ?? "of another type"} (got ${issue.received})`;
  return issue.message;
}

function issuePath(issue: v.BaseIssue<unknown>): (string | number)[] {
  return (issue.path ?? []).map((item) => item.key as string | number);
}

/**
 * Runs a schema over a parsed YAML value and turns every issue into a located `ConfigIssue`
 * (all of them, not the first: an operator fixes a file in one pass).
 */
export function validateAgainst<S extends v.GenericSchema>(
  schema: S,
  parsed: ParsedYaml,
  source: ConfigSource,
  issues: ConfigIssue[],
): v.InferOutput<S> | undefined {
  return validateAt(schema, parsed.value, [], parsed, source, issues);
}

/** `validateAgainst` for the part of the document at `prefix` (e.g. a plugin's `auth.config`). */
export function validateAt<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  prefix: FieldPath,
  parsed: ParsedYaml,
  source: ConfigSource,
  issues: ConfigIssue[],
): v.InferOutput<S> | undefined {
  const result = v.safeParse(schema, value, { abortEarly: false });
  if (result.success) return result.output;
  for (const issue of result.issues) {
    const path = [...prefix, ...issuePath(issue)];
    issues.push({ file: source.file, line: parsed.lineOf(path), field: dotPath(path), message: describe(issue) });
  }
  return undefined;
}
