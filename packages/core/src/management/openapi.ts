/**
 * `GET /openapi.json` (DESIGN §6): an OpenAPI 3.1 document of what *this host* may call, built
 * from the loaded config. Only granted providers appear, and only what `/providers` already
 * reveals plus their rules: never secrets, env names, PSKs or other providers' deny lists.
 */
import type { CompiledConfig, CompiledHost, CompiledProvider } from "../config/compiled-config.js";
import { grantedProviders } from "../pipeline/identify.js";
import { SAFE_METHODS } from "../policy/route-policy.js";
import { OUTPOST_VERSION } from "../version.js";
import { components, ERROR_STATUSES, errorRef, type Json, MANAGEMENT_TAG, managementPaths, PSK_SCHEME } from "./openapi-components.js";

/** OpenAPI 3.1's operation keys; TRACE is refused by the proxy (DESIGN §3 step 1), other tokens have no key. */
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"] as const;
const WITH_BODY = new Set(["post", "put", "patch"]);

/** Same tokens as policy/glob.ts; `{name}` behaves like `*`. Patterns were validated at load. */
const TOKEN = /\*\*|\*|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

interface Param { name: string; multi: boolean }
interface Template { path: string; shape: string; params: Param[] }

/** One provider rule behind an operation, for `x-outpost-rules` and the description. */
interface RuleInfo { provider: string; pattern: string; mode: string; category: string; sensitive: boolean; cache_ttl: number; deny?: string[] }

interface Slot extends Template { ops: Map<string, RuleInfo[]> }

export function patternToTemplate(pattern: string): Template {
  // OpenAPI needs unique names per path: a repeated `{id}` or a literal `{p1}` must not clash.
  const explicit = new Set([...pattern.matchAll(TOKEN)].flatMap((m) => (m[1] ? [m[1]] : [])));
  const taken = new Set<string>();
  let n = 0;
  const fresh = () => {
    let name: string;
    do name = `p${++n}`;
    while (explicit.has(name) || taken.has(name));
    return name;
  };
  const params: Param[] = [];
  const path = pattern.replace(TOKEN, (token: string, named: string | undefined) => {
    const name = named !== undefined && !taken.has(named) ? named : fresh();
    taken.add(name);
    params.push({ name, multi: token === "**" });
    return `{${name}}`;
  });
  // OpenAPI treats `/a/{x}` and `/a/{y}` as the same path, so slots are keyed by shape.
  return { path, shape: pattern.replace(TOKEN, "{}"), params };
}

const TRANSPARENT: Template = { path: "/{path}", shape: "/{}", params: [{ name: "path", multi: true }] };

function collect(config: CompiledConfig, host: CompiledHost): Map<string, Slot> {
  const slots = new Map<string, Slot>();
  const add = (t: Template, methods: readonly string[], info: (method: string) => RuleInfo) => {
    let slot = slots.get(t.shape);
    if (!slot) slots.set(t.shape, (slot = { ...t, params: t.params.map((p) => ({ ...p })), ops: new Map() }));
    // Same shape, different wildcard: document the wider one.
    t.params.forEach((p, i) => { if (p.multi) slot.params[i]!.multi = true; });
    for (const m of methods) slot.ops.set(m, [...(slot.ops.get(m) ?? []), info(m)]);
  };
  for (const name of grantedProviders(config, host)) {
    const provider = config.providers.get(name) as CompiledProvider;
    const f = provider.config.forwarding;
    const safe = (m: string) => SAFE_METHODS.has(m.toUpperCase());
    if (f.mode === "transparent") {
      add(TRANSPARENT, METHODS, (m) => ({
        provider: name, pattern: "/**", mode: f.mode, category: f.default_category,
        sensitive: !safe(m) && f.treat_writes_as_sensitive, cache_ttl: safe(m) ? f.default_cache_ttl : 0, deny: f.deny,
      }));
      continue;
    }
    for (const rule of f.allow) {
      const methods = rule.methods.includes("*") ? METHODS : METHODS.filter((m) => rule.methods.includes(m.toUpperCase()));
      add(patternToTemplate(rule.pattern), methods, (m) => ({
        provider: name, pattern: rule.pattern, mode: f.mode, category: rule.category ?? f.default_category,
        sensitive: rule.sensitive ?? !safe(m), cache_ttl: safe(m) ? (rule.cache_ttl ?? 0) : 0,
      }));
    }
  }
  return slots;
}

function pathParam(p: Param): Json {
  return p.multi
    ? { name: p.name, in: "path", required: true, description: "One or more path segments (may contain `/`, sent unencoded)", schema: { type: "string", minLength: 1 }, "x-outpost-glob": "**" }
    : { name: p.name, in: "path", required: true, description: "Part of one path segment", schema: { type: "string", minLength: 1, pattern: "^[^/]+$" } };
}

