/**
 * The Redis store's Lua scripts: every read-modify-write of the store is one of these, atomic on
 * the server. ioredis defines them as custom commands on the client (EVALSHA, falling back to
 * EVAL after a restart emptied the script cache).
 *
 * Keys, for prefix P:
 *   P visit:<id>           the visit, as JSON                          TTL: the visit's expiry
 *   P user-visits:<user>   sorted set of the user's open visit ids     TTL: the latest member
 *                          (score: expiresAtMs)
 *   P visits               sorted set of all visit ids (score: expiresAtMs), for the capacity check
 *   P link:<link key>      "<expiresAtMs>:<visit id>"                  TTL: the link's expiry
 *   P counter:<user>       hash failures, lockedUntilMs, expiresAtMs   TTL: one lock period
 *   P holds:<user>         sorted set of reservation ids (score: hold expiry)
 *
 * Time is the caller's `nowMs` (the same clock the memory store uses), and each record carries
 * its own expiry, so a record reads as gone at exactly the same moment in both stores; TTLs are
 * set relative to `nowMs` and only collect what is gone anyway. Written for one Redis server (or
 * a primary with replicas): the visit script deletes other visits' keys it computes itself, so a
 * Redis Cluster would need all keys in one slot (a `{...}` hash tag in the prefix).
 *
 * Time is the caller's `nowMs` (ARGV[1]); each record carries its own expiry and TTLs are set
 * relative to `nowMs`, so they only collect what is gone anyway. The visit script deletes keys
 * of dropped visits that it builds itself (ARGV: the visit key prefix): one Redis server (or a
 * primary with replicas), or a Cluster with every key in one slot (a `{...}` hash tag in the prefix).
 */

/**
 * The counter rules of counter.ts, in Lua. A null lock is an absent field; replies carry -1.
 * Keep in step with counter.ts: liveState, afterWrong, afterRaise, afterSettle, reserveRefusal,
 * storageStep.
 */
const COUNTER_LUA = `
local function live_counter(key, now)
  local v = redis.call('HMGET', key, 'failures', 'lockedUntilMs', 'expiresAtMs')
  local expires = tonumber(v[3])
  if expires == nil or expires <= now then return 0, nil end
  local locked = tonumber(v[2])
  if locked ~= nil and locked <= now then return 0, nil end
  return tonumber(v[1]) or 0, locked
end

local function store_counter(key, f, l, nf, nl, now, lock_ms)
  if nf == 0 and nl == nil then
    redis.call('DEL', key)
    return
  end
  if nf == f and nl == l then return end
  local expires = now + lock_ms
  if nl ~= nil and nl > expires then expires = nl end
  redis.call('DEL', key)
  if nl == nil then
    redis.call('HSET', key, 'failures', nf, 'expiresAtMs', expires)
  else
    redis.call('HSET', key, 'failures', nf, 'lockedUntilMs', nl, 'expiresAtMs', expires)
  end
  redis.call('PEXPIRE', key, expires - now)
end

local function after_wrong(f, l, now, max, lock_ms)
  local nf = f + 1
  if nf < max then return nf, l end
  local lock_end = now + lock_ms
  if l ~= nil and l > lock_end then lock_end = l end
  return nf, lock_end
end

local function live_holds(key, now_arg)
  return redis.call('ZCOUNT', key, '(' .. now_arg, '+inf')
end

local function counter_reply(f, n, l)
  if l == nil then l = -1 end
  return {f, n, l}
end
`;

/** TTL of a sorted set: until its latest member's score. */
const ZSET_TTL_LUA = `
local function refresh_zset_ttl(key, now)
  local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #top == 0 then return end
  local ttl = math.ceil(tonumber(top[2]) - now)
  if ttl < 1 then redis.call('DEL', key) else redis.call('PEXPIRE', key, ttl) end
end
`;

/**
 * KEYS: link, visit, user-visits, visits.
 * ARGV: now, json, id, expiresAtMs, linkExpiresAtMs, maxOpenPerUser, capacity, visit key prefix.
 */
const OPEN_VISIT = `${ZSET_TTL_LUA}
local now = tonumber(ARGV[1])
local id = ARGV[3]
local bound = redis.call('GET', KEYS[1])
if bound then
  local sep = string.find(bound, ':', 1, true)
  if sep then
    local bound_until = tonumber(string.sub(bound, 1, sep - 1))
    if bound_until ~= nil and now < bound_until then return {'existing', string.sub(bound, sep + 1)} end
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
local drop = {}
local excess = redis.call('ZCARD', KEYS[3]) + 1 - tonumber(ARGV[6])
if excess > 0 then drop = redis.call('ZRANGE', KEYS[3], 0, excess - 1) end
local freed = 0
for _, old in ipairs(drop) do
  if redis.call('ZSCORE', KEYS[4], old) then freed = freed + 1 end
end
if redis.call('ZCARD', KEYS[4]) - freed + 1 > tonumber(ARGV[7]) then return {'full'} end
for _, old in ipairs(drop) do
  redis.call('DEL', ARGV[8] .. old)
  redis.call('ZREM', KEYS[3], old)
  redis.call('ZREM', KEYS[4], old)
end
local link_until = tonumber(ARGV[5])
if link_until > now then redis.call('SET', KEYS[1], ARGV[5] .. ':' .. id, 'PX', link_until - now) end
local expires = tonumber(ARGV[4])
if expires > now then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', expires - now)
  redis.call('ZADD', KEYS[3], ARGV[4], id)
  redis.call('ZADD', KEYS[4], ARGV[4], id)
  refresh_zset_ttl(KEYS[3], now)
  refresh_zset_ttl(KEYS[4], now)
end
return {'created'}
`;

