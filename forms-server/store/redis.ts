/**
 * The store shared by several replicas (REDIS_URL). Every read-modify-write is one Lua script
 * (atomic on the server; ioredis sends EVALSHA and falls back to EVAL after a restart), every key
 * has a TTL, and every key starts with the deployment's prefix (default `authy2fa:`).
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
 * Fails fast: no offline queue, a short command timeout, no resending of commands that may have
 * run; any connection or timeout error becomes StoreUnavailableError (the server answers 503).
 * The client keeps reconnecting by itself, with capped backoff.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { checkKey, checkResult, checkTime, checkVisit, checkVisitLimits, serializeVisit } from './checks';
import { checkAttemptLimits, lockMs, normalizeCount } from './counter';
import { StoreUnavailableError } from './types';
import type { AttemptLimits, AttemptResult, Counter, OpenResult, Reservation, Store, VisitLimits, VisitRecord } from './types';

export const DEFAULT_KEY_PREFIX = 'authy2fa:';
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 2000;

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL (user, password, host, port, db). */
  url: string;
  /** Start of every key (default `authy2fa:`); one per deployment sharing a Redis. */
  keyPrefix?: string;
  /** Visits in all, whatever a call's `VisitLimits.capacity` says (default: no further bound). */
  capacity?: number;
  /** A command without an answer by then fails (default 1000 ms). */
  commandTimeoutMs?: number;
  /** A connection attempt without an answer by then fails (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Longest wait between two reconnection attempts (default 2000 ms). */
  maxReconnectDelayMs?: number;
  /** Connection errors as they happen (the client reconnects by itself); without it they are dropped. */
  onError?: (error: Error) => void;
}

// ---------------------------------------------------------------- Lua

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

/** KEYS: link, visit, user-visits, visits. ARGV: now, json, id, expiresAtMs, linkExpiresAtMs, maxOpenPerUser, capacity, visit key prefix. */
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

type ScriptName = keyof typeof LUA_SCRIPTS;
type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

// ---------------------------------------------------------------- errors

/** Server replies that mean "not now" rather than a bug in a script or a wrong key type. */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|OOM|TRYAGAIN|CLUSTERDOWN|NOAUTH|WRONGPASS|NOPERM)\b/;

/** Connection, timeout and "not now" errors: the store cannot be used at the moment. */
export function isUnavailable(error: unknown): boolean {
  if (!isErrorLike(error)) return false;
  if (error.name === 'ReplyError') return TRANSIENT_REPLIES.test(error.message);
  return true;
}

/**
 * An Error, by shape: errors from Node's own modules (a refused connection) are not `instanceof`
 * this realm's Error under test runners that sandbox globals.
 */
function isErrorLike(error: unknown): error is Error & { code?: unknown } {
  return typeof error === 'object' && error !== null && typeof (error as Error).message === 'string' && typeof (error as Error).name === 'string';
}

// ---------------------------------------------------------------- the store

