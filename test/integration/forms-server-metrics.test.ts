/**
 * The forms server's metrics and audit lines, for the people who run it: GET /metrics is never
 * open on the public port (a token there, or a listener of its own), a journey moves exactly
 * the counters it should, and no metric, label or log line of a whole journey names the user,
 * their email, phone, codes, tokens, state or a secret.
 */
import nock from 'nock';
import {
  authyStatus,
  AUTHY_ID,
  AUTHY_KEY,
  EMAIL,
  MemoryStore,
  SECRET,
  STATE,
  TENANT_HOST,
  USER,
  Visit,
  authy,
  authyRegister,
  authyReplies,
  authySms,
  authyVerify,
  buildTestServer,
  continueFormOf,
  guardAuthyCalls,
  headingOf,
  mintOutbound,
  type TestServer,
} from '../helpers/forms';
import { auditKey, userHash } from '../../forms-server/audit';
import { StoreUnavailableError, type OpenResult } from '../../forms-server/store/types';

const authyGuard = guardAuthyCalls();

const TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';

/** Every non-zero counter and histogram count of the app's own metrics, as `name{label="value",...}`. */
async function counts(server: TestServer, options: { store?: boolean } = {}): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const metrics = (await server.app.metrics.registry.getMetricsAsJSON()) as unknown as {
    name: string;
    type: string;
    values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
  }[];
  for (const metric of metrics) {
    if (!metric.name.startsWith('authy2fa_')) continue;
    if (!options.store && metric.name.startsWith('authy2fa_store_call')) continue;
    for (const v of metric.values) {
      const name = metric.type === 'histogram' ? v.metricName : metric.type === 'counter' ? metric.name : undefined;
      if (!name || (metric.type === 'histogram' && !name.endsWith('_count')) || v.value === 0) continue;
      const labels = Object.entries(v.labels)
        .filter(([key]) => key !== 'le')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => `${key}="${value}"`);
      out[`${name}{${labels.join(',')}}`] = v.value;
    }
  }
  return out;
}

function auditLines(server: TestServer): Record<string, unknown>[] {
  return server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'audit');
}

async function get(server: TestServer, url: string, headers: Record<string, string> = {}) {
  return server.app.inject({ method: 'GET', url, headers });
}

describe('GET /metrics on the public port', () => {
  test('without METRICS_TOKEN or METRICS_PORT it does not exist', async () => {
    const server = await buildTestServer();
    const r = await get(server, '/metrics');
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain('authy2fa_');
    expect(r.body).not.toContain('# HELP');
  });

  test('with METRICS_TOKEN: refused (401, no metric text) without the token or with a wrong one, served with it', async () => {
    const server = await buildTestServer({ env: { METRICS_TOKEN: TOKEN } });
    const refused = [
      await get(server, '/metrics'),
      await get(server, '/metrics', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }),
      await get(server, '/metrics', { authorization: `Bearer ${TOKEN}x` }),
      await get(server, '/metrics', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }),
      await get(server, '/metrics', { authorization: TOKEN }),
    ];
    for (const r of refused) {
      expect(r.statusCode).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(r.body).not.toContain('authy2fa_');
      expect(r.body).not.toContain('# HELP');
    }
    const served = await get(server, '/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(served.headers['cache-control']).toBe('no-store');
    expect(served.body).toContain('# TYPE authy2fa_codes_checked_total counter');
    expect(served.body).toContain('authy2fa_codes_checked_total{result="wrong",channel="sms"} 0');
    expect(served.body).toContain('authy2fa_store_up 1');
    // The process metrics come along.
    expect(served.body).toContain('process_cpu_user_seconds_total');
    expect(served.body).toContain('nodejs_eventloop_lag_seconds');
  });

  test('the token is never written to the log', async () => {
    const server = await buildTestServer({ env: { METRICS_TOKEN: TOKEN } });
    await get(server, '/metrics', { authorization: `Bearer ${TOKEN}` });
    await get(server, '/metrics', { authorization: `Bearer ${TOKEN}-wrong` });
    expect(server.logs.join('\n')).not.toContain(TOKEN);
  });
});

