import type * as v from "valibot";
import type { FetchLike } from "../http/fetch-entry.js";
import type { Clock } from "../ports/clock.js";
import type { Secrets } from "../ports/secrets.js";
import type { Storage } from "../ports/storage.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** What an auth module may look at: exactly what will be forwarded. */
export interface AuthRequest {
  readonly method: string;
  /** Canonical path as forwarded, including the `base_url` prefix. */
  readonly path: string;
  /** Raw query string without `?`, as forwarded before the module's own parameters. */
  readonly query: string;
  /** The request body, present only for modules that set `needsBody`. */
  readonly body?: Uint8Array;
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
  /** The module signs or hashes the body: the pipeline reads it (bounded) before `apply`. */
  readonly needsBody?: boolean;
  /**
   * Every credential value this module may send right now (configured secrets, stored and
   * minted tokens), so answers and logs can be scrubbed of them.
   */
  secretValues(): readonly string[];
  apply(request: AuthRequest): AuthInjection | Promise<AuthInjection>;
  /**
   * The upstream answered; stateful modules drop a cached credential on `invalidate_on` statuses.
   * `applied` is what `apply` returned for that request: with it a module drops exactly the
   * credential that was rejected, not one minted or rotated meanwhile by a concurrent request.
   */
  onResponse?(status: number, applied?: AuthInjection): void | Promise<void>;
}

/** The runtime a module may use, bound by the gateway once at start-up. */
export interface AuthModuleContext {
  /** The provider's name, for storage keys and messages. */
  readonly provider: string;
  readonly secrets: Secrets;
  readonly storage: Storage;
  readonly clock: Clock;
  /** For token endpoints; callers must pass `redirect: "manual"` (SEC-132). */
  readonly fetch: FetchLike;
}

/** A reference from YAML to a secret, so a missing one is reported at its field. */
export interface SecretRef {
  /** Where the reference sits in the provider file, e.g. `["auth", "headers", "X-Key", "env"]`. */
  readonly path: readonly string[];
  readonly env: string;
  /** False for seeds that may be absent (`bearer_store.env_seed`). @default true */
  readonly required?: boolean;
}

export interface AuthModuleDefinition<S extends v.GenericSchema = v.GenericSchema> {
  readonly type: string;
  readonly schema: S;
  secretRefs(config: v.InferOutput<S>): SecretRef[];
  /** Called once per gateway, after every required secret ref has been checked to resolve. */
  create(config: v.InferOutput<S>, context: AuthModuleContext): AuthModule;
}

export function defineAuthModule<S extends v.GenericSchema>(definition: AuthModuleDefinition<S>): AuthModuleDefinition<S> {
  return definition;
}

/**
 * An auth module added from outside the built-in set (`auth: {type: plugin, module: NAME, config}`).
 * `schema` validates the `config` block; any Standard Schema works (valibot, zod, arktype, or a
 * hand-written `~standard` object), so a plugin file need not share core's valibot copy. Paths in
 * `secretRefs` are relative to `auth.config`. Every `AuthModuleDefinition` is also an `AuthPlugin`.
 */
export interface AuthPlugin<Config = any> {
  /** Shown in messages; the name the plugin is registered under is what YAML refers to. */
  readonly type: string;
  readonly schema: StandardSchemaV1<unknown, Config>;
  secretRefs(config: Config): SecretRef[];
  /** Called once per gateway, after every required secret ref has been checked to resolve. */
  create(config: Config, context: AuthModuleContext): AuthModule;
}

/** Identity helper that infers `Config` from the schema, like `defineAuthModule`. */
export function defineAuthPlugin<Config>(plugin: AuthPlugin<Config>): AuthPlugin<Config> {
  return plugin;
}
