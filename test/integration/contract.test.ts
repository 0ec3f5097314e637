/**
 * The token contract end to end: a token the REAL bundled Action encodes is accepted by the
 * forms server, and the result the forms server returns passes the Action's checks. Authy is
 * intercepted by nock with its documented payloads.
 */
import nock from 'nock';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildFormsServer } from '../../forms-server/app';
import { loadConfig } from '../../forms-server/config';
import {
  FORMS_ORIGIN,
  Login,
  SHARED_SECRET,
  SECRETS,
  loadBundledAction,
  makeUser,
  redirectQuery,
  takeActionLines,
} from '../helpers/action';

const AUTHY = 'https://api.authy.com';
const action = loadBundledAction();
let forms: FastifyInstance;
/** The forms server's log lines (pino JSON), kept instead of printed. */
const formsLogs: string[] = [];
const formsLogStream = new Writable({
  write(chunk: Buffer | string, _encoding, done) {
    formsLogs.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line !== ''),
    );
    done();
  },
});

beforeAll(async () => {
  nock.disableNetConnect();
  forms = await buildFormsServer(
    loadConfig({
      SHARED_SECRET,
      FORMS_PUBLIC_URL: FORMS_ORIGIN,
      AUTHY_API_KEY: SECRETS.AUTHY_API_KEY,
      TRUSTED_TENANTS: 'http://localhost:3001',
      LOG_LEVEL: 'info',
    }),
    { logger: process.env.DEBUG_FORMS ? { level: 'info' } : { stream: formsLogStream } },
  );
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await forms.close();
  nock.enableNetConnect();
});

/** Follows the Action's redirect into the forms server and returns the visit's cookie and CSRF token. */
async function enter(redirectUrl: string): Promise<{ cookie: string; csrf: string; page: string }> {
  const url = new URL(redirectUrl);
  const entry = await forms.inject({ method: 'GET', url: url.pathname + url.search });
  expect(entry.statusCode).toBe(303);
  const cookie = String(entry.headers['set-cookie']).split(';')[0] ?? '';
  const page = await forms.inject({ method: 'GET', url: String(entry.headers.location), headers: { cookie } });
  expect(page.statusCode).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return { cookie, csrf, page: page.body };
}

async function post(visit: { cookie: string }, url: string, form: Record<string, string>): Promise<string> {
  const response = await forms.inject({
    method: 'POST',
    url,
    headers: { cookie: visit.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
  expect(response.statusCode).toBe(303);
  const page = await forms.inject({ method: 'GET', url: String(response.headers.location), headers: { cookie: visit.cookie } });
  return page.body;
}

/** The hidden fields of the page's POST to /continue. */
function continueForm(page: string): { action: string; body: Record<string, string> } {
  const action = /<form[^>]*method="post" action="([^"]+\/continue)"/.exec(page)?.[1] ?? '';
  const body: Record<string, string> = {};
  for (const match of page.matchAll(/<input type="hidden" name="(state|session_token)" value="([^"]+)">/g)) body[match[1]] = match[2];
  return { action, body };
}

async function redirectOf(login: Login): Promise<string> {
  const outcome = await login.execute();
  redirectQuery(outcome);
  return outcome.kind === 'redirect' ? outcome.url : '';
}

test('new user: Action → enroll → code → /continue → allowed, enrolled, method recorded', async () => {
  const login = new Login(action, makeUser(), { uiLocales: 'es' });
  const visit = await enter(await redirectOf(login));
  expect(visit.page).toContain('lang="es"');
  expect(visit.page).toContain('action="/2fa/enroll"');

  nock(AUTHY)
    .post(
      '/protected/json/users/new',
      (body) => body['user[email]'] === 'ana@example.com' && body['user[cellphone]'] === '2015550123' && body['user[country_code]'] === '1',
    )
    .reply(200, { message: 'User created successfully.', user: { id: 4321 }, success: true });
  // The forms server asks whether the new user has the Authy app (this one does: no SMS is sent).
  nock(AUTHY)
    .get('/protected/json/users/4321/status')
    .reply(200, { status: { authy_id: 4321, confirmed: true, registered: true, account_disabled: false }, success: true });
  const codePage = await post(visit, '/2fa/enroll', { csrf: visit.csrf, country: 'US', phone: '(201) 555-0123' });
  expect(codePage).toContain('autocomplete="one-time-code"');

  nock(AUTHY)
    .get('/protected/json/verify/1234567/4321')
    .query({ force: 'true' })
    .reply(200, { message: 'Token is valid.', token: 'is valid', success: 'true' });
  const done = await post(visit, '/2fa/verify', { csrf: visit.csrf, code: '123 4567' });
  const form = continueForm(done);
  expect(form.action).toBe('http://localhost:3001/continue');
  expect(form.body.state).toBe(login.transaction.state);

  // The Action confirms the new enrollment with Authy.
  nock(AUTHY)
    .get('/protected/json/users/4321/status')
    .reply(200, {
      status: {
        authy_id: 4321,
        confirmed: true,
        registered: true,
        account_disabled: false,
        devices: ['android'],
        phone_number: 'XX-XXX-0123',
      },
      message: 'User status.',
      success: true,
    });
  const outcome = await login.continueWith(form.body);
  expect(outcome.kind).toBe('allow');
  expect(login.user.app_metadata.authy_2fa).toMatchObject({ v: 1, authy_id: '4321', failures: 0, last_method: 'app' });
  expect(outcome.kind === 'allow' && outcome.result.recordedMethods.map((m) => m.name)).toEqual([`${FORMS_ORIGIN}/authy`]);
  expect(nock.isDone()).toBe(true);

  // Next login of the same user: straight to the code page (no enrollment).
  const again = new Login(action, login.user);
  const second = await enter(await redirectOf(again));
  expect(second.page).toContain('action="/2fa/verify"');
  expect(second.page).not.toContain('action="/2fa/enroll"');
}, 30_000);

test('wrong codes count across logins; the lock reaches the Action and stops the next login', async () => {
  let user = makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '4321', failures: 0 } } });
  const wrong = {
    message: 'Token is invalid',
    token: 'is invalid',
    success: false,
    errors: { message: 'Token is invalid' },
    error_code: '60020',
  };

  // First login: two wrong codes, then cancel. The Action stores the counter.
  const first = new Login(action, user);
  const visit1 = await enter(await redirectOf(first));
  nock(AUTHY).get('/protected/json/verify/1111111/4321').query({ force: 'true' }).times(2).reply(401, wrong);
  expect(await post(visit1, '/2fa/verify', { csrf: visit1.csrf, code: '1111111' })).toContain('4 tries left');
  expect(await post(visit1, '/2fa/verify', { csrf: visit1.csrf, code: '1111111' })).toContain('3 tries left');
  const cancelled = await post(visit1, '/2fa/cancel', { csrf: visit1.csrf });
  const back = await first.continueWith(continueForm(cancelled).body);
  expect(back).toMatchObject({ kind: 'deny', reason: 'Two-step verification was cancelled.' });
  user = first.user;
  expect(user.app_metadata.authy_2fa).toMatchObject({ failures: 2 });

  // Second login: three more wrong codes lock the account.
  const second = new Login(action, user);
  const visit2 = await enter(await redirectOf(second));
  nock(AUTHY).get('/protected/json/verify/2222222/4321').query({ force: 'true' }).times(3).reply(401, wrong);
  expect(await post(visit2, '/2fa/verify', { csrf: visit2.csrf, code: '2222222' })).toContain('2 tries left');
  await post(visit2, '/2fa/verify', { csrf: visit2.csrf, code: '2222222' });
  const locked = await post(visit2, '/2fa/verify', { csrf: visit2.csrf, code: '2222222' });
  expect(locked).toContain('Too many wrong codes');
  expect(await second.continueWith(continueForm(locked).body)).toMatchObject({ kind: 'deny' });
  expect(second.user.app_metadata.authy_2fa).toMatchObject({ failures: 5, locked_until: expect.any(String) });

  // Third login: refused by the Action before any redirect.
  expect(await new Login(action, second.user).execute()).toMatchObject({ kind: 'deny' });
}, 30_000);

