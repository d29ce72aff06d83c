import type { AuthInjection, AuthModule, HeaderPair } from "./types.js";

/**
 * Stateless modules compute their injection once at start-up: the hot path then only copies a
 * constant (no string building per request).
 */
export function staticAuthModule(type: string, headers: HeaderPair[], query: HeaderPair[], secretValues: string[]): AuthModule {
  const injection: AuthInjection = { headers, query };
  const secrets = secretValues.filter((s) => s.length > 0);
  return {
    type,
    headerNames: headers.map(([name]) => name.toLowerCase()),
    queryParams: query.map(([name]) => name),
    secretValues: () => secrets,
    apply: () => injection,
  };
}

export function requireSecret(secrets: { get(name: string): string | undefined }, name: string): string {
  const value = secrets.get(name);
  // Checked by config validation before any module is created; this guards programmatic misuse.
  if (value === undefined || value === "") throw new Error(`secret ${name} is not set`);
  return value;
}
