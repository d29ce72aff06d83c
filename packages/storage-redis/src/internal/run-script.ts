import type { LuaScript } from "../lua.js";
import type { RedisLike } from "../redis-like.js";

/**
 * Runs `script` in one round trip: EVALSHA by its pinned hash, and EVAL with the full source
 * only when the server has lost it (`NOSCRIPT` after a restart, a failover or `SCRIPT FLUSH`).
 * EVAL also puts the script back into the server's cache, so the next EVALSHA succeeds again.
 */
export function runScript(client: RedisLike, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  // A reaction rather than an async wrapper: this runs once per batch of rate-limited requests.
  try {
    return client.evalsha(script.sha1, keys.length, ...keys, ...args).catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return client.eval(script.lua, keys.length, ...keys, ...args);
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Redis answers `NOSCRIPT No matching script. Please use EVAL.` for an unknown SHA1. */
function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}
