/**
 * The Redis store's connection: client options for failing fast and recovering by itself, which
 * errors mean "Redis cannot be used now", and the shapes of the scripts' replies.
 */
import type { RedisOptions } from 'ioredis';
import { LUA_SCRIPTS } from './redis-lua';
import type { Counter } from './types';

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

/**
 * No offline queue (a command while disconnected fails at once), a short command timeout, no
 * resending of commands that may have run, and reconnection forever with capped backoff.
 */
export function clientOptions(options: RedisStoreOptions): RedisOptions {
  const maxDelay = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
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
}

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
  return (
    typeof error === 'object' && error !== null && typeof (error as Error).message === 'string' && typeof (error as Error).name === 'string'
  );
}

export function asArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new Error('redis: unexpected reply');
  return reply;
}

/** [failures, inFlight, lockedUntilMs or -1] -> Counter. */
export function asCounter(reply: unknown): Counter {
  const [failures, inFlight, locked] = asArray(reply).map(Number);
  if (!Number.isFinite(failures) || !Number.isFinite(inFlight) || !Number.isFinite(locked))
    throw new Error('redis: unexpected counter reply');
  return { failures, inFlight, lockedUntilMs: locked < 0 ? null : locked };
}

/** An error in a few words, without anything from the URL. */
export function describe(error: unknown): string {
  if (!isErrorLike(error)) return 'unknown error';
  const code = typeof error.code === 'string' ? error.code : '';
  return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}
