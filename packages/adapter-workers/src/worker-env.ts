import { ConfigError, type ConfigIssue, type Secrets } from "@outpost/core";
import type { DurableObjectNamespaceLike, KvNamespaceLike } from "@outpost/storage-kv";

/**
 * What the Worker reads from `env`: two bindings, three optional vars, and every secret the YAML
 * names (`wrangler secret put GITHUB_TOKEN`), looked up by name through the `Secrets` port.
 */
export interface WorkerEnv {
  /** KV namespace binding: the response cache. */
  readonly OUTPOST_KV?: KvNamespaceLike;
  /** Durable Object namespace binding of `OutpostCoordinator`: limits, cooldowns, idempotency, tokens. */
  readonly OUTPOST_COORDINATOR?: DurableObjectNamespaceLike;
  /** Comma-separated CIDRs allowed to set X-Forwarded-For (see DESIGN §2.2). */
  readonly TRUSTED_PROXIES?: string;
  /** Provider for requests without `X-Provider`. */
  readonly DEFAULT_PROVIDER?: string;
  /** Prepended to every storage key. @default "outpost:" */
  readonly OUTPOST_KEY_PREFIX?: string;
  readonly [name: string]: unknown;
}

/** The part of the Workers `ExecutionContext` the adapter uses. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/** Secrets and vars are strings on `env`; bindings (KV, Durable Objects) are objects and never secrets. */
export function secretsFromEnv(env: WorkerEnv): Secrets {
  return { get: (name) => (typeof env[name] === "string" ? (env[name] as string) : undefined) };
}

/** A string var, or undefined when it is unset or not a string. */
export function envVar(env: WorkerEnv, name: string): string | undefined {
  return typeof env[name] === "string" ? (env[name] as string) : undefined;
}

/**
 * Both storage bindings, or a `ConfigError` naming the missing one: without them there is no
 * shared, atomic storage, and a per-isolate memory store would silently multiply every limit.
 */
export function storageBindings(env: WorkerEnv): { namespace: KvNamespaceLike; durableObject: DurableObjectNamespaceLike } {
  const issues: ConfigIssue[] = [];
  if (!env.OUTPOST_KV) issues.push({ file: "<wrangler config>", line: undefined, field: "kv_namespaces", message: 'no KV namespace bound as "OUTPOST_KV"' });
  if (!env.OUTPOST_COORDINATOR) {
    issues.push({ file: "<wrangler config>", line: undefined, field: "durable_objects", message: 'no Durable Object namespace bound as "OUTPOST_COORDINATOR"' });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { namespace: env.OUTPOST_KV as KvNamespaceLike, durableObject: env.OUTPOST_COORDINATOR as DurableObjectNamespaceLike };
}
