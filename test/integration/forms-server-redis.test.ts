/**
 * Two forms-server instances (two replicas) on one real Redis share everything: visits, the
 * per-user counters and their reservations, and the rate-limit buckets. With Redis gone, every
 * page that needs it answers 503 (never a 500, never a result), and the servers recover by
 * themselves when it is back.
 */
import nock from 'nock';
import { RedisStore } from '../../forms-server/store/redis';
import {
  AUTHY_ID,
  AUTHY_URL,
  TENANT_HOST,
  USER,
  Visit,
  alertsOf,
  authyReplies,
  authyVerify,
  buildTestServer,
  continueFormOf,
  decodeResult,
  guardAuthyCalls,
  headingOf,
  mintOutbound,
  triesLeftText,
  type TestServer,
} from '../helpers/forms';
import {
  redisDescribe,
  redisServerDescribe,
  sharedRedis,
  startRedisServer,
  uniquePrefix,
  type RedisServer,
  type RedisTarget,
} from '../helpers/redis-server';

guardAuthyCalls();

const USER_KEY = `${TENANT_HOST}|${USER}`;
const stores: RedisStore[] = [];

async function redisStore(url: string, keyPrefix: string): Promise<RedisStore> {
  const store = new RedisStore({ url, keyPrefix, commandTimeoutMs: 500, connectTimeoutMs: 1000, maxReconnectDelayMs: 200 });
  await store.connect();
  stores.push(store);
  return store;
}

/** Two replicas: same Redis, same key prefix, separate connections, same clock. */
async function twoReplicas(url: string, env: Record<string, string> = {}): Promise<[TestServer, TestServer]> {
  const prefix = uniquePrefix('replicas');
  const a = await buildTestServer({ store: await redisStore(url, prefix), env: { ...env, REDIS_KEY_PREFIX: prefix } });
  const b = await buildTestServer({ store: await redisStore(url, prefix), env: { ...env, REDIS_KEY_PREFIX: prefix }, clock: a.clock });
  return [a, b];
}

