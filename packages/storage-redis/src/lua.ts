/**
 * Every multi-step Redis operation, as a Lua script Redis runs atomically (no other command runs
 * between its calls). Each is sent with EVALSHA by its pinned SHA1 and re-sent with EVAL when the
 * server answers NOSCRIPT (after a restart or `SCRIPT FLUSH`): see `internal/run-script.ts`.
 * `test/lua.test.ts` checks every pinned hash against sha1(script); edit a script, update its hash.
 */

export interface LuaScript {
  /** What the script does, for errors and logs. */
  readonly name: string;
  readonly lua: string;
  /** sha1(lua) as lowercase hex: what EVALSHA names the script by. */
  readonly sha1: string;
}

/**
 * Multi-window token take, all or nothing, behind the upstream-429 cooldown gate, in one round
 * trip (DESIGN §5.1). It reproduces core's
 * `takeFromWindows` (`packages/core/src/storage/token-bucket.ts`) operation for operation, in the
 * same floating-point order, so Redis and memory storage give identical answers. State is written
 * with %.17g so a fractional token count survives the round trip through a Redis string exactly
 * (Lua's default number-to-string keeps only 14 digits).
 */
export const TAKE_TOKENS_LUA = `
-- KEYS[i]    = state of window i (i = 1..n), "<prefix><bucket>:<windowMs_i>"; value "<tokens> <updatedMs>"
-- KEYS[n+1]  = optional cooldown gate: epoch ms until which every take is refused (an upstream 429)
-- ARGV[1]    = nowMs, from the caller's clock (every instance agrees on time through it)
-- ARGV[2]    = cost: tokens to take from every window
-- ARGV[3]    = n, the number of windows
-- ARGV[2i+2] = capacity of window i (tokens when full)
-- ARGV[2i+3] = windowMs of window i (ms to refill from empty; also the state's TTL, because a
--              bucket untouched for a whole window is full again and needs no state)
-- Returns {1} when taken from every window; {0, retryAfterMs} when nothing was taken, where
-- retryAfterMs = -1 means never (cost exceeds a window's capacity); {0, retryAfterMs, 1} while
-- the gate is closed (nothing read from or written to the windows).
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
if #KEYS > n then
  local untilMs = tonumber(redis.call('GET', KEYS[n + 1]))
  if untilMs and untilMs > now then return {0, math.ceil(untilMs - now), 1} end
end
local available = {}
local wait = 0
for i = 1, n do
  local capacity = tonumber(ARGV[2 * i + 2])
  local window = tonumber(ARGV[2 * i + 3])
  local tokens = capacity
  local state = redis.call('GET', KEYS[i])
  if state then
    local t, u = string.match(state, '^(%S+) (%S+)$')
    if t then
      local elapsed = math.max(0, now - tonumber(u))
      tokens = math.min(capacity, tonumber(t) + (elapsed * capacity) / window)
    end
  end
  available[i] = tokens
  local missing = cost - tokens
  if missing > 0 then
    if cost > capacity then wait = math.huge else wait = math.max(wait, (missing * window) / capacity) end
  end
end
if wait == math.huge then return {0, -1} end
if wait > 0 then return {0, math.ceil(wait)} end
for i = 1, n do
  local window = tonumber(ARGV[2 * i + 3])
  redis.call('SET', KEYS[i], string.format('%.17g %.17g', available[i] - cost, now), 'PX', math.ceil(window))
end
return {1}
`;
export const TAKE_TOKENS_SHA1 = "4fba17cfa7445ecbf596a95ba74665c69fda3235";

/**
 * Reserve-if-absent that also returns the holder. `SET key value PX ttl NX` alone is atomic but
 * says nothing about the existing value, and a separate GET could miss it (expired or deleted in
 * between). `SET … NX GET` does both, but only from Redis 7.0 (6.2 rejects NX with GET), and
 * Redis-compatible servers and managed offerings lag behind; this script runs on any Redis with
 * Lua (2.6+) at the same single round trip.
 */
export const RESERVE_LUA = `
-- KEYS[1] = the key to reserve
-- ARGV[1] = value to store when the key is absent
-- ARGV[2] = TTL in ms, an integer >= 1
-- Returns {1} when stored; {0, existing} when the key already held a value (nothing is written).
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1}
`;
export const RESERVE_SHA1 = "1ba100700dba8ba2615514110e2d5bd753632e27";

export const TAKE_TOKENS_SCRIPT: LuaScript = { name: "take-tokens", lua: TAKE_TOKENS_LUA, sha1: TAKE_TOKENS_SHA1 };
export const RESERVE_SCRIPT: LuaScript = { name: "reserve", lua: RESERVE_LUA, sha1: RESERVE_SHA1 };