function describe(rules: RuleInfo[], method: string, canSensitive: boolean): string {
  const lines = rules.map((r) => {
    const where = r.mode === "transparent" ? "any path (transparent mode)" : `\`${method.toUpperCase()} ${r.pattern}\``;
    const deny = r.deny?.length ? `; denied (403): ${r.deny.map((d) => `\`${d}\``).join(", ")}` : "";
    const cache = r.cache_ttl > 0 ? `, cached ${r.cache_ttl} s` : "";
    return `- \`${r.provider}\`: ${where}, category \`${r.category}\`${r.sensitive ? ", sensitive" : ""}${cache}${deny}`;
  });
  if (!canSensitive && rules.some((r) => r.sensitive)) lines.push("", "This host may not call sensitive operations (403 PROXY_SENSITIVE_DENIED).");
  return lines.join("\n");
}

function responses(method: string, hasPsk: boolean): Json {
  const out: Json = { default: { $ref: "#/components/responses/Upstream" } };
  const safe = SAFE_METHODS.has(method.toUpperCase());
  for (const status of ERROR_STATUSES) {
    if (status === 401 && !hasPsk) continue;
    if ((status === 409 || status === 422) && safe) continue; // idempotency is for non-safe methods only
    out[status] = errorRef(status);
  }
  return out;
}

function operation(slot: Slot, method: string, rules: RuleInfo[], host: CompiledHost, ids: Set<string>): Json {
  const providers = [...new Set(rules.map((r) => r.provider))];
  const base = `${providers.join("_")}_${method}_${slot.path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "root"}`;
  let id = base.replace(/[^A-Za-z0-9_]/g, "_");
  for (let i = 2; ids.has(id); i++) id = `${base.replace(/[^A-Za-z0-9_]/g, "_")}_${i}`;
  ids.add(id);
  const categories = [...new Set(rules.map((r) => r.category))];
  const safe = SAFE_METHODS.has(method.toUpperCase());
  return {
    operationId: id,
    summary: `${method.toUpperCase()} ${rules[0]!.mode === "transparent" ? "any path" : rules[0]!.pattern}`,
    description: describe(rules, method, host.canCallSensitive),
    tags: providers,
    parameters: [
      { name: "X-Provider", in: "header", required: true, description: "The provider to call", schema: { type: "string", enum: providers } },
      ...slot.params.map(pathParam),
      ...(safe ? [] : [{ $ref: "#/components/parameters/IdempotencyKey" }]),
    ],
    ...(WITH_BODY.has(method) ? { requestBody: { description: "Forwarded unchanged", required: false, content: { "*/*": { schema: {} } } } } : {}),
    responses: responses(method, host.psk !== undefined),
    "x-outpost-sensitive": rules.some((r) => r.sensitive),
    "x-outpost-category": categories.length === 1 ? categories[0] : categories,
    ...(rules.some((r) => r.mode === "transparent") ? { "x-outpost-mode": "transparent" } : {}),
    "x-outpost-rules": rules.map(({ deny: _deny, ...r }) => r),
  };
}

function providerTag(p: CompiledProvider): Json {
  const f = p.config.forwarding;
  const parts = [p.config.description, `Base URL: ${p.origin}${p.basePath}`, `Mode: ${f.mode}; auth: ${p.authType}`];
  if (f.deny.length > 0) parts.push(`Denied paths: ${f.deny.map((d) => `\`${d}\``).join(", ")}`);
  const docs = safeDocsUrl(p.config.docs_url);
  return { name: p.name, description: parts.filter(Boolean).join("\n\n"), ...(docs ? { externalDocs: { url: docs } } : {}) };
}

/** A docs URL with userinfo would leak it; drop such a URL rather than guess. */
function safeDocsUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  return url && !url.username && !url.password ? url.href : undefined;
}

export interface OpenApiOptions {
  /** Absolute or relative URL agents use to reach Outpost; omitted means the document's own origin. */
  readonly serverUrl?: string;
}

export function openApiDocument(config: CompiledConfig, host: CompiledHost, options: OpenApiOptions = {}): Json {
  const hasPsk = host.psk !== undefined;
  const granted = grantedProviders(config, host);
  const ids = new Set<string>();
  const paths: Record<string, Json> = {};
  for (const slot of collect(config, host).values()) {
    const item: Json = {};
    for (const method of METHODS) {
      const rules = slot.ops.get(method);
      if (rules) item[method] = operation(slot, method, rules, host, ids);
    }
    paths[slot.path] = item;
  }
  // A provider path equal to a management path wins: a request with X-Provider is always proxied (§3).
  for (const [path, item] of Object.entries(managementPaths(hasPsk))) {
    const existing = paths[path];
    if (!existing) paths[path] = item;
    else if (!existing["get"]) existing["get"] = item["get"];
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Outpost",
      version: OUTPOST_VERSION,
      description: `Credential proxy. Call a provider's own paths with \`X-Provider: <name>\`; Outpost adds the credential. Generated for host \`${host.id}\`.`,
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    ...(hasPsk ? { security: [{ [PSK_SCHEME]: [] }] } : {}),
    tags: [{ name: MANAGEMENT_TAG, description: "Outpost's own endpoints (no X-Provider)" }, ...granted.map((n) => providerTag(config.providers.get(n) as CompiledProvider))],
    paths,
    components: components(hasPsk),
  };
}
