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
 * Multi-window token takes, each all or nothing behind its upstream-429 cooldown gate, for a
 * batch of independent requests in one round trip (DESIGN §5.1). Requests that arrive in the same
 * event-loop turn share one EVALSHA (`internal/take-batcher.ts`): per request this saves the
 * command, the socket write and the reply parse, which dominated the proxy's CPU on Redis. Takes
 * run in the order they were made, one after the other, so every key sees exactly the sequence of
 * single takes it would have seen without batching. Each take reproduces core's
 * `takeFromWindows` (`packages/core/src/storage/token-bucket.ts`) operation for operation, in the
 * same floating-point order, so Redis and memory storage give identical answers. A take's numbers
 * travel as one space-separated argument: the client's work per argument was most of a batch's
 * cost on the proxy (ioredis, bench/), and JavaScript's number-to-string is exact (shortest
 * round-trip form), so Lua's tonumber reads back the same doubles (finite ones only: the storage
 * refuses others before sending). State is written
 * with %.17g so a fractional token count survives the round trip through a Redis string exactly
 * (Lua's default number-to-string keeps only 14 digits). A take that raises (a key of the wrong
 * type) fails alone: its reply says so and the other takes in the batch are unaffected.
 */
export const TAKE_TOKENS_LUA = `
-- KEYS[...] = per take, in take order: the state of each of its n windows,
--             "<prefix><bucket>:<windowMs>", value "<tokens> <updatedMs>"; then its cooldown gate
--             when it has one (epoch ms until which every take is refused: an upstream 429)
-- ARGV[1]    = m, the number of takes in the batch
-- ARGV[1+t]  = take t's numbers, separated by single spaces:
--   nowMs     from the caller's clock (every instance agrees on time through it)
--   cost      tokens to take from every window
--   n         the number of windows
--   gate      1 when a gate key follows the take's window keys, else 0
--   n pairs   capacity (tokens when full), windowMs (ms to refill from empty; also the state's
--             TTL, because a bucket untouched for a whole window is full again and needs no state)
-- Returns one reply per take: {1} when taken from every window; {0, retryAfterMs} when nothing was
-- taken, where retryAfterMs = -1 means never (cost exceeds a window's capacity); {0,
-- retryAfterMs, 1} while the gate is closed (nothing read from or written to the windows);
-- {-1, message} when this take raised an error.
local function take(k, v)
  local now, cost, n = v[1], v[2], v[3]
  if v[4] == 1 then
    local untilMs = tonumber(redis.call('GET', KEYS[k + n]))
    if untilMs and untilMs > now then return {0, math.ceil(untilMs - now), 1} end
  end
  local available, stamps = {}, {}
  local wait = 0
  for i = 1, n do
    local capacity, window = v[3 + 2 * i], v[4 + 2 * i]
    local tokens = capacity
    local stamp = now
    local state = redis.call('GET', KEYS[k + i - 1])
    if state then
      local t, u = string.match(state, '^(%S+) (%S+)$')
      if t then
        local elapsed = math.max(0, now - tonumber(u))
        tokens = math.min(capacity, tonumber(t) + (elapsed * capacity) / window)
        stamp = math.max(now, tonumber(u))
      end
    end
    available[i] = tokens
    stamps[i] = stamp
    local missing = cost - tokens
    if missing > 0 then
      if cost > capacity then wait = math.huge else wait = math.max(wait, (missing * window) / capacity) end
    end
  end
  if wait == math.huge then return {0, -1} end
  if wait > 0 then return {0, math.ceil(wait)} end
  for i = 1, n do
    redis.call('SET', KEYS[k + i - 1], string.format('%.17g %.17g', available[i] - cost, stamps[i]), 'PX', math.ceil(v[4 + 2 * i]))
  end
  return {1}
end
local replies = {}
local k = 1
for t = 1, tonumber(ARGV[1]) do
  local v = {}
  for word in string.gmatch(ARGV[1 + t], '%S+') do v[#v + 1] = tonumber(word) end
  local ok, reply = pcall(take, k, v)
  if not ok then reply = {-1, type(reply) == 'table' and tostring(reply.err) or tostring(reply)} end
  replies[t] = reply
  k = k + v[3] + v[4]
end
return replies
`;
export const TAKE_TOKENS_SHA1 = "7c9dedee936df3b88175fa09f2129e366363fb1b";

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
