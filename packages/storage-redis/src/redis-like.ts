import type { Redis } from "ioredis";

/**
 * The commands the storage sends, as a structural type: any ioredis `Redis` fits, and so does a
 * wrapper or a test double with these methods. No `KEYS` (it blocks the server; `clear` uses
 * `SCAN`) and no `script` (the NOSCRIPT fallback is EVAL, which also reloads the script).
 * The client must not set ioredis' own `keyPrefix`: ioredis does not apply it to `SCAN MATCH`.
 */
export type RedisLike = Pick<Redis, "evalsha" | "eval" | "get" | "set" | "del" | "scan" | "ping">;
