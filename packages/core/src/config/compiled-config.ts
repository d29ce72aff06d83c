import type { TokenWindow } from "../ports/storage.js";
import type { AuthModule, AuthModuleContext, HeaderPair } from "../auth/types.js";
import type { CidrTable } from "../host/cidr-table.js";
import type { RoutePolicy } from "../policy/route-policy.js";
import type { ProviderConfig } from "./provider-schema.js";

/** A provider after validation, with everything the hot path needs precomputed. */
export interface CompiledProvider {
  readonly name: string;
  readonly file: string;
  readonly config: ProviderConfig;
  /** `scheme://host[:port]` of `base_url`: credentials never go anywhere else (invariant 2). */
  readonly origin: string;
  /** `base_url`'s path without a trailing `/` ("" for none); every forwarded path starts with it. */
  readonly basePath: string;
  /** The `auth.type` from YAML. */
  readonly authType: string;
  /** Builds the provider's auth module over the gateway's runtime ports (once per gateway). */
  createAuth(runtime: Omit<AuthModuleContext, "provider" | "secrets">): AuthModule;
  /** Configured secret values this provider's credential uses (resolved at load). */
  readonly staticSecrets: readonly string[];
  readonly policy: RoutePolicy;
  readonly defaultHeaders: readonly HeaderPair[];
  /** Lower-case names of upstream response headers the operator asked to drop. */
  readonly stripResponseHeaders: ReadonlySet<string>;
}

export interface CompiledHost {
  readonly id: string;
  readonly canCallSensitive: boolean;
  /** Pre-shared key value, resolved at start-up. */
  readonly psk: string | undefined;
  /** Granted providers; undefined means every provider. */
  readonly providers: ReadonlySet<string> | undefined;
}

/** Everything validated once at start-up; immutable afterwards, swapped whole on reload. */
export interface CompiledConfig {
  /** Enabled providers by lower-case name. */
  readonly providers: ReadonlyMap<string, CompiledProvider>;
  readonly hosts: CidrTable<CompiledHost>;
  readonly hostList: readonly CompiledHost[];
  readonly trustedProxies: CidrTable<true>;
  readonly hasTrustedProxies: boolean;
  /** Failed PSK presentations one source address may make per window before it is refused. */
  readonly pskFailures: TokenWindow;
  readonly defaultProvider: string | undefined;
  /** Every secret any module or host may use: what logs and answers are scrubbed of. */
  readonly secretValues: readonly string[];
  /** Non-fatal notes for the operator (e.g. plain-http upstreams). */
  readonly warnings: readonly string[];
}