export class RedisStore implements Store {
  /** The connection, for reuse (e.g. @fastify/rate-limit's `redis` option). Close it with `close()`. */
  readonly client: Redis;
  readonly keyPrefix: string;
  readonly capacity: number;
  private readonly connectTimeoutMs: number;
  private lastError: Error | null = null;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.capacity = options.capacity ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(this.capacity) || this.capacity < 1) throw new RangeError('capacity must be an integer >= 1');
    const commandTimeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const maxDelay = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
    const clientOptions: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      commandTimeout,
      connectTimeout: this.connectTimeoutMs,
      // On close() of a connection that is not up, ioredis waits this long for a socket that may
      // already be gone (its timer would otherwise keep the process alive for 2 s).
      disconnectTimeout: 100,
      maxRetriesPerRequest: 1,
      // A script that may have run must not run twice (a reservation, a wrong answer).
      autoResendUnfulfilledCommands: false,
      // Never give up: 50 ms, 100 ms, 200 ms, ... up to maxDelay between attempts.
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 16), maxDelay),
      scripts: LUA_SCRIPTS,
    };
    this.client = new Redis(options.url, clientOptions);
    this.client.on('error', (error: Error) => {
      this.lastError = error;
      options.onError?.(error);
    });
  }

  /** Connects (once, at start); throws StoreUnavailableError when Redis cannot be reached or refuses us. */
  async connect(): Promise<void> {
    const status = this.client.status;
    if (status === 'ready') return;
    this.lastError = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const ready = status === 'wait' ? this.client.connect() : new Promise<void>((resolve) => this.client.once('ready', () => resolve()));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      });
      await Promise.race([ready, timeout]);
    } catch (error) {
      const reason = this.lastError ?? error;
      throw new StoreUnavailableError(`redis connect: ${describe(reason)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  // ------------------------------------------------------------ visits

  async openVisit(visit: VisitRecord, linkKey: string, linkExpiresAtMs: number, limits: VisitLimits, nowMs: number): Promise<OpenResult> {
    checkVisit(visit);
    checkKey(linkKey, 'linkKey');
    checkTime(linkExpiresAtMs, 'linkExpiresAtMs');
    checkVisitLimits(limits);
    checkTime(nowMs, 'nowMs');
    const json = serializeVisit(visit, visit.version);
    const reply = await this.script(
      'authy2faOpenVisit',
      [this.key('link', linkKey), this.key('visit', visit.id), this.key('user-visits', visit.userKey), `${this.keyPrefix}visits`],
      [nowMs, json, visit.id, visit.expiresAtMs, linkExpiresAtMs, limits.maxOpenPerUser, Math.min(limits.capacity, this.capacity), `${this.keyPrefix}visit:`],
    );
    const [kind, visitId] = asArray(reply);
    if (kind === 'created') return { kind: 'created' };
    if (kind === 'full') return { kind: 'full' };
    if (kind === 'existing' && typeof visitId === 'string') return { kind: 'existing', visitId };
    throw new Error('redis openVisit: unexpected reply');
  }

  async getVisit<V extends VisitRecord>(id: string, nowMs: number): Promise<V | null> {
    checkTime(nowMs, 'nowMs');
    if (typeof id !== 'string' || id.length === 0) return null;
    const raw = await this.call('getVisit', () => this.client.get(this.key('visit', id)));
    if (raw === null) return null;
    let visit: V;
    try {
      visit = JSON.parse(raw) as V;
    } catch {
      return null;
    }
    return typeof visit === 'object' && visit !== null && nowMs < visit.expiresAtMs ? visit : null;
  }

  async saveVisit(visit: VisitRecord, nowMs: number): Promise<boolean> {
    checkVisit(visit);
    checkTime(nowMs, 'nowMs');
    const json = serializeVisit(visit, visit.version + 1);
    const reply = await this.script(
      'authy2faSaveVisit',
      [this.key('visit', visit.id), this.key('user-visits', visit.userKey), `${this.keyPrefix}visits`],
      [nowMs, visit.version, json, visit.expiresAtMs, visit.userKey, visit.id],
    );
    return reply === 1;
  }

  // ------------------------------------------------------------ attempts

  async getCounter(userKey: string, nowMs: number): Promise<Counter> {
    checkKey(userKey, 'userKey');
    checkTime(nowMs, 'nowMs');
    return asCounter(await this.script('authy2faGetCounter', this.counterKeys(userKey), [nowMs]));
  }

  async raiseFailures(userKey: string, failures: number, limits: AttemptLimits): Promise<Counter> {
    checkKey(userKey, 'userKey');
    checkAttemptLimits(limits);
    const reply = await this.script('authy2faRaiseFailures', this.counterKeys(userKey), [limits.nowMs, limits.maxFailures, lockMs(limits), normalizeCount(failures)]);
    return asCounter(reply);
  }

  async reserveAttempt(userKey: string, limits: AttemptLimits & { holdMs: number }): Promise<Reservation> {
    checkKey(userKey, 'userKey');
    checkAttemptLimits(limits, limits.holdMs);
    const id = randomBytes(16).toString('base64url');
    const reply = asArray(
      await this.script('authy2faReserveAttempt', this.counterKeys(userKey), [limits.nowMs, limits.maxFailures, lockMs(limits), limits.holdMs, id]),
    );
    const counter = asCounter(reply.slice(1));
    if (reply[0] === 'ok') return { ok: true, id, counter };
    if (reply[0] === 'locked' || reply[0] === 'busy') return { ok: false, reason: reply[0], counter };
    throw new Error('redis reserveAttempt: unexpected reply');
  }

  async settleAttempt(userKey: string, reservationId: string, result: AttemptResult, limits: AttemptLimits): Promise<Counter> {
    checkKey(userKey, 'userKey');
    checkAttemptLimits(limits);
    checkResult(result);
    const reply = await this.script('authy2faSettleAttempt', this.counterKeys(userKey), [
      limits.nowMs,
      limits.maxFailures,
      lockMs(limits),
      String(reservationId),
      result,
    ]);
    return asCounter(reply);
  }

  // ------------------------------------------------------------ lifecycle

  async ping(): Promise<void> {
    await this.call('ping', () => this.client.ping());
  }

  /** Closes the connection (waits for pending replies when connected) and stops reconnecting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // Fall through to a hard disconnect.
      }
    }
    this.client.disconnect();
  }

  // ------------------------------------------------------------ internals

  private key(kind: string, id: string): string {
    return `${this.keyPrefix}${kind}:${id}`;
  }

  private counterKeys(userKey: string): string[] {
    return [this.key('counter', userKey), this.key('holds', userKey)];
  }

  private script(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    const run = (this.client as unknown as Record<ScriptName, ScriptCall>)[name];
    return this.call(name, () => run.call(this.client, ...keys, ...args.map(String)));
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isUnavailable(error)) throw new StoreUnavailableError(`redis ${operation}: ${describe(error)}`);
      throw error;
    }
  }
}

function asArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new Error('redis: unexpected reply');
  return reply;
}

/** [failures, inFlight, lockedUntilMs or -1] -> Counter. */
function asCounter(reply: unknown): Counter {
  const [failures, inFlight, locked] = asArray(reply).map(Number);
  if (!Number.isFinite(failures) || !Number.isFinite(inFlight) || !Number.isFinite(locked)) throw new Error('redis: unexpected counter reply');
  return { failures, inFlight, lockedUntilMs: locked < 0 ? null : locked };
}

/** An error in a few words, without anything from the URL. */
function describe(error: unknown): string {
  if (!isErrorLike(error)) return 'unknown error';
  const code = typeof error.code === 'string' ? error.code : '';
  return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}