/** KEYS: visit, user-visits, visits. ARGV: now, expected version, json (version + 1), expiresAtMs, userKey, id. */
const SAVE_VISIT = `${ZSET_TTL_LUA}
local now = tonumber(ARGV[1])
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, stored = pcall(cjson.decode, raw)
if not ok or type(stored) ~= 'table' then return 0 end
local stored_until = tonumber(stored['expiresAtMs'])
if stored_until == nil or stored_until <= now then return 0 end
if tonumber(stored['version']) ~= tonumber(ARGV[2]) then return 0 end
if stored['userKey'] ~= ARGV[5] then return 0 end
local expires = tonumber(ARGV[4])
if expires <= now then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[6])
  redis.call('ZREM', KEYS[3], ARGV[6])
  return 1
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', expires - now)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[6])
refresh_zset_ttl(KEYS[2], now)
refresh_zset_ttl(KEYS[3], now)
return 1
`;

/** KEYS: counter, holds. ARGV: now. Read only. */
const GET_COUNTER = `${COUNTER_LUA}
local now = tonumber(ARGV[1])
local f, l = live_counter(KEYS[1], now)
return counter_reply(f, live_holds(KEYS[2], ARGV[1]), l)
`;

/** KEYS: counter, holds. ARGV: now, maxFailures, lock ms, reported failures. */
const RAISE_FAILURES = `${COUNTER_LUA}
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local lock_ms = tonumber(ARGV[3])
local reported = tonumber(ARGV[4])
local f, l = live_counter(KEYS[1], now)
local nf, nl = f, l
if reported > nf then nf = reported end
if nl == nil and nf >= max then nl = now + lock_ms end
store_counter(KEYS[1], f, l, nf, nl, now, lock_ms)
return counter_reply(nf, live_holds(KEYS[2], ARGV[1]), nl)
`;

/** KEYS: counter, holds. ARGV: now, maxFailures, lock ms, hold ms, reservation id. */
const RESERVE_ATTEMPT = `${COUNTER_LUA}${ZSET_TTL_LUA}
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local f, l = live_counter(KEYS[1], now)
local n = redis.call('ZCARD', KEYS[2])
if l ~= nil then return {'locked', f, n, l} end
if f + n >= max then return {'busy', f, n, -1} end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[5])
refresh_zset_ttl(KEYS[2], now)
return {'ok', f, n + 1, -1}
`;

/** KEYS: counter, holds. ARGV: now, maxFailures, lock ms, reservation id, result. */
const SETTLE_ATTEMPT = `${COUNTER_LUA}
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local lock_ms = tonumber(ARGV[3])
local result = ARGV[5]
local held_until = redis.call('ZSCORE', KEYS[2], ARGV[4])
local held = false
if held_until then
  held = now < tonumber(held_until)
  redis.call('ZREM', KEYS[2], ARGV[4])
end
local f, l = live_counter(KEYS[1], now)
local nf, nl = f, l
if result == 'wrong' then
  nf, nl = after_wrong(f, l, now, max, lock_ms)
elseif result == 'right' and held then
  nf, nl = 0, nil
end
store_counter(KEYS[1], f, l, nf, nl, now, lock_ms)
return counter_reply(nf, live_holds(KEYS[2], ARGV[1]), nl)
`;

/** The scripts, as the client's custom commands (names unique, as the client may be shared). */
export const LUA_SCRIPTS = {
  authy2faOpenVisit: { numberOfKeys: 4, lua: OPEN_VISIT },
  authy2faSaveVisit: { numberOfKeys: 3, lua: SAVE_VISIT },
  authy2faGetCounter: { numberOfKeys: 2, lua: GET_COUNTER, readOnly: true },
  authy2faRaiseFailures: { numberOfKeys: 2, lua: RAISE_FAILURES },
  authy2faReserveAttempt: { numberOfKeys: 2, lua: RESERVE_ATTEMPT },
  authy2faSettleAttempt: { numberOfKeys: 2, lua: SETTLE_ATTEMPT },
} as const;

export type ScriptName = keyof typeof LUA_SCRIPTS;
