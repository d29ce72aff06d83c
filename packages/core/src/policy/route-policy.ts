import type { AllowRule, ForwardingConfig } from "../config/provider-schema.js";
import { compileDenyList } from "./deny-matcher.js";
import { compileGlob, type PathMatcher } from "./glob.js";

/** RFC 9110 §9.2.1: the only methods we treat as safe (invariant 6). */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

export type RouteDecision =
  | { readonly effect: "deny"; readonly code: "PROXY_PATH_DENIED"; readonly rule: string; readonly reason: string }
  | { readonly effect: "deny"; readonly code: "PROXY_NO_ROUTE"; readonly rule: undefined; readonly reason: string }
  | {
      readonly effect: "allow";
      /** The allow pattern that matched, or `*` for transparent mode without a matching rule. */
      readonly rule: string;
      readonly category: string;
      readonly sensitive: boolean;
      readonly cacheTtlSeconds: number;
      readonly reason: string;
    };

/** A pattern or deny entry that cannot be compiled, with its place under `forwarding`. */
export class PolicyCompileError extends Error {
  override readonly name = "PolicyCompileError";
  constructor(
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function located<T>(path: (string | number)[], compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    throw new PolicyCompileError(path, error instanceof Error ? error.message : String(error));
  }
}

export interface RoutePolicy {
  readonly mode: ForwardingConfig["mode"];
  evaluate(method: string, canonicalPath: string): RouteDecision;
}

interface CompiledRule {
  readonly rule: AllowRule;
  readonly matches: PathMatcher;
  readonly anyMethod: boolean;
  readonly methods: ReadonlySet<string>;
}

/**
 * Compiled once per provider at start-up. Order of evaluation (DESIGN §2.1): deny first, in both
 * modes and for every method; then the first matching allow rule; in allowlist mode no match is
 * a 404, in transparent mode everything else is forwarded with the provider defaults.
 */
export function compileRoutePolicy(forwarding: ForwardingConfig): RoutePolicy {
  forwarding.deny.forEach((entry, i) => located(["deny", i], () => compileDenyList([entry])));
  const deny = compileDenyList(forwarding.deny);
  const rules: CompiledRule[] = forwarding.allow.map((rule, i) => ({
    rule,
    matches: located(["allow", i], () => compileGlob(rule.pattern)),
    anyMethod: rule.methods.includes("*"),
    methods: new Set(rule.methods),
  }));
  const transparent = forwarding.mode === "transparent";

  // `treat_writes_as_sensitive` is a transparent-mode switch; in allowlist mode only a rule's own
  // `sensitive: false` makes a non-safe method non-sensitive (DESIGN §2.1).
  const writesSensitive = transparent ? forwarding.treat_writes_as_sensitive : true;
  const sensitiveFor = (method: string, rule: AllowRule | undefined) =>
    rule?.sensitive ?? (!SAFE_METHODS.has(method) && writesSensitive);

  return {
    mode: forwarding.mode,
    evaluate(method, path) {
      const denied = deny(path);
      if (denied !== undefined) {
        return { effect: "deny", code: "PROXY_PATH_DENIED", rule: denied, reason: `path is denied by "${denied}"` };
      }
      const match = rules.find((r) => (r.anyMethod || r.methods.has(method)) && r.matches(path));
      if (!match && !transparent) {
        return { effect: "deny", code: "PROXY_NO_ROUTE", rule: undefined, reason: "no allow rule matches this method and path" };
      }
      const rule = match?.rule;
      const safe = SAFE_METHODS.has(method);
      return {
        effect: "allow",
        rule: rule?.pattern ?? "*",
        category: rule?.category ?? forwarding.default_category,
        sensitive: sensitiveFor(method, rule),
        cacheTtlSeconds: safe ? (rule?.cache_ttl ?? (transparent ? forwarding.default_cache_ttl : 0)) : 0,
        reason: rule ? `allowed by "${rule.pattern}"` : "transparent mode",
      };
    },
  };
}
