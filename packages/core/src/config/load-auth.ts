import type * as v from "valibot";
import type { AuthConfig } from "../auth/auth-schema.js";
import { isPluginPath } from "../auth/modules/plugin.js";
import { authModuleDefinition } from "../auth/registry.js";
import type { StandardSchemaV1 } from "../auth/standard-schema.js";
import type { AuthModule, AuthModuleContext, AuthPlugin, SecretRef } from "../auth/types.js";
import type { ConfigIssue } from "../errors/config-error.js";
import { dotPath, validateAt } from "./validate.js";
import type { ConfigSource, FieldPath, ParsedYaml } from "./yaml-source.js";

/** A provider's `auth:` block bound to the module that implements it. */
export interface ResolvedAuth {
  /** Secret references with paths from the document root (`auth.config.…` for plugins). */
  readonly refs: readonly SecretRef[];
  create(context: AuthModuleContext): AuthModule;
}

interface Located {
  readonly parsed: ParsedYaml;
  readonly source: ConfigSource;
  readonly issues: ConfigIssue[];
}

const CONFIG_PATH = ["auth", "config"] as const;

function isValibot(schema: object): schema is v.GenericSchema {
  return "~run" in schema && (schema as { kind?: unknown }).kind === "schema";
}

/**
 * Validates a plugin's `config`. Valibot schemas get the same operator-friendly messages as the
 * rest of the file; any other Standard Schema reports its own messages. Validation is
 * synchronous because configuration loads synchronously everywhere (Workers included).
 */
function validatePluginConfig(schema: StandardSchemaV1, value: unknown, at: Located): { ok: true; value: unknown } | { ok: false } {
  if (isValibot(schema)) {
    const before = at.issues.length;
    const output = validateAt(schema, value, CONFIG_PATH, at.parsed, at.source, at.issues);
    return at.issues.length === before ? { ok: true, value: output } : { ok: false };
  }
  const result = schema["~standard"].validate(value);
  const report = (path: FieldPath, message: string) =>
    at.issues.push({ file: at.source.file, line: at.parsed.lineOf(path), field: dotPath(path), message });
  if (result instanceof Promise) {
    report(["auth", "module"], "the plugin's schema validates asynchronously; only synchronous schemas are supported");
    return { ok: false };
  }
  if (!result.issues) return { ok: true, value: result.value };
  for (const issue of result.issues) {
    const keys = (issue.path ?? []).map((p) => (typeof p === "object" ? p.key : p));
    report([...CONFIG_PATH, ...keys.map((k) => (typeof k === "number" ? k : String(k)))], issue.message);
  }
  return { ok: false };
}

function resolvePlugin(auth: Extract<AuthConfig, { type: "plugin" }>, plugins: Readonly<Record<string, AuthPlugin>>, at: Located): ResolvedAuth | undefined {
  const plugin = Object.hasOwn(plugins, auth.module) ? plugins[auth.module] : undefined;
  if (!plugin) {
    const message = isPluginPath(auth.module)
      ? `plugin file "${auth.module}" is not loaded: only the Node adapter loads plugin files (Workers use registered plugins)`
      : `unknown plugin "${auth.module}" (registered: ${Object.keys(plugins).sort().join(", ") || "none"})`;
    at.issues.push({ file: at.source.file, line: at.parsed.lineOf(["auth", "module"]), field: "auth.module", message });
    return undefined;
  }
  const validated = validatePluginConfig(plugin.schema, auth.config, at);
  if (!validated.ok) return undefined;
  const config = validated.value;
  return {
    refs: plugin.secretRefs(config).map((ref) => ({ ...ref, path: [...CONFIG_PATH, ...ref.path] })),
    create: (context) => plugin.create(config, context),
  };
}

/** Binds `auth:` to a built-in module or a registered plugin; issues are collected, never thrown. */
export function resolveAuth(
  auth: AuthConfig,
  plugins: Readonly<Record<string, AuthPlugin>>,
  parsed: ParsedYaml,
  source: ConfigSource,
  issues: ConfigIssue[],
): ResolvedAuth | undefined {
  if (auth.type === "plugin") return resolvePlugin(auth, plugins, { parsed, source, issues });
  const definition = authModuleDefinition(auth.type);
  return { refs: definition.secretRefs(auth), create: (context) => definition.create(auth, context) };
}
