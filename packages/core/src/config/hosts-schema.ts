import * as v from "valibot";
import { EnvName, NonEmptyString } from "./schema-helpers.js";
import { ProviderName } from "./provider-schema.js";

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

export const HostsFileSchema = v.strictObject({
  trusted_proxies: v.optional(v.array(NonEmptyString), []),
  hosts: v.array(HostSchema),
});

export type HostConfig = v.InferOutput<typeof HostSchema>;
export type HostsFileConfig = v.InferOutput<typeof HostsFileSchema>;
