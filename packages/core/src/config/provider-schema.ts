import * as v from "valibot";
import { AuthSchema } from "../auth/auth-schema.js";
import { HeaderName, HeaderValue, Method, NonEmptyString, NonNegativeInt, PositiveInt } from "./schema-helpers.js";

/** `[a-z0-9][a-z0-9_-]*`: the value agents put in `X-Provider` (matched case-insensitively). */
export const ProviderName = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9][a-z0-9_-]*$/, "must match [a-z0-9][a-z0-9_-]* (lower case)"),
  v.maxLength(64, "must be at most 64 characters"),
);

const RuleBase = {
  category: v.optional(NonEmptyString),
  /** Overrides the sensitive default (non-safe methods are sensitive). */
  sensitive: v.optional(v.boolean()),
  /** Seconds; safe methods only. */
  cache_ttl: v.optional(NonNegativeInt),
};

/**
 * Both `pattern`/`path` and `method`/`methods` spellings exist in the wild (DESIGN §2.1); each
 * rule takes exactly one of each pair, normalised to `pattern` and `methods`.
 */
export const AllowRuleSchema = v.pipe(
  v.strictObject({
    pattern: v.optional(NonEmptyString),
    path: v.optional(NonEmptyString),
    method: v.optional(Method),
    methods: v.optional(v.pipe(v.array(Method), v.minLength(1, "must list at least one method"))),
    ...RuleBase,
  }),
  v.check((r) => (r.pattern === undefined) !== (r.path === undefined), "needs exactly one of pattern or path"),
  v.check((r) => r.method === undefined || r.methods === undefined, "use method or methods, not both"),
  v.transform(({ pattern, path, method, methods, ...rest }) => ({
    ...rest,
    pattern: (pattern ?? path) as string,
    /** Omitted means any method; the sensitive gate still guards non-safe ones. */
    methods: methods ?? (method === undefined ? ["*"] : [method]),
  })),
);

export const RateLimitWindowSchema = v.strictObject({
  capacity: PositiveInt,
  window_ms: PositiveInt,
});

export const ForwardingSchema = v.strictObject({
  mode: v.optional(v.picklist(["transparent", "allowlist"], "must be transparent or allowlist"), "transparent"),
  allow: v.optional(v.array(AllowRuleSchema), []),
  deny: v.optional(v.array(NonEmptyString), []),
  default_category: v.optional(NonEmptyString, "default"),
  /** Seconds; transparent mode, safe methods only. */
  default_cache_ttl: v.optional(NonNegativeInt, 0),
  treat_writes_as_sensitive: v.optional(v.boolean(), true),
  rate_limits: v.optional(v.record(NonEmptyString, v.array(RateLimitWindowSchema)), {}),
  queue_timeout_ms: v.optional(NonNegativeInt, 2000),
  /** Requests of one category that may wait for tokens at once in one instance; more get 429 at once. */
  max_queued: v.optional(NonNegativeInt, 100),
  /** Upstream response-headers timeout. */
  timeout_ms: v.optional(PositiveInt, 30000),
  max_body_bytes: v.optional(NonNegativeInt, 10 * 1024 * 1024),
  /** Largest answer body the response cache stores; larger ones are relayed and not stored. */
  max_cache_entry_bytes: v.optional(NonNegativeInt, 1024 * 1024),
  /** Largest answer body kept for idempotent replay; a larger one frees its key instead. */
  max_idempotency_entry_bytes: v.optional(NonNegativeInt, 1024 * 1024),
});

export const ProviderSchema = v.strictObject({
  name: ProviderName,
  base_url: v.pipe(v.string(), v.url("must be an absolute URL")),
  enabled: v.optional(v.boolean(), true),
  description: v.optional(v.string()),
  docs_url: v.optional(v.pipe(v.string(), v.url("must be an absolute URL"))),
  /** Required to send credentials over plain http to a non-loopback host. */
  insecure_http: v.optional(v.boolean(), false),
  default_headers: v.optional(v.record(HeaderName, HeaderValue), {}),
  strip_response_headers: v.optional(v.array(HeaderName), []),
  /**
   * Replace every configured secret and minted token in upstream answers (invariant 1). Off only
   * for providers whose answers must stay byte-exact and cannot carry a credential.
   */
  scrub_responses: v.optional(v.boolean(), true),
  /** Request headers that select data (e.g. `Stripe-Account`): part of the response-cache key (DESIGN §4.2). */
  cache_vary: v.optional(v.array(HeaderName), []),
  auth: AuthSchema,
  forwarding: v.optional(ForwardingSchema, {}),
});

export type ProviderConfig = v.InferOutput<typeof ProviderSchema>;
export type AllowRule = v.InferOutput<typeof AllowRuleSchema>;
export type ForwardingConfig = v.InferOutput<typeof ForwardingSchema>;