/** The same browser, now talking to the other replica. */
function onReplica(visit: Visit, server: TestServer): Visit {
  const moved = new Visit(server.app);
  moved.cookie = visit.cookie;
  moved.csrf = visit.csrf;
  return moved;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

redisDescribe()('two replicas on one Redis', () => {
  let redis: RedisTarget;
  beforeAll(async () => {
    redis = await sharedRedis();
  });
  afterAll(async () => redis.stop());

  test('a visit opened on one replica continues on the other, to the verified result', async () => {
    const [a, b] = await twoReplicas(redis.url);
    const visit = new Visit(a.app);
    expect(headingOf((await visit.start(mintOutbound({ authyId: AUTHY_ID }))).body)).toBe('Enter your code');
    authyVerify('1234567').reply(200, authyReplies.tokenValid);
    const page = await onReplica(visit, b).post('/2fa/verify', { code: '1234567' });
    const form = continueFormOf(page.body);
    expect(decodeResult(form?.sessionToken ?? '', a.clock.ms).outcome).toMatchObject({ kind: 'verified', authyId: AUTHY_ID });
  });

  test('5 wrong codes spread over both replicas (and two logins) lock the user on both', async () => {
    const [a, b] = await twoReplicas(redis.url);
    const first = new Visit(a.app);
    await first.start(mintOutbound({ authyId: AUTHY_ID }));
    const second = new Visit(b.app);
    await second.start(mintOutbound({ authyId: AUTHY_ID }));
    const posts: [Visit, number][] = [
      [first, 4],
      [second, 3],
      [onReplica(first, b), 2],
      [onReplica(second, a), 1],
    ];
    for (const [visit, left] of posts) {
      authyVerify('1111111').reply(401, authyReplies.tokenInvalid);
      expect(alertsOf((await visit.post('/2fa/verify', { code: '1111111' })).body)).toEqual([triesLeftText(left)]);
    }
    authyVerify('1111111').reply(401, authyReplies.tokenInvalid);
    expect(headingOf((await first.post('/2fa/verify', { code: '1111111' })).body)).toBe('Too many wrong codes');
    // The other login, on the other replica, is locked too, and Authy is not asked again.
    expect(headingOf((await onReplica(second, b).post('/2fa/verify', { code: '2222222' })).body)).toBe('Too many wrong codes');
    // A new login, on either replica, starts locked.
    expect(headingOf((await new Visit(b.app).start(mintOutbound({ authyId: AUTHY_ID }))).body)).toBe('Too many wrong codes');
    expect((await b.store.getCounter(USER_KEY, a.clock.ms)).failures).toBe(5);
  });

  test('20 wrong codes at once over 3 logins, half to each replica, with Authy slow: exactly 5 reach Authy', async () => {
    const [a, b] = await twoReplicas(redis.url);
    const visits: Visit[] = [];
    for (let i = 0; i < 3; i += 1) {
      const visit = new Visit((i % 2 ? b : a).app);
      await visit.start(mintOutbound({ authyId: AUTHY_ID }));
      visits.push(visit);
    }
    let reached = 0;
    nock(AUTHY_URL)
      .get(/\/protected\/json\/verify\/\d+\/\d+/)
      .query(true)
      .times(20)
      .delay(300)
      .reply(() => {
        reached += 1;
        return [401, authyReplies.tokenInvalid];
      });
    const pages = await Promise.all(
      Array.from({ length: 20 }, (_, i) => onReplica(visits[i % 3], i % 2 ? a : b).post('/2fa/verify', { code: '1111111' })),
    );
    nock.cleanAll();
    expect(reached).toBe(5);
    expect(pages.filter((page) => page.statusCode !== 200).map((page) => alertsOf(page.body))).toEqual([]);
    expect((await a.store.getCounter(USER_KEY, a.clock.ms)).failures).toBe(5);
    expect(pages.some((page) => headingOf(page.body) === 'Too many wrong codes')).toBe(true);
  });

  test('the per-address rate limit is counted once for both replicas', async () => {
    const [a, b] = await twoReplicas(redis.url, { RATE_LIMIT_PER_MINUTE: '6' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await (i % 2 ? b : a).app.inject({ method: 'GET', url: '/2fa/flow' })).statusCode);
    expect(statuses.slice(0, 6).every((status) => status === 400)).toBe(true);
    expect(statuses.slice(6)).toEqual([429, 429]);
  });
});

redisServerDescribe()('Redis lost mid-run', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => redis.stop());

  test('every step that needs the store answers a 503 page (no Authy call, no result); the server recovers by itself', async () => {
    const prefix = uniquePrefix('outage');
    const server = await buildTestServer({ store: await redisStore(redis.url, prefix) });
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));

    await redis.kill();
    const unavailable = 'Two-step verification is briefly unavailable. Wait a moment, then try again.';
    const started = Date.now();
    for (const page of [
      await visit.show(),
      await visit.post('/2fa/verify', { code: '1234567' }),
      await new Visit(server.app).start(mintOutbound({ authyId: AUTHY_ID })),
    ]) {
      expect(page.statusCode).toBe(503);
      expect(alertsOf(page.body)).toEqual([unavailable]);
      expect(continueFormOf(page.body)).toBeNull();
    }
    expect(Date.now() - started).toBeLessThan(5000);
    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect([health.statusCode, health.json()]).toEqual([503, { status: 'degraded', store: 'down' }]);
    expect(server.logs.some((line) => line.includes('"level":50'))).toBe(false);

    await redis.start();
    const deadline = Date.now() + 10_000;
    let healthy = 0;
    while (Date.now() < deadline && (healthy = (await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode) !== 200) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(healthy).toBe(200);
    // Redis came back empty (no persistence): the old visit is gone, a new login works.
    const fresh = new Visit(server.app);
    expect(headingOf((await fresh.start(mintOutbound({ authyId: AUTHY_ID }))).body)).toBe('Enter your code');
  });
});
