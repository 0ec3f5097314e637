/**
 * The Redis store against a real redis-server (REDIS_URL, or one started here; see
 * test/helpers/redis-server.ts): the shared Store contract, keys and TTLs, two replicas on one
 * Redis, Redis going away and coming back, and createStore's start-up checks.
 */
import { Redis } from 'ioredis';
import { createStore, MemoryStore, RedisStore, StoreUnavailableError, type Store } from '../../forms-server/store/index';
import {
  freePort,
  redisDescribe,
  redisServerDescribe,
  sharedRedis,
  startRedisServer,
  uniquePrefix,
  type RedisServer,
  type RedisTarget,
} from '../helpers/redis-server';
import { changed, MINUTE, NOW, storeContract, testVisit } from '../helpers/store-contract';

const quiet = (): void => {};

/** The error a promise rejects with (and a failed test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

/** Removes every key under the store's prefix, then closes it. */
async function release(store: Store): Promise<void> {
  if (store instanceof RedisStore && store.client.status === 'ready') {
    const keys = await store.client.keys(`${store.keyPrefix}*`);
    if (keys.length > 0) await store.client.del(...keys);
  }
  await store.close();
}

redisDescribe()('RedisStore', () => {
  let redis: RedisTarget;
  beforeAll(async () => {
    redis = await sharedRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  async function connected(keyPrefix = uniquePrefix()): Promise<RedisStore> {
    const store = new RedisStore({ url: redis.url, keyPrefix, onError: quiet });
    await store.connect();
    return store;
  }

  storeContract('RedisStore', { create: () => connected(), release });

  describe('RedisStore: keys', () => {
    let stores: RedisStore[] = [];
    afterEach(async () => {
      for (const store of stores) await release(store);
      stores = [];
    });
    async function track(store: Promise<RedisStore>): Promise<RedisStore> {
      const made = await store;
      stores.push(made);
      return made;
    }

    test('every key starts with the prefix and has a TTL', async () => {
      const prefix = uniquePrefix('ttl');
      const store = await track(connected(prefix));
      const now = Date.now();
      const limits = { maxOpenPerUser: 2, capacity: 100 };
      await store.openVisit(testVisit('v1', { expiresAtMs: now + MINUTE }), 'link-1', now + 2 * MINUTE, limits, now);
      await store.openVisit(testVisit('v2', { expiresAtMs: now + MINUTE }), 'link-2', now + 2 * MINUTE, limits, now);
      await store.openVisit(testVisit('v3', { expiresAtMs: now + MINUTE }), 'link-3', now + 2 * MINUTE, limits, now);
      await store.saveVisit(testVisit('v3', { expiresAtMs: now + 3 * MINUTE }), now);
      await store.raiseFailures('user-a', 2, { maxFailures: 5, lockSeconds: 900, nowMs: now });
      await store.reserveAttempt('user-a', { maxFailures: 5, lockSeconds: 900, nowMs: now, holdMs: 30_000 });
      await store.raiseFailures('user-b', 5, { maxFailures: 5, lockSeconds: 60, nowMs: now });

      const keys = (await store.client.keys(`${prefix}*`)).sort();
      expect(keys.map((key) => key.slice(prefix.length))).toEqual([
        'counter:user-a',
        'counter:user-b',
        'holds:user-a',
        'link:link-1',
        'link:link-2',
        'link:link-3',
        `user-visits:${testVisit('x').userKey}`,
        'visit:v2',
        'visit:v3',
        'visits',
      ]);
      const ttls = Object.fromEntries(
        await Promise.all(keys.map(async (key) => [key.slice(prefix.length), await store.client.pttl(key)] as const)),
      );
      for (const [key, ttl] of Object.entries(ttls)) {
        expect([key, ttl > 0]).toEqual([key, true]);
      }
      expect(ttls['visit:v3']).toBeGreaterThan(2 * MINUTE);
      expect(ttls['visits']).toBeGreaterThan(2 * MINUTE);
      expect(ttls['counter:user-a']).toBeGreaterThan(14 * MINUTE);
      expect(ttls['counter:user-b']).toBeLessThanOrEqual(MINUTE);
      expect(ttls['holds:user-a']).toBeLessThanOrEqual(30_000);
    });

    test('the default prefix is authy2fa:, and stores with other prefixes do not see each other', async () => {
      expect(new RedisStore({ url: redis.url, onError: quiet }).keyPrefix).toBe('authy2fa:');
      const one = await track(connected());
      const other = await track(connected());
      await one.openVisit(testVisit('v1'), 'link-1', NOW + MINUTE, { maxOpenPerUser: 1, capacity: 1 }, NOW);
      expect(await other.getVisit('v1', NOW)).toBeNull();
      expect(await other.openVisit(testVisit('v2'), 'link-1', NOW + MINUTE, { maxOpenPerUser: 1, capacity: 1 }, NOW)).toEqual({
        kind: 'created',
      });
    });

    test('two stores on one Redis with one prefix share everything', async () => {
      const prefix = uniquePrefix('replicas');
      const a = await track(connected(prefix));
      const b = await track(connected(prefix));
      const limits = { maxOpenPerUser: 3, capacity: 100 };
      expect(await a.openVisit(testVisit('v1'), 'link-1', NOW + MINUTE, limits, NOW)).toEqual({ kind: 'created' });
      expect(await b.getVisit('v1', NOW)).toEqual(testVisit('v1'));
      expect(await b.openVisit(testVisit('v2'), 'link-1', NOW + MINUTE, limits, NOW)).toEqual({ kind: 'existing', visitId: 'v1' });
      expect(await b.saveVisit(changed(testVisit('v1'), { sends: 1 }), NOW)).toBe(true);
      expect(await a.saveVisit(changed(testVisit('v1'), { sends: 2 }), NOW)).toBe(false);
      expect(await a.getVisit('v1', NOW)).toMatchObject({ sends: 1, version: 1 });

      const hold = { maxFailures: 5, lockSeconds: 900, nowMs: NOW, holdMs: 30_000 };
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).reserveAttempt('user', hold)));
      expect(results.filter((result) => result.ok)).toHaveLength(5);
      expect(await a.getCounter('user', NOW)).toEqual({ failures: 0, inFlight: 5, lockedUntilMs: null });
      const granted = results.flatMap((result) => (result.ok ? [result.id] : []));
      for (const [i, id] of granted.entries()) await (i % 2 ? b : a).settleAttempt('user', id, 'wrong', hold);
      expect(await b.getCounter('user', NOW)).toEqual({ failures: 5, inFlight: 0, lockedUntilMs: NOW + 900_000 });
      expect(await a.reserveAttempt('user', hold)).toMatchObject({ ok: false, reason: 'locked' });
    });

    test('a record the store cannot read is no visit, and a save cannot overwrite it', async () => {
      const store = await track(connected());
      await store.client.set(`${store.keyPrefix}visit:broken`, 'not json', 'PX', 60_000);
      expect(await store.getVisit('broken', NOW)).toBeNull();
      expect(await store.saveVisit(testVisit('broken'), NOW)).toBe(false);
      expect(await store.client.get(`${store.keyPrefix}visit:broken`)).toBe('not json');
    });
  });

  describe('createStore', () => {
    test('without a URL: a MemoryStore; with one: a connected RedisStore', async () => {
      const memory = await createStore({});
      expect(memory).toBeInstanceOf(MemoryStore);
      expect(await createStore({ redisUrl: '  ' })).toBeInstanceOf(MemoryStore);
      const store = await createStore({ redisUrl: redis.url, keyPrefix: uniquePrefix('create'), onError: quiet });
      try {
        if (!(store instanceof RedisStore)) throw new Error('expected a RedisStore');
        await expect(store.ping()).resolves.toBeUndefined();
        expect(store.client.status).toBe('ready');
      } finally {
        await release(store);
      }
    });

    test('an unreachable Redis stops the start with a message naming REDIS_URL, never the password', async () => {
      const port = await freePort();
      const url = `redis://default:s3cr3t-pass%21@127.0.0.1:${port}/2`;
      const started = Date.now();
      const error = await failure(createStore({ redisUrl: url }));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error.message).toMatch(/^REDIS_URL: cannot reach Redis at redis:\/\/default:\*\*\*@127\.0\.0\.1:\d+\/2 /);
      expect(error.message).toContain('ECONNREFUSED');
      expect(error.message).not.toContain('s3cr3t');
      expect(String(error.stack)).not.toContain('s3cr3t');
      expect((error.cause as Error).message).not.toContain('s3cr3t');
    });

    test('a URL that is not a Redis URL is refused without echoing it', async () => {
      await expect(createStore({ redisUrl: 'http://user:hunter2@example.com' })).rejects.toThrow(/^REDIS_URL must start with redis:\/\//);
      const error = await failure(createStore({ redisUrl: 'redis://:hunter2@[bad' }));
      expect(error.message).toMatch(/REDIS_URL is not a valid URL/);
      expect(error.message).not.toContain('hunter2');
    });
  });
});

