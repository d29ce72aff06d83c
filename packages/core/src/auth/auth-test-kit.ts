/**
 * Test-only helpers for auth module tests (imported by `*.test.ts` next to the modules; not part of
 * the public API). Modules are built through the real loader, as the gateway builds them.
 */
import { loadConfig } from "../config/load-config.js";
import type { FetchLike } from "../http/fetch-entry.js";
import type { Clock } from "../ports/clock.js";
import { secretsFromRecord } from "../ports/secrets.js";
import type { Storage } from "../ports/storage.js";
import type { AuthInjection, AuthModule, AuthPlugin, AuthRequest } from "./types.js";

export interface ModuleOptions {
  readonly env?: Record<string, string>;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly fetch?: FetchLike;
  readonly plugins?: Record<string, AuthPlugin>;
}

/** The `auth:` rows (block YAML, one string per line) of provider `p`, loaded and created. */
export function authModule(authRows: readonly string[], options: ModuleOptions): AuthModule {
  const text = ["name: p", "base_url: https://api.example.com", "auth:", ...authRows.map((row) => `  ${row}`)].join("\n");
  const config = loadConfig({ providers: [{ file: "p.yaml", text }], secrets: secretsFromRecord(options.env ?? {}), plugins: options.plugins });
  const provider = config.providers.get("p");
  if (!provider) throw new Error("provider not loaded");
  const fetch = options.fetch ?? (() => Promise.reject(new Error("no network in this test")));
  return provider.createAuth({ storage: options.storage, clock: options.clock, fetch });
}

/** The header value an injection sets for `name` (case-insensitive). */
export function headerOf(injection: { headers: readonly (readonly [string, string])[] }, name: string): string | undefined {
  return injection.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** A promise with its resolve function, to hold a fake endpoint's answer until the test lets go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Lets pending work run: a few real event-loop turns, since `crypto.subtle` and body reads
 * complete outside the microtask queue. The fake clock does not move.
 */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits (about `turns` real milliseconds at most) until `condition` holds; the fake clock does not move. */
export async function waitFor(condition: () => boolean, turns = 2_000): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i >= turns) throw new Error("waitFor: condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** `module.apply` as a promise (it may answer synchronously), so tests can chain `.catch`. */
export function applyAsync(module: AuthModule, request: AuthRequest): Promise<AuthInjection> {
  return Promise.resolve().then(() => module.apply(request));
}