test('SMS fallback: the method reported is sms', async () => {
  const login = new Login(action, makeUser({ user_id: 'auth0|bea', email: 'bea@example.com', app_metadata: { authyID: 4321 } }));
  const visit = await enter(await redirectOf(login));
  nock(AUTHY)
    .get('/protected/json/sms/4321')
    .query({ force: 'true' })
    .reply(200, { success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX23' });
  expect(await post(visit, '/2fa/send', { csrf: visit.csrf, channel: 'sms' })).toContain('We sent a code by text message.');
  nock(AUTHY)
    .get('/protected/json/verify/7654321/4321')
    .query({ force: 'true' })
    .reply(200, { message: 'Token is valid.', token: 'is valid', success: 'true' });
  const done = await post(visit, '/2fa/verify', { csrf: visit.csrf, code: '7654321' });
  expect((await login.continueWith(continueForm(done).body)).kind).toBe('allow');
  expect(login.user.app_metadata).toEqual({
    authy_2fa: { v: 1, authy_id: '4321', enrolled_at: expect.any(String), failures: 0, last_method: 'sms' },
  });
}, 30_000);

test('audit lines: the forms server and the Action write the same user hash, so one user is followed across both', async () => {
  takeActionLines();
  formsLogs.length = 0;
  const login = new Login(action, makeUser({ user_id: 'auth0|cyd', email: 'cyd@example.com', app_metadata: { authyID: 4321 } }));
  const visit = await enter(await redirectOf(login));
  nock(AUTHY)
    .get('/protected/json/verify/7654321/4321')
    .query({ force: 'true' })
    .reply(200, { message: 'Token is valid.', token: 'is valid', success: 'true' });
  const done = await post(visit, '/2fa/verify', { csrf: visit.csrf, code: '7654321' });
  expect((await login.continueWith(continueForm(done).body)).kind).toBe('allow');

  const parse = (lines: string[]) =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'audit');
  const formsAudit = parse(formsLogs);
  const actionAudit = parse(takeActionLines());
  expect(formsAudit.map((line) => line.event)).toEqual(['visit_started', 'verified']);
  expect(actionAudit.map((line) => line.event)).toEqual(['redirected', 'verified']);
  const users = new Set([...formsAudit, ...actionAudit].map((line) => line.user));
  expect(users.size).toBe(1);
  expect([...users][0]).toMatch(/^[0-9a-f]{32}$/);
  const everything = [...formsLogs, JSON.stringify(actionAudit)].join('\n');
  for (const never of ['auth0|cyd', 'cyd@example.com', '7654321']) expect(everything).not.toContain(never);
}, 30_000);
