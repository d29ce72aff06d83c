import { BUILT_IN_AUTH_PLUGINS } from "../auth/modules/plugin.js";
import type { AuthPlugin } from "../auth/types.js";
import type { ConfigIssue } from "../errors/config-error.js";
import { compileRoutePolicy, PolicyCompileError, type RoutePolicy } from "../policy/route-policy.js";
import type { Secrets } from "../ports/secrets.js";
import { parseBaseUrl } from "./base-url.js";
import type { CompiledProvider } from "./compiled-config.js";
import { resolveAuth } from "./load-auth.js";
import { ProviderSchema } from "./provider-schema.js";
import { dotPath, validateAgainst } from "./validate.js";
import { type ConfigSource, parseYamlSource, type ParsedYaml } from "./yaml-source.js";
import { ConfigError } from "../errors/config-error.js";

export interface ProviderLoadResult {
  readonly providers: Map<string, CompiledProvider>;
  /** Every name seen, enabled or not, so hosts may grant a provider that is switched off. */
  readonly knownNames: Set<string>;
  readonly warnings: string[];
}

function parse(source: ConfigSource, issues: ConfigIssue[]): ParsedYaml | undefined {
  try {
    return parseYamlSource(source);
  } catch (error) {
    if (error instanceof ConfigError) issues.push(...error.issues);
    else throw error;
    return undefined;
  }
}

/** Parses, validates and compiles every provider file, collecting every issue before failing. */
export function loadProviders(
  sources: readonly ConfigSource[],
  secrets: Secrets,
  issues: ConfigIssue[],
  plugins: Readonly<Record<string, AuthPlugin>> = BUILT_IN_AUTH_PLUGINS,
): ProviderLoadResult {
  const result: ProviderLoadResult = { providers: new Map(), knownNames: new Set(), warnings: [] };
  const firstFile = new Map<string, string>();
  for (const source of sources) {
    const parsed = parse(source, issues);
    if (!parsed) continue;
    const config = validateAgainst(ProviderSchema, parsed, source, issues);
    if (!config) continue;
    const at = (path: readonly (string | number)[], message: string) =>
      issues.push({ file: source.file, line: parsed.lineOf(path), field: dotPath(path), message });

    const earlier = firstFile.get(config.name);
    if (earlier !== undefined) {
      at(["name"], `duplicate provider name "${config.name}" (also defined in ${earlier})`);
      continue;
    }
    firstFile.set(config.name, source.file);
    result.knownNames.add(config.name);

    // Everything but secrets is checked for disabled providers too: a broken catalogue entry must
    // fail now, not on the day someone enables it.
    const base = parseBaseUrl(config.base_url, config.insecure_http);
    if ("message" in base) at([base.field], base.message);
    let policy: RoutePolicy | undefined;
    try {
      policy = compileRoutePolicy(config.forwarding);
    } catch (error) {
      if (!(error instanceof PolicyCompileError)) throw error;
      at(["forwarding", ...error.path], error.message);
    }
    const auth = resolveAuth(config.auth, plugins, parsed, source, issues);
    if (!config.enabled || "message" in base || !policy || !auth) continue;
    if (base.insecure) result.warnings.push(`${source.file}: provider ${config.name} sends credentials over plain http (insecure_http: true)`);

    const refs = auth.refs;
    const missing = refs.filter((ref) => {
      const value = secrets.get(ref.env);
      return ref.required !== false && (value === undefined || value === "");
    });
    for (const ref of missing) at(ref.path, `secret ${ref.env} is not set (or empty)`);
    if (missing.length > 0) continue;

    result.providers.set(config.name, {
      name: config.name,
      file: source.file,
      config,
      origin: base.origin,
      basePath: base.basePath,
      authType: config.auth.type,
      createAuth: (runtime) => auth.create({ ...runtime, provider: config.name, secrets }),
      staticSecrets: refs.map((ref) => secrets.get(ref.env) ?? "").filter((value) => value !== ""),
      policy,
      defaultHeaders: Object.entries(config.default_headers),
      stripResponseHeaders: new Set(config.strip_response_headers.map((h) => h.toLowerCase())),
    });
  }
  return result;
}
