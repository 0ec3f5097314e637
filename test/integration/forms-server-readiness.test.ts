/**
 * GET /readyz: 503 with a short reason while the store does not answer or Authy is unreachable
 * or refuses the API key, 200 otherwise; Authy is asked at most once per 30 s, and a refused
 * key seen on real traffic counts at once. GET /healthz keeps its answer.
 */
import {
  AUTHY_ID,
  Clock,
  MemoryStore,
  Visit,
  authy,
  authyReplies,
  authyVerify,
  buildTestServer,
  guardAuthyCalls,
  mintOutbound,
  type TestServer,
} from '../helpers/forms';
import { PROVIDER_CACHE_MS } from '../../forms-server/readiness';
import { RedisStore } from '../../forms-server/store/redis';
import { StoreUnavailableError } from '../../forms-server/store/types';

guardAuthyCalls();

const APP_DETAILS = {
  app: { name: 'Example', plan: 'pay_as_you_go', sms_enabled: true, phone_calls_enabled: true, app_id: 1234, onetouch_enabled: true },
  message: 'Application information.',
  success: true,
};

function appDetails() {
  return authy().get('/protected/json/app/details');
}

class DownStore extends MemoryStore {
  down = true;
  override async ping(): Promise<void> {
    if (this.down) throw new StoreUnavailableError('down');
  }
}

async function ready(server: TestServer) {
  const r = await server.app.inject({ method: 'GET', url: '/readyz' });
  return { status: r.statusCode, body: r.json<unknown>() };
}

test('ready: 200 { ready: true } after one authenticated call to Authy, which is then not repeated for 30 s', async () => {
  const clock = new Clock();
  const server = await buildTestServer({ clock });
  appDetails().reply(200, APP_DETAILS);
  expect(await ready(server)).toEqual({ status: 200, body: { ready: true } });
  clock.advance(PROVIDER_CACHE_MS / 1000 - 1);
  expect(await ready(server)).toEqual({ status: 200, body: { ready: true } });
  clock.advance(2);
  appDetails().reply(200, APP_DETAILS);
  expect(await ready(server)).toEqual({ status: 200, body: { ready: true } });
});

test('probes at once share one call', async () => {
  const server = await buildTestServer();
  appDetails().delay(100).reply(200, APP_DETAILS);
  const answers = await Promise.all([ready(server), ready(server), ready(server)]);
  for (const answer of answers) expect(answer).toEqual({ status: 200, body: { ready: true } });
});

test('store down: 503 store_down, and /healthz keeps its { status, store } answer', async () => {
  const store = new DownStore();
  const server = await buildTestServer({ store });
  expect(await ready(server)).toEqual({ status: 503, body: { ready: false, reason: 'store_down' } });
  const health = await server.app.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode).toBe(503);
  expect(health.json()).toEqual({ status: 'degraded', store: 'down' });
  store.down = false;
  appDetails().reply(200, APP_DETAILS);
  expect(await ready(server)).toEqual({ status: 200, body: { ready: true } });
  expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok', store: 'ok' });
});

test('a Redis store on a port where nothing listens: 503 store_down', async () => {
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200, connectTimeoutMs: 200, maxReconnectDelayMs: 200 });
  try {
    const server = await buildTestServer({ store });
    expect(await ready(server)).toEqual({ status: 503, body: { ready: false, reason: 'store_down' } });
  } finally {
    await store.close();
  }
});

test('Authy refuses the key: 503 provider_credentials', async () => {
  const server = await buildTestServer();
  appDetails().reply(401, authyReplies.badKey);
  expect(await ready(server)).toEqual({ status: 503, body: { ready: false, reason: 'provider_credentials' } });
});

test.each([
  ['no answer', () => appDetails().replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })],
  ['a 503', () => appDetails().reply(503, '<html>down</html>')],
  ['a body without success', () => appDetails().reply(200, { message: 'hm' })],
])('Authy with %s: 503 provider_unreachable', async (_name, reply) => {
  const server = await buildTestServer();
  reply();
  expect(await ready(server)).toEqual({ status: 503, body: { ready: false, reason: 'provider_unreachable' } });
});

test('a refused key seen on a real code check counts at once, without asking Authy again, until the next check', async () => {
  const clock = new Clock();
  const server = await buildTestServer({ clock });
  appDetails().reply(200, APP_DETAILS);
  expect((await ready(server)).status).toBe(200);
  const visit = new Visit(server.app);
  await visit.start(mintOutbound({ authyId: AUTHY_ID }));
  authyVerify('1234567').reply(401, authyReplies.badKey);
  await visit.post('/2fa/verify', { code: '1234567' });
  expect(await ready(server)).toEqual({ status: 503, body: { ready: false, reason: 'provider_credentials' } });
  clock.advance(PROVIDER_CACHE_MS / 1000 + 1);
  appDetails().reply(200, APP_DETAILS);
  expect((await ready(server)).status).toBe(200);
});

test('/readyz is not rate limited and logs no secret', async () => {
  const server = await buildTestServer({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
  appDetails().reply(200, APP_DETAILS);
  for (let i = 0; i < 3; i += 1) expect((await ready(server)).status).toBe(200);
  expect(server.logs.join('\n')).not.toContain(server.config.authyApiKey);
});
