/**
 * The store shared by several replicas (REDIS_URL). Every read-modify-write is one Lua script
 * (redis-lua.ts, where the keys are listed), every key has a TTL, and every key starts with the
 * deployment's prefix (default `authy2fa:`). Time is the caller's `nowMs`, as in the memory
 * store, so both agree to the millisecond.
 *
 * Fails fast: no offline queue, a short command timeout, no resending of commands that may have
 * run; any connection or timeout error becomes StoreUnavailableError (the server answers 503).
 * The client keeps reconnecting by itself, with capped backoff (redis-connection.ts).
 */
import { Redis } from 'ioredis';
import { checkKey, checkResult, checkTime, checkVisit, checkVisitLimits, isNonEmptyString, serializeVisit } from './checks';
import { checkAttemptLimits, lockMs, normalizeCount } from './counter';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  asArray,
  asCounter,
  clientOptions,
  describe,
  isUnavailable,
  type RedisStoreOptions,
} from './redis-connection';
import type { ScriptName } from './redis-lua';
import { StoreUnavailableError } from './types';
import type { AttemptLimits, AttemptResult, Counter, OpenResult, Reservation, Store, VisitLimits, VisitRecord } from './types';

export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  isUnavailable,
  type RedisStoreOptions,
} from './redis-connection';
import { randomBase64url } from '../../lib/random';
export { LUA_SCRIPTS } from './redis-lua';

type ScriptCall = (...args: string[]) => Promise<unknown>;

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
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.client = new Redis(options.url, clientOptions(options));
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
      // The client's own error (refused, wrong password) says more than "Connection is closed".
      throw new StoreUnavailableError(`redis connect: ${describe(this.errorSeen() ?? error)}`);
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
      [
        nowMs,
        json,
        visit.id,
        visit.expiresAtMs,
        linkExpiresAtMs,
        limits.maxOpenPerUser,
        Math.min(limits.capacity, this.capacity),
        `${this.keyPrefix}visit:`,
      ],
    );
    const [kind, visitId] = asArray(reply);
    if (kind === 'created') return { kind: 'created' };
    if (kind === 'full') return { kind: 'full' };
    if (kind === 'existing' && typeof visitId === 'string') return { kind: 'existing', visitId };
    throw new Error('redis openVisit: unexpected reply');
  }

  async getVisit<V extends VisitRecord>(id: string, nowMs: number): Promise<V | null> {
    checkTime(nowMs, 'nowMs');
    if (!isNonEmptyString(id)) return null;
    const raw = await this.call('getVisit', () => this.client.get(this.key('visit', id)));
    if (raw === null) return null;
    let visit: unknown;
    try {
      visit = JSON.parse(raw);
    } catch {
      return null;
    }
    if (typeof visit !== 'object' || visit === null) return null;
    return nowMs < (visit as V).expiresAtMs ? (visit as V) : null;
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
    const reply = await this.script('authy2faRaiseFailures', this.counterKeys(userKey), [
      limits.nowMs,
      limits.maxFailures,
      lockMs(limits),
      normalizeCount(failures),
    ]);
    return asCounter(reply);
  }

  async reserveAttempt(userKey: string, limits: AttemptLimits & { holdMs: number }): Promise<Reservation> {
    checkKey(userKey, 'userKey');
    checkAttemptLimits(limits, limits.holdMs);
    const id = randomBase64url(16);
    const reply = asArray(
      await this.script('authy2faReserveAttempt', this.counterKeys(userKey), [
        limits.nowMs,
        limits.maxFailures,
        lockMs(limits),
        limits.holdMs,
        id,
      ]),
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
      reservationId,
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

  private errorSeen(): Error | null {
    return this.lastError;
  }

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