redisServerDescribe()('RedisStore: Redis goes away and comes back', () => {
  let server: RedisServer;
  let store: RedisStore | null = null;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await store?.close();
    await server.stop();
  });

  async function within<T>(ms: number, work: () => Promise<T>): Promise<{ value?: T; error?: unknown; elapsed: number }> {
    const started = Date.now();
    try {
      const value = await work();
      return { value, elapsed: Date.now() - started };
    } catch (error) {
      expect(Date.now() - started).toBeLessThan(ms);
      return { error, elapsed: Date.now() - started };
    }
  }

  test('every method fails fast with StoreUnavailableError while Redis is down, then works again by itself', async () => {
    store = new RedisStore({
      url: server.url,
      keyPrefix: uniquePrefix('outage'),
      commandTimeoutMs: 500,
      maxReconnectDelayMs: 200,
      onError: quiet,
    });
    await store.connect();
    const now = Date.now();
    const limits = { maxOpenPerUser: 3, capacity: 100 };
    const attempt = { maxFailures: 5, lockSeconds: 900, nowMs: now };
    expect(await store.openVisit(testVisit('v1', { expiresAtMs: now + MINUTE }), 'link-1', now + MINUTE, limits, now)).toEqual({
      kind: 'created',
    });

    await server.kill();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['ping', () => store!.ping()],
      ['getVisit', () => store!.getVisit('v1', now)],
      ['openVisit', () => store!.openVisit(testVisit('v2', { expiresAtMs: now + MINUTE }), 'link-2', now + MINUTE, limits, now)],
      ['saveVisit', () => store!.saveVisit(testVisit('v1', { expiresAtMs: now + MINUTE }), now)],
      ['getCounter', () => store!.getCounter('user', now)],
      ['raiseFailures', () => store!.raiseFailures('user', 1, attempt)],
      ['reserveAttempt', () => store!.reserveAttempt('user', { ...attempt, holdMs: 1000 })],
      ['settleAttempt', () => store!.settleAttempt('user', 'id', 'wrong', attempt)],
    ];
    for (const [name, call] of calls) {
      const outcome = await within(2000, call);
      expect([name, outcome.error]).toEqual([name, expect.any(StoreUnavailableError)]);
    }
    // Together too: no request waits long.
    const started = Date.now();
    const outcomes = await Promise.allSettled(calls.map(([, call]) => call()));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.reason instanceof StoreUnavailableError)).toBe(true);

    await server.start();
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await store.ping();
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(StoreUnavailableError);
        if (Date.now() > deadline) throw new Error('the store did not reconnect within 10 s', { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    // A new, empty Redis (no persistence): the scripts load again and everything works.
    const later = Date.now();
    expect(await store.openVisit(testVisit('v3', { expiresAtMs: later + MINUTE }), 'link-3', later + MINUTE, limits, later)).toEqual({
      kind: 'created',
    });
    expect(await store.getVisit('v3', later)).toMatchObject({ id: 'v3' });
    expect(await store.reserveAttempt('user', { ...attempt, nowMs: later, holdMs: 1000 })).toMatchObject({ ok: true });
  });

  test('a command that gets no answer in time fails with StoreUnavailableError after commandTimeoutMs', async () => {
    const blocker = new Redis(server.url, { lazyConnect: true });
    blocker.on('error', quiet);
    await blocker.connect();
    const slow = new RedisStore({ url: server.url, keyPrefix: uniquePrefix('slow'), commandTimeoutMs: 300, onError: quiet });
    try {
      await slow.connect();
      // Freeze the server for a second: every command waits.
      const paused = blocker.call('CLIENT', 'PAUSE', '1000', 'ALL');
      await paused;
      const started = Date.now();
      await expect(slow.getCounter('user', Date.now())).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await blocker.call('CLIENT', 'UNPAUSE').catch(quiet);
      blocker.disconnect();
      await slow.close();
    }
  });

  test('a wrong password stops the start, naming REDIS_URL, without either password', async () => {
    const guarded = await startRedisServer({ args: ['--requirepass', 'the-right-pass'] });
    try {
      const right = await createStore({ redisUrl: `redis://:the-right-pass@127.0.0.1:${guarded.port}`, onError: quiet });
      await right.ping();
      await right.close();
      const error = await failure(createStore({ redisUrl: `redis://:not-the-pass@127.0.0.1:${guarded.port}` }));
      expect(error.message).toMatch(/^REDIS_URL: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(.*WRONGPASS/);
      expect(error.message).not.toMatch(/not-the-pass|the-right-pass/);
    } finally {
      await guarded.stop();
    }
  });

  test('connect() of a store whose Redis is down fails with StoreUnavailableError, quickly', async () => {
    const port = await freePort();
    const down = new RedisStore({ url: `redis://127.0.0.1:${port}`, onError: quiet });
    try {
      const started = Date.now();
      await expect(down.connect()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await down.close();
    }
  });
});