describe('GET /metrics on its own listener (METRICS_PORT)', () => {
  beforeEach(() => nock.enableNetConnect('127.0.0.1'));
  afterEach(() => {
    nock.disableNetConnect();
    // nock reports the requests it let through to the listener as unmatched: they are ours.
    const list = authyGuard.unmatched;
    for (let i = list.length - 1; i >= 0; i -= 1) if (list[i]?.startsWith('GET http://127.0.0.1:')) list.splice(i, 1);
  });

  test('served there, and absent from the public port even with the token', async () => {
    const server = await buildTestServer({ env: { METRICS_PORT: '0', METRICS_TOKEN: TOKEN } });
    const pub = await get(server, '/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(pub.statusCode).toBe(404);
    expect(pub.body).not.toContain('authy2fa_');

    const listener = server.app.metricsListener;
    expect(listener).not.toBeNull();
    const address = await listener!.listen({ host: '127.0.0.1', port: 0 });
    const without = await fetch(`${address}/metrics`);
    expect(without.status).toBe(401);
    expect(await without.text()).not.toContain('authy2fa_');
    const served = await fetch(`${address}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('authy2fa_visits_started_total');
    expect((await fetch(`${address}/2fa`)).status).toBe(404);
  });

  test('without a token the listener serves anyone who can reach it (127.0.0.1 by default)', async () => {
    const server = await buildTestServer({ env: { METRICS_PORT: '0' } });
    expect(server.config.metricsHost).toBe('127.0.0.1');
    const address = await server.app.metricsListener!.listen({ host: '127.0.0.1', port: 0 });
    const served = await fetch(`${address}/metrics`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('# TYPE authy2fa_locks_total counter');
  });

  test('closing the app closes the listener', async () => {
    const server = await buildTestServer({ env: { METRICS_PORT: '0' } });
    const address = await server.app.metricsListener!.listen({ host: '127.0.0.1', port: 0 });
    await server.app.close();
    await expect(fetch(`${address}/metrics`)).rejects.toThrow();
  });
});

describe('counters', () => {
  test('enroll → wrong code → right code moves exactly the expected counters', async () => {
    const server = await buildTestServer();
    expect(await counts(server)).toEqual({});
    const visit = new Visit(server.app);
    await visit.start(mintOutbound());
    authyRegister().reply(200, authyReplies.userCreated(1234));
    authyStatus('1234', true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    authyVerify('7654321').reply(401, authyReplies.tokenInvalid);
    await visit.post('/2fa/verify', { code: '7654321' });
    authyVerify('1234567').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '1234567' });
    expect(continueFormOf(done.body)).not.toBeNull();

    expect(await counts(server)).toEqual({
      'authy2fa_visits_started_total{enrolled="false"}': 1,
      'authy2fa_registrations_total{result="registered"}': 1,
      'authy2fa_codes_checked_total{channel="app",result="wrong"}': 1,
      'authy2fa_codes_checked_total{channel="app",result="right"}': 1,
      'authy2fa_visits_ended_total{outcome="verified"}': 1,
      'authy2fa_provider_call_duration_seconds_count{call="register",provider="authy"}': 1,
      // Whether the new user has the Authy app (they do here: no SMS is sent for the first code).
      'authy2fa_provider_call_duration_seconds_count{call="user_status",provider="authy"}': 1,
      'authy2fa_provider_call_duration_seconds_count{call="verify",provider="authy"}': 2,
    });
    const store = await counts(server, { store: true });
    for (const op of ['open_visit', 'get_visit', 'save_visit', 'raise_failures', 'reserve_attempt', 'settle_attempt']) {
      expect(store[`authy2fa_store_call_duration_seconds_count{operation="${op}"}`]).toBeGreaterThan(0);
    }
    expect(auditLines(server).map((line) => line.event)).toEqual(['visit_started', 'phone_registered', 'code_wrong', 'enrolled']);
  });

  test('wrong answers up to the limit: one lock; SMS sends, pushes and refusals by result', async () => {
    const server = await buildTestServer();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, maxFailures: 3 }));
    authySms().reply(200, authyReplies.smsSent);
    await visit.post('/2fa/send', { channel: 'sms' });
    authyVerify('7654321').reply(401, authyReplies.tokenInvalid);
    await visit.post('/2fa/verify', { code: '7654321' });
    authyVerify('7654322').reply(401, authyReplies.tokenReused);
    await visit.post('/2fa/verify', { code: '7654322' });
    const uuid = 'b1b2c3d4-0000-4000-8000-000000000009';
    authy().post(`/onetouch/json/users/${AUTHY_ID}/approval_requests`).reply(200, authyReplies.approvalCreated(uuid));
    await visit.post('/2fa/push');
    authy()
      .get(`/onetouch/json/approval_requests/${uuid}`)
      .reply(200, authyReplies.approvalStatus('denied', uuid, 1234));
    await visit.post('/2fa/push/check', { action: 'check' });
    authyVerify('7654323').reply(401, authyReplies.tokenInvalid);
    const locked = await visit.post('/2fa/verify', { code: '7654323' });
    expect(headingOf(locked.body)).toBe('Too many wrong codes');
    // Locked: another link of the same user starts at its end, without asking Authy.
    await new Visit(server.app).start(mintOutbound({ authyId: AUTHY_ID, maxFailures: 3, at: Date.UTC(2030, 0, 1, 12, 0, 1) }));

    const seen = await counts(server);
    expect(seen).toMatchObject({
      'authy2fa_visits_started_total{enrolled="true"}': 2,
      'authy2fa_sends_total{channel="sms",result="sent"}': 1,
      'authy2fa_codes_checked_total{channel="sms",result="wrong"}': 2,
      'authy2fa_codes_checked_total{channel="sms",result="already_used"}': 1,
      'authy2fa_pushes_total{result="started"}': 1,
      'authy2fa_pushes_total{result="denied"}': 1,
      'authy2fa_locks_total{}': 1,
      'authy2fa_visits_ended_total{outcome="locked"}': 2,
    });
    expect(Object.keys(seen).filter((key) => key.startsWith('authy2fa_provider_errors'))).toEqual([]);
    const events = auditLines(server).map((line) => line.event);
    expect(events).toEqual([
      'visit_started',
      'code_sent',
      'code_wrong',
      'code_reused',
      'push_started',
      'push_denied',
      'code_wrong',
      'locked',
      'visit_started',
    ]);
    expect(auditLines(server).at(-1)).toMatchObject({ event: 'visit_started', enrolled: true, locked: true });
  });

  test('provider errors by call and kind; 429s; a full store; a link opened in a second browser', async () => {
    class FullStore extends MemoryStore {
      full = false;
      override async openVisit(...args: Parameters<MemoryStore['openVisit']>): Promise<OpenResult> {
        return this.full ? { kind: 'full' } : super.openVisit(...args);
      }
    }
    const store = new FullStore();
    const server = await buildTestServer({ store, env: { RATE_LIMIT_PER_MINUTE: '8' } });
    const outbound = mintOutbound({ authyId: AUTHY_ID });
    const visit = new Visit(server.app);
    await visit.start(outbound);
    authyVerify('7654321').reply(503, 'down');
    await visit.post('/2fa/verify', { code: '7654321' });
    await new Visit(server.app).start(outbound);
    store.full = true;
    expect((await new Visit(server.app).start(mintOutbound({ sub: 'auth0|other' }))).statusCode).toBe(503);
    for (let i = 0; i < 3; i += 1) await get(server, '/2fa/flow');

    expect(await counts(server)).toMatchObject({
      'authy2fa_codes_checked_total{channel="app",result="provider_error"}': 1,
      'authy2fa_provider_errors_total{call="verify",error="UNAVAILABLE",provider="authy"}': 1,
      'authy2fa_links_reused_total{}': 1,
      'authy2fa_store_full_total{}': 1,
      'authy2fa_rate_limited_total{}': 1,
    });
    const events = auditLines(server).map((line) => line.event);
    expect(events).toEqual(['visit_started', 'provider_error', 'link_reused', 'store_full', 'rate_limited']);
    expect(auditLines(server)[1]).toMatchObject({ call: 'verify', notice: 'authyUnavailable' });
  });
});

describe('audit lines', () => {
  test('carry the tenant and the keyed hash of the user id: the same for one user, different for two', async () => {
    const server = await buildTestServer();
    const first = new Visit(server.app);
    await first.start(mintOutbound({ authyId: AUTHY_ID }));
    await first.post('/2fa/cancel');
    await new Visit(server.app).start(mintOutbound({ authyId: AUTHY_ID, sub: 'auth0|someone-else' }));

    const lines = auditLines(server);
    expect(lines.map((line) => line.event)).toEqual(['visit_started', 'visit_cancelled', 'visit_started']);
    const key = auditKey(server.config);
    expect(lines[0]).toMatchObject({ tenant: TENANT_HOST, user: userHash(key, USER), level: 30 });
    expect(lines[1]).toMatchObject({ tenant: TENANT_HOST, user: userHash(key, USER), failures: 0 });
    expect(lines[2].user).toBe(userHash(key, 'auth0|someone-else'));
    expect(lines[2].user).not.toBe(lines[0].user);
    expect(String(lines[0].user)).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof lines[0].reqId).toBe('string');
  });

  test('a refused link, a wrong CSRF token and a store outage are audited without a user', async () => {
    class DownStore extends MemoryStore {
      down = false;
      override async getVisit<V extends Parameters<MemoryStore['saveVisit']>[0]>(id: string, nowMs: number): Promise<V | null> {
        if (this.down) throw new StoreUnavailableError('down');
        return super.getVisit<V>(id, nowMs);
      }
    }
    const store = new DownStore();
    const server = await buildTestServer({ store });
    await new Visit(server.app).start(`${mintOutbound()}x`);
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    await visit.post('/2fa/verify', { code: '1234567' }, { csrf: 'wrong' });
    store.down = true;
    expect((await visit.show()).statusCode).toBe(503);
    const lines = auditLines(server);
    expect(lines.map((line) => line.event)).toEqual(['link_refused', 'visit_started', 'csrf_refused', 'store_unavailable']);
    for (const line of [lines[0], lines[2], lines[3]]) {
      expect(line).not.toHaveProperty('user');
      expect(line).not.toHaveProperty('tenant');
    }
    expect(await counts(server)).toMatchObject({
      'authy2fa_store_unavailable_total{}': 1,
      'authy2fa_store_errors_total{operation="get_visit"}': 1,
    });
  });
});

describe('log lines per request', () => {
  /** Each request's lines (by reqId), as their `msg` and, for audit lines, the event. */
  function linesByRequest(server: TestServer): string[][] {
    const byRequest = new Map<string, string[]>();
    for (const raw of server.logs) {
      const line = JSON.parse(raw) as { reqId?: string; msg?: string; event?: string };
      if (!line.reqId) continue;
      const list = byRequest.get(line.reqId) ?? [];
      list.push(line.msg === 'audit' ? `audit ${line.event}` : String(line.msg));
      byRequest.set(line.reqId, list);
    }
    return [...byRequest.values()];
  }

  async function entryAndWrongCode(level: string): Promise<string[][]> {
    const server = await buildTestServer({ env: { LOG_LEVEL: level } });
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authyVerify('7654321').reply(401, authyReplies.tokenInvalid);
    await visit.post('/2fa/verify', { code: '7654321' });
    return linesByRequest(server);
  }

  test('at info: the request line and the audit events it caused, nothing that repeats them', async () => {
    expect(await entryAndWrongCode('info')).toEqual([
      ['audit visit_started', 'request'],
      ['request'],
      ['audit code_wrong', 'request'],
      ['request'],
    ]);
  });

  test('at debug the step lines are there too', async () => {
    const lines = (await entryAndWrongCode('debug')).flat();
    expect(lines).toContain('visit started');
    expect(lines).toContain('code refused');
  });

  test('a provider failure keeps its own line at info', async () => {
    const server = await buildTestServer({ env: { LOG_LEVEL: 'info' } });
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authyVerify('7654321').reply(503, { success: false, message: 'down' });
    await visit.post('/2fa/verify', { code: '7654321' });
    expect(linesByRequest(server).flat()).toContain('code refused');
  });
});

describe('nothing identifying in metrics or logs', () => {
  test('a full journey of two users: no user id, email, phone, code, token, state, cookie, CSRF token or secret', async () => {
    const server = await buildTestServer({ env: { METRICS_TOKEN: TOKEN } });
    const outbound = mintOutbound();
    const visit = new Visit(server.app);
    await visit.start(outbound);
    authyRegister().reply(200, authyReplies.userCreated(1234));
    authyStatus('1234', true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '(201) 555-0123' });
    authySms().reply(200, authyReplies.smsSent);
    await visit.post('/2fa/send', { channel: 'sms' });
    authyVerify('8642097').reply(401, authyReplies.tokenInvalid);
    await visit.post('/2fa/verify', { code: '8642097' });
    authyVerify('9182736').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '9182736' });
    const result = continueFormOf(done.body)?.sessionToken ?? '';
    expect(result).not.toBe('');
    await new Visit(server.app).start(outbound);

    const enrolled = new Visit(server.app);
    await enrolled.start(mintOutbound({ authyId: AUTHY_ID, sub: 'auth0|second-user-5150' }));
    const uuid = 'b1b2c3d4-0000-4000-8000-00000000000a';
    authy().post(`/onetouch/json/users/${AUTHY_ID}/approval_requests`).reply(200, authyReplies.approvalCreated(uuid));
    await enrolled.post('/2fa/push');
    authy()
      .get(`/onetouch/json/approval_requests/${uuid}`)
      .reply(200, authyReplies.approvalStatus('expired', uuid, 1234));
    await enrolled.post('/2fa/push/check', { action: 'check' });
    authyVerify('5647382').reply(401, authyReplies.badKey);
    await enrolled.post('/2fa/verify', { code: '5647382' });
    await enrolled.post('/2fa/cancel');

    const metricsText = (await get(server, '/metrics', { authorization: `Bearer ${TOKEN}` })).body;
    expect(metricsText).toContain('authy2fa_provider_errors_total{provider="authy",call="verify",error="BAD_API_KEY"} 1');
    const text = `${server.logs.join('\n')}\n${metricsText}`;
    const forbidden: Record<string, string> = {
      'user id': USER,
      'user id (without connection)': USER.split('|')[1] ?? '',
      'second user id': 'second-user-5150',
      email: EMAIL,
      'phone (digits)': '2015550123',
      'phone (as typed)': '(201) 555-0123',
      'phone (E.164)': '+12015550123',
      'wrong code': '8642097',
      'right code': '9182736',
      'push user code': '5647382',
      'outbound token': outbound,
      'outbound token signature': outbound.split('.')[2] ?? '',
      'result token signature': result.split('.')[2] ?? '',
      state: STATE,
      'csrf token': visit.csrf ?? '',
      'flow cookie': visit.cookie ?? '',
      'shared secret': SECRET,
      'Authy API key': AUTHY_KEY,
      'metrics token': TOKEN,
      'push uuid': uuid,
    };
    for (const [name, value] of Object.entries(forbidden)) {
      expect(value).not.toBe('');
      expect(`${name}: ${text.includes(value)}`).toBe(`${name}: false`);
    }
    const events = auditLines(server).map((line) => line.event);
    expect(events).toEqual(
      expect.arrayContaining(['enrolled', 'code_sent', 'link_reused', 'push_expired', 'provider_error', 'visit_cancelled']),
    );
  });
});
