/**
 * Which backend holds a key, and which Durable Object instance.
 *
 * Every key goes to the Durable Object unless its family is listed in `KV_KEY_PREFIXES`. Any key
 * that `reserve` or `takeTokens` touches, or that must be read right after such a write, has to
 * live where those operations run: rate-limit buckets (`rl:`), cooldown gates (`cooldown:`),
 * idempotency entries (`idem:`), OAuth2 tokens and mint locks (`oauth2:`) and bearer_store tokens
 * (`token:`, seeded with `reserve`). Defaulting to the Durable Object makes a key family added to
 * core later correct at once (merely not the cheapest); KV is the opt-in for a family that only
 * ever sees get/set/delete and tolerates KV's eventual consistency: the response cache.
 */
export const KV_KEY_PREFIXES: readonly string[] = ["cache:"];

export function onKv(key: string, kvPrefixes: readonly string[]): boolean {
  return kvPrefixes.some((prefix) => key.startsWith(prefix));
}

/**
 * The Durable Object instance for a key: its second `:`-separated segment, i.e. the provider for
 * `rl:<provider>:<category>`, `cooldown:<provider>:<category>` and `idem:<provider>:…`, the
 * credential for `oauth2:<id>[:lock]` and `token:<key>[:stale-seed]`.
 *
 * Why one object per provider rather than one per key: `takeTokens` reads the cooldown gate and
 * takes from the bucket in one atomic step, so `rl:p:c` and `cooldown:p:c` must share an object,
 * and a bucket cannot be split anyway (it is a single serialisation point). Per provider keeps the
 * object count equal to the number of providers and credentials, and one object's throughput
 * (about a thousand small requests a second) is far above any single provider's rate limits.
 */
export function shardOf(key: string): string {
  const parts = key.split(":");
  return parts.length > 1 ? (parts[1] as string) : key;
}
