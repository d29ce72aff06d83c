import type { RedisLike } from "../redis-like.js";

const SCAN_COUNT = 500;

/**
 * Deletes every key under `prefix`, SCAN by SCAN: `KEYS` would block the whole server while it
 * walks the keyspace. Glob characters in the prefix are escaped so `"a*"` matches only keys that
 * begin with the four characters `a*` (MATCH treats `* ? [ ] \` as pattern syntax).
 * Not atomic: keys written during the walk may survive; callers clear quiescent prefixes.
 */
export async function clearPrefix(
  client: RedisLike,
  prefix: string,
  bounded: <T>(operation: string, work: () => Promise<T>) => Promise<T>,
): Promise<number> {
  if (prefix === "") throw new Error("[outpost] [storage-redis] clear() needs a keyPrefix: with none it would delete every key in the database");
  const pattern = `${escapeGlob(prefix)}*`;
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await bounded("clear", () => client.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT));
    if (keys.length > 0) deleted += await bounded("clear", () => client.del(...keys));
    cursor = next;
  } while (cursor !== "0");
  return deleted;
}

/** Escapes Redis glob syntax (`* ? [ ] \`) so the prefix matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
