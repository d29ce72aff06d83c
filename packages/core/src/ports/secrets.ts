/**
 * Name → secret value: the environment on Node, Worker secrets and vars on Workers. Read once at
 * start-up by auth modules; an empty string counts as missing (an unset variable exported as
 * `FOO=` must not become an empty credential).
 */
export interface Secrets {
  get(name: string): string | undefined;
}

export function secretsFromRecord(record: Readonly<Record<string, string | undefined>>): Secrets {
  return { get: (name) => (Object.hasOwn(record, name) ? record[name] : undefined) };
}
