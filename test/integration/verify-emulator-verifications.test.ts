/**
 * The Verify emulator's SMS and voice verifications (`inject`): Twilio's parameters and JSON, the
 * same code on resend, 5 sends and 5 checks, 404 once a verification is approved or expired,
 * landlines; faults and reset; the phone page and /phone.json.
 */
import type { FastifyInstance } from 'fastify';
import { buildVerifyEmulator, type VerifyEmulatorOptions } from '../../sandbox/verify-emulator/app';
import type { VerifyPhoneView } from '../../sandbox/verify-emulator/views/phone-page';
import { ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, twilioForm } from '../helpers/verify';

jest.mock('cookie', () => ({ stringifySetCookie: ({ name, value }: { name: string; value: string }) => `${name}=${value}` }));

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
let clock = START;
const S = `/v2/Services/${SERVICE_SID}`;
const TO = '+12015550123';
const apps: FastifyInstance[] = [];

async function build(extra: Partial<VerifyEmulatorOptions> = {}): Promise<FastifyInstance> {
  const app = await buildVerifyEmulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    serviceSid: SERVICE_SID,
    now: () => clock,
    ...extra,
  });
  apps.push(app);
  return app;
}

afterEach(async () => {
  clock = START;
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const start = (app: FastifyInstance, channel = 'sms', to = TO) =>
  app.inject(twilioForm('POST', `${S}/Verifications`, { To: to, Channel: channel }));
const check = (app: FastifyInstance, fields: Record<string, string>) => app.inject(twilioForm('POST', `${S}/VerificationCheck`, fields));

async function phone(app: FastifyInstance): Promise<VerifyPhoneView> {
  return (await app.inject({ method: 'GET', url: '/phone.json' })).json();
}

async function lastCode(app: FastifyInstance, to = TO): Promise<string> {
  return (await phone(app)).phones.find((p) => p.to === to)!.messages[0].code;
}

test('start: 201 pending with the documented fields; a resend is the same verification and the same code', async () => {
  const app = await build();
  const first = await start(app);
  expect(first.statusCode).toBe(201);
  expect(first.json()).toMatchObject({
    sid: expect.stringMatching(/^VE[0-9a-f]{32}$/),
    service_sid: SERVICE_SID,
    account_sid: ACCOUNT_SID,
    to: TO,
    channel: 'sms',
    status: 'pending',
    valid: false,
    date_created: '2030-01-01T12:00:00Z',
    send_code_attempts: [{ time: '2030-01-01T12:00:00Z', channel: 'SMS', channel_id: null }],
  });
  const code = await lastCode(app);
  expect(code).toMatch(/^\d{6}$/);
  clock += 10_000;
  const again = (await start(app, 'call')).json();
  expect(again).toMatchObject({ sid: first.json().sid, channel: 'call', date_updated: '2030-01-01T12:00:10Z' });
  expect(again.send_code_attempts).toHaveLength(2);
  expect((await phone(app)).phones[0].messages).toEqual([
    { channel: 'call', code, at: '2030-01-01T12:00:10Z' },
    { channel: 'sms', code, at: '2030-01-01T12:00:00Z' },
  ]);
  for (let i = 0; i < 3; i += 1) await start(app);
  expect((await start(app)).json()).toMatchObject({ code: 60203, status: 429 });
});

test('parameters: To in E.164, sms or call, codes of 4 to 10 digits; SMS to a landline is 60205, a call is fine', async () => {
  const app = await build();
  for (const to of ['2015550123', '+0123456789', '+1', '+1234567890123456'])
    expect((await start(app, 'sms', to)).json()).toMatchObject({ code: 60200, message: 'Invalid parameter: To' });
  expect((await start(app, 'email')).json()).toMatchObject({ code: 60200, message: 'Invalid parameter: Channel' });
  expect((await check(app, { To: TO, Code: '123' })).json()).toMatchObject({ code: 60200, message: 'Invalid parameter: Code' });
  expect((await check(app, { Code: '1234' })).json()).toMatchObject({ code: 60200, message: 'Invalid parameter: To' });
  const landline = await start(app, 'sms', '+19995550123');
  expect(landline.statusCode).toBe(403);
  expect(landline.json()).toMatchObject({ code: 60205, status: 403, message: 'SMS is not supported by landline phone number' });
  expect((await start(app, 'call', '+19995550123')).statusCode).toBe(201);
});

test('check: pending for a wrong code, 5 checks then 60202; approved, after which the verification is gone (404)', async () => {
  const app = await build();
  const sid = (await start(app)).json().sid;
  const code = await lastCode(app);
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 4; i += 1)
    expect((await check(app, { To: TO, Code: wrong })).json()).toMatchObject({ status: 'pending', valid: false });
  const approved = await check(app, { VerificationSid: sid, Code: code });
  expect(approved.statusCode).toBe(200);
  expect(approved.json()).toMatchObject({
    sid,
    to: TO,
    channel: 'sms',
    status: 'approved',
    valid: true,
    date_updated: '2030-01-01T12:00:00Z',
  });
  expect((await check(app, { To: TO, Code: code })).json()).toMatchObject({ code: 20404, status: 404 });
  expect((await app.inject(twilioForm('GET', `${S}/Verifications/${sid}`))).json()).toMatchObject({ code: 20404, status: 404 });

  await start(app, 'sms', '+447700900123');
  for (let i = 0; i < 5; i += 1) await check(app, { To: '+447700900123', Code: '0000' });
  expect((await check(app, { To: '+447700900123', Code: await lastCode(app, '+447700900123') })).json()).toMatchObject({
    code: 60202,
    status: 429,
  });
  expect((await start(app, 'sms', '+447700900123')).json()).toMatchObject({ code: 60202 });
});

test('expiry after 10 minutes; fetch, cancel; keepApprovedVerifications keeps approved ones readable', async () => {
  const app = await build();
  const sid = (await start(app)).json().sid;
  expect((await app.inject(twilioForm('GET', `${S}/Verifications/${sid}`))).json()).toMatchObject({ sid, status: 'pending' });
  clock += 600_000;
  expect((await check(app, { To: TO, Code: await lastCode(app) })).json()).toMatchObject({ code: 20404 });
  const next = (await start(app)).json();
  expect(next.sid).not.toBe(sid);
  expect((await app.inject(twilioForm('POST', `${S}/Verifications/${next.sid}`, { Status: 'canceled' }))).json()).toMatchObject({
    status: 'canceled',
  });
  expect((await app.inject(twilioForm('GET', `${S}/Verifications/${next.sid}`))).statusCode).toBe(404);

  const keeping = await build({ keepApprovedVerifications: true });
  const kept = (await start(keeping)).json().sid;
  await check(keeping, { To: TO, Code: await lastCode(keeping) });
  expect((await keeping.inject(twilioForm('GET', `${S}/Verifications/${kept}`))).json()).toMatchObject({
    sid: kept,
    status: 'approved',
    valid: true,
  });
});

test('faults in order, then normal answers; reset forgets everything', async () => {
  const app = await build();
  const control = (method: 'POST' | 'DELETE' | 'GET', url: string, payload?: unknown) =>
    app.inject({ ...twilioForm(method, url), ...(payload ? { payload: payload } : {}) });
  await control('POST', '/__emulator/faults', { kind: 'rate_limit' });
  await control('POST', '/__emulator/faults', { kind: 'server_error', status: 503 });
  await control('POST', '/__emulator/faults', { kind: 'malformed' });
  expect((await start(app)).json()).toMatchObject({ code: 20429, status: 429 });
  expect((await start(app)).statusCode).toBe(503);
  const broken = await start(app);
  expect(broken.statusCode).toBe(200);
  expect(() => JSON.parse(broken.body)).toThrow();
  expect((await start(app)).statusCode).toBe(201);
  expect((await control('POST', '/__emulator/faults', { kind: 'nope' })).statusCode).toBe(400);
  await control('POST', '/__emulator/reset');
  expect(await phone(app)).toEqual({ phones: [], factors: [] });
});

test('the phone page: codes and numbers, strict CSP, escaped, refreshed by phone.js', async () => {
  const app = await build();
  await start(app);
  const code = await lastCode(app);
  await app.inject(twilioForm('POST', `${S}/Entities/${'b'.repeat(64)}/Factors`, { FactorType: 'totp', FriendlyName: '<Demo & co>' }));
  const page = await app.inject({ method: 'GET', url: '/phone' });
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.headers['cache-control']).toBe('no-store');
  expect(page.body).toContain(`data-channel="sms">${code}</span>`);
  expect(page.body).toContain(TO);
  expect(page.body).toContain('&lt;Demo &amp; co&gt;');
  expect(page.body).toMatch(/data-totp-code>\d{6}</);
  expect(page.body).not.toMatch(/<script>|style=/);
  const view = await phone(app);
  expect(view.factors[0]).toMatchObject({ friendly_name: '<Demo & co>', status: 'unverified', digits: 6, time_step: 30, alg: 'sha1' });
  expect((await app.inject({ method: 'GET', url: '/phone/fragment' })).body).toContain('data-factor-sid');
  expect((await app.inject({ method: 'GET', url: '/phone/assets/phone.js' })).statusCode).toBe(200);
  expect((await app.inject({ method: 'GET', url: '/phone/assets/../app.ts' })).statusCode).toBe(404);
});
