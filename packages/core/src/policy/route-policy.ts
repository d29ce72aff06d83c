import type { AllowRule, ForwardingConfig } from "../config/provider-schema.js";
import { compileDenyList } from "./deny-matcher.js";
import { compileGlobParts } from "./glob.js";
import { createRuleIndex, type IndexableRule } from "./rule-index.js";

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
  /**
   * The `sensitive: true` rule that some plausible reading of the request reaches, if any: the
   * gate must not be passed by falling through to a broader rule with `HEAD`, a trailing slash,
   * another case or a format suffix. Checked only for hosts without sensitive rights.
   */
  sensitiveReading(method: string, canonicalPath: string): string | undefined;
}

/**
 * A sensitive pattern as a deny entry (read case-, NFKC-, suffix- and subtree-insensitively): a
 * segment with a wildcard inside it becomes a whole-segment one, which only widens it.
 */
function asDenyEntry(pattern: string): string {
  return pattern
    .split("/")
    .map((segment) => (segment.includes("**") ? "**" : /[*{}]/.test(segment) ? "*" : segment))
    .join("/");
}

/** HEAD is GET without the body (RFC 9110 §9.3.2): a rule that gates GET gates HEAD too. */
function gatedMethods(methods: readonly string[]): ReadonlySet<string> {
  const set = new Set(methods);
  if (set.has("GET")) set.add("HEAD");
  return set;
}

interface CompiledRule extends IndexableRule {
  readonly rule: AllowRule;
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
    ...located(["allow", i], () => compileGlobParts(rule.pattern)),
    anyMethod: rule.methods.includes("*"),
    methods: new Set(rule.methods),
  }));
  // First match wins, found through the index: cost follows the rules sharing the path's leading
  // segments, not the length of the list (issue 7: 1,000 rules within 10 % of one).
  const firstMatch = createRuleIndex(rules);
  const transparent = forwarding.mode === "transparent";

  // `treat_writes_as_sensitive` is a transparent-mode switch; in allowlist mode only a rule's own
  // `sensitive: false` makes a non-safe method non-sensitive (DESIGN §2.1).
  const writesSensitive = transparent ? forwarding.treat_writes_as_sensitive : true;
  // A decision depends on the rule and on whether the method is safe, nothing else: built once
  // here (frozen, shared by every request) rather than per request.
  const allowFor = (rule: AllowRule | undefined, safe: boolean): RouteDecision =>
    Object.freeze({
      effect: "allow",
      rule: rule?.pattern ?? "*",
      category: rule?.category ?? forwarding.default_category,
      sensitive: rule?.sensitive ?? (!safe && writesSensitive),
      cacheTtlSeconds: safe ? (rule?.cache_ttl ?? (transparent ? forwarding.default_cache_ttl : 0)) : 0,
      reason: rule ? `allowed by "${rule.pattern}"` : "transparent mode",
    });
  const unsafeAllow = rules.map((r) => allowFor(r.rule, false));
  const safeAllow = rules.map((r) => allowFor(r.rule, true));
  const transparentAllow = [allowFor(undefined, false), allowFor(undefined, true)] as const;
  const gates = forwarding.allow.flatMap((rule, i) =>
    rule.sensitive !== true
      ? []
      : [{ pattern: rule.pattern, anyMethod: rule.methods.includes("*"), methods: gatedMethods(rule.methods), matches: located(["allow", i, "pattern"], () => compileDenyList([asDenyEntry(rule.pattern)])) }],
  );
  const noRoute: RouteDecision = Object.freeze({ effect: "deny", code: "PROXY_NO_ROUTE", rule: undefined, reason: "no allow rule matches this method and path" });

  return {
    mode: forwarding.mode,
    evaluate(method, path) {
      const denied = deny(path);
      if (denied !== undefined) {
        return { effect: "deny", code: "PROXY_PATH_DENIED", rule: denied, reason: `path is denied by "${denied}"` };
      }
      const at = firstMatch(method, path);
      const safe = SAFE_METHODS.has(method);
      if (at !== -1) return (safe ? safeAllow : unsafeAllow)[at]!;
      if (!transparent) return noRoute;
      return transparentAllow[safe ? 1 : 0];
    },
    sensitiveReading(method, path) {
      for (const gate of gates) {
        if ((gate.anyMethod || gate.methods.has(method)) && gate.matches(path) !== undefined) return gate.pattern;
      }
      return undefined;
    },
  };
}
