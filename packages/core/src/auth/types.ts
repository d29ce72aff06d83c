import type * as v from "valibot";
import type { Secrets } from "../ports/secrets.js";

/** What an auth module may look at: exactly what will be forwarded. */
export interface AuthRequest {
  readonly method: string;
  /** Canonical path as forwarded, including the `base_url` prefix. */
  readonly path: string;
  /** Raw query string without `?`, as forwarded before the module's own parameters. */
  readonly query: string;
}

export type HeaderPair = readonly [name: string, value: string];

export interface AuthInjection {
  readonly headers: readonly HeaderPair[];
  /** Query parameters set by the module; any agent value for the same name is dropped. */
  readonly query: readonly HeaderPair[];
}

export interface AuthModule {
  readonly type: string;
  /** Lower-case header names the module owns: the agent's values for them are never forwarded. */
  readonly headerNames: readonly string[];
  /** Query parameter names the module owns. */
  readonly queryParams: readonly string[];
  /** Every secret value this module may send, so responses and logs can be scrubbed of them. */
  readonly secretValues: readonly string[];
  apply(request: AuthRequest): AuthInjection | Promise<AuthInjection>;
}

/** A reference from YAML to a secret, so a missing one is reported at its field. */
export interface SecretRef {
  /** Where the reference sits in the provider file, e.g. `["auth", "headers", "X-Key", "env"]`. */
  readonly path: readonly string[];
  readonly env: string;
}

export interface AuthModuleDefinition<S extends v.GenericSchema = v.GenericSchema> {
  readonly type: string;
  readonly schema: S;
  secretRefs(config: v.InferOutput<S>): SecretRef[];
  /** Called once at start-up, after every secret ref has been checked to resolve. */
  create(config: v.InferOutput<S>, secrets: Secrets): AuthModule;
}

export function defineAuthModule<S extends v.GenericSchema>(definition: AuthModuleDefinition<S>): AuthModuleDefinition<S> {
  return definition;
}
