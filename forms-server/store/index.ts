/**
 * The forms server's shared state: the `Store` contract (types.ts), the in-memory store (one
 * replica) and the Redis store (several replicas), and `createStore`, which picks one from the
 * settings.
 */
import { MemoryStore } from './memory';
import { RedisStore } from './redis';
import type { Store } from './types';

export * from './types';
export * from './counter';
export { ExpiryHeap } from './expiry-heap';
export { MemoryStore, DEFAULT_CAPACITY, type MemoryStoreOptions } from './memory';
export {
  RedisStore,
  DEFAULT_KEY_PREFIX,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  LUA_SCRIPTS,
  isUnavailable,
  type RedisStoreOptions,
} from './redis';

export interface CreateStoreOptions {
  /** REDIS_URL: without it (or empty), the store is in memory. */
  redisUrl?: string;
  /** Start of every Redis key (default `authy2fa:`). */
  keyPrefix?: string;
  /** Visits in all (memory: default 100,000; Redis: no bound beyond VisitLimits.capacity). */
  capacity?: number;
  /** Redis command timeout (default 1000 ms). */
  commandTimeoutMs?: number;
  /** Redis connection errors after start (the client reconnects by itself). */
  onError?: (error: Error) => void;
}

/**
 * A MemoryStore without a Redis URL, else a RedisStore that is connected. If Redis cannot be
 * reached (or refuses the credentials) at start, throws an Error naming REDIS_URL, with the URL
 * shown without its password.
 */
export async function createStore(options: CreateStoreOptions = {}): Promise<Store> {
  const url = options.redisUrl?.trim();
  if (!url) return new MemoryStore(options.capacity === undefined ? {} : { capacity: options.capacity });

  const shown = redactRedisUrl(url);
  const store = new RedisStore({
    url,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  try {
    await store.connect();
  } catch (error) {
    await store.close();
    const message = typeof (error as Error | null)?.message === 'string' ? (error as Error).message : 'unknown error';
    const detail = scrub(message.replace(/^redis connect: /, ''), url);
    // The cause is the client's error: it names the host, never the password.
    throw new Error(`REDIS_URL: cannot reach Redis at ${shown} (${detail})`, { cause: error });
  }
  return store;
}

/**
 * The URL as it may be shown in a message or a log: scheme, user, host, port and database, the
 * password replaced by `***`. Throws an Error naming REDIS_URL (without echoing it) when it is
 * not a redis:// or rediss:// URL.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('REDIS_URL is not a valid URL (expected redis://[[user]:password@]host[:port][/db] or rediss://...)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error('REDIS_URL must start with redis:// or rediss://');
  }
  if (parsed.password) parsed.password = '***';
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/** Removes the password (raw or percent-decoded, in the authority or the query) from a message, should a library ever echo it. */
function scrub(message: string, url: string): string {
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url);
    for (const value of [parsed.password, parsed.searchParams.get('password') ?? '']) {
      if (!value) continue;
      secrets.add(value);
      try {
        secrets.add(decodeURIComponent(value));
      } catch {
        // Not percent-encoded.
      }
    }
  } catch {
    return message;
  }
  let out = message;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}
