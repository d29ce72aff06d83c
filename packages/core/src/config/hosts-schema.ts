import * as v from "valibot";
import { EnvName, NonEmptyString } from "./schema-helpers.js";
import { ProviderName, RateLimitWindowSchema } from "./provider-schema.js";

export const HostSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must match [A-Za-z0-9][A-Za-z0-9_.-]*")),
  cidrs: v.pipe(v.array(NonEmptyString), v.minLength(1, "must list at least one CIDR")),
  can_call_sensitive: v.optional(v.boolean(), false),
  /** Pre-shared key, sent by the agent as `X-Outpost-Auth`. */
  auth_token_env: v.optional(EnvName),
  /** Omitted means every provider. */
  providers: v.optional(v.array(ProviderName)),
  description: v.optional(v.string()),
});

/** Wrong or missing PSKs tolerated per source address before it gets 429s (issue 6: no brute force). */
export const DEFAULT_PSK_FAILURES = { capacity: 10, window_ms: 60_000 };

export const HostsFileSchema = v.strictObject({
  trusted_proxies: v.optional(v.array(NonEmptyString), []),
  psk_failures: v.optional(RateLimitWindowSchema, DEFAULT_PSK_FAILURES),
  hosts: v.array(HostSchema),
});

export type HostConfig = v.InferOutput<typeof HostSchema>;
export type HostsFileConfig = v.InferOutput<typeof HostsFileSchema>;
