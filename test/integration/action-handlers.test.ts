/**
 * The bundled Action's two handlers in a faithful fake of Auth0's post-login runtime, with
 * Authy intercepted by nock. Result tokens are minted with the contract module, as the forms
 * server mints them; the end-to-end contract with the real forms server is in contract.test.ts.
 */
import nock from 'nock';
import { auditKey, userHash } from '../../lib/audit';
import { signHs256, verifyHs256 } from '../../lib/jwt-hs256';
import type { ResultOutcome } from '../../lib/token-contract';
import { unseal } from '../../lib/seal';
import { auditKey as formsServerAuditKey, userHash as formsServerUserHash } from '../../forms-server/audit';
import {
  FORMS_ORIGIN,
  Login,
  SECRETS,
  SHARED_SECRET,
  loadBundledAction,
  makeUser,
  redirectQuery,
  resultFor,
  takeActionLines,
  type ResultOverrides,
} from '../helpers/action';

const AUTHY = 'https://api.authy.com';
const action = loadBundledAction();
const METHOD_URL = `${FORMS_ORIGIN}/authy`;
const CLAIM = `${FORMS_ORIGIN}/second_factor`;
const enrolledUser = () =>
  makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '1234', enrolled_at: '2026-01-01T00:00:00.000Z', failures: 1 } } });

function result(login: Login, outcome: ResultOutcome, over: ResultOverrides = {}): string {
  return resultFor(login, outcome, over);
}

const verified = (over: Partial<Extract<ResultOutcome, { kind: 'verified' }>> = {}): ResultOutcome => ({
  kind: 'verified',
  method: 'app',
  authyId: '1234',
  enrolledNow: false,
  approvalUuid: null,
  ...over,
});

/** What no line of the Action may hold: the user id, the email, secrets, a state, any JWT (outbound or result token). */
const NEVER_LOGGED: Array<string | RegExp> = [
  'auth0|ana',
  'ana@example.com',
  'auth0|mallory',
  SHARED_SECRET,
  SECRETS.AUTHY_API_KEY,
  'state-',
  'XX-XXX-0123',
  /eyJ[A-Za-z0-9_-]{4,}/,
];

/** The Action's audit lines since the last call: each one JSON, `msg: "audit"`, and free of PII. */
function auditLines(): Array<Record<string, unknown>> {
  return takeActionLines().map((line) => {
    for (const never of NEVER_LOGGED) {
      if (typeof never === 'string') expect(line).not.toContain(never);
      else expect(line).not.toMatch(never);
    }
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ source: 'action', msg: 'audit', time: expect.any(Number), event: expect.any(String) });
    if ('user' in parsed) expect(parsed.user).toMatch(/^[0-9a-f]{32}$/);
    return parsed;
  });
}

/** The `user` field of ana's lines, with the default key (HKDF of SHARED_SECRET). */
const ANA = userHash(auditKey({ auditHashKey: null, sharedSecret: SHARED_SECRET }), 'auth0|ana');

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  // Every line of every test is checked, including those a test does not look at.
  auditLines();
});
afterAll(() => nock.enableNetConnect());

describe('onExecutePostLogin', () => {
  test('an enrolled user is sent once to the forms server with a short-lived token and the state', async () => {
    const login = new Login(action, enrolledUser(), { uiLocales: 'de-AT en' });
    const outcome = await login.execute();
    const query = redirectQuery(outcome);
    expect(outcome.kind === 'redirect' && new URL(outcome.url).origin + new URL(outcome.url).pathname).toBe(`${FORMS_ORIGIN}/2fa`);
    expect(query.get('state')).toBe(login.transaction.state);
    const claims = verifyHs256(query.get('session_token'), SHARED_SECRET);
    expect(claims).toMatchObject({
      sub: 'auth0|ana',
      iss: 'localhost:3001',
      continue_host: 'localhost',
      authy_id: '1234',
      failures: 1,
      max_failures: 5,
      lock_seconds: 900,
      locale: 'de-AT',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(600);
    expect(claims.sealed_email).toBeUndefined();
  });

  // Without ui_locales the page language is the one Auth0 negotiated (event.transaction.locale)
  // from the browser's Accept-Language and the tenant's languages.
  test.each([
    ['ui_locales first, whatever the browser asks for', { uiLocales: 'it fr', acceptLanguage: 'nl' }, 'it'],
    ['no ui_locales: the tenant language matched from Accept-Language', { acceptLanguage: 'nl-BE,nl;q=0.9,en;q=0.5' }, 'nl'],
    ["no ui_locales: pt-PT gets the tenant's pt-BR", { acceptLanguage: 'pt-PT' }, 'pt-BR'],
    ['no ui_locales: an unknown browser language gets the tenant default', { acceptLanguage: 'sv-SE' }, 'en'],
    ['neither: the tenant default', {}, 'en'],
  ])('the outbound locale: %s', async (_name, options, locale) => {
    const login = new Login(action, enrolledUser(), options);
    expect(verifyHs256(redirectQuery(await login.execute()).get('session_token'), SHARED_SECRET).locale).toBe(locale);
  });

  test('a new user carries the email sealed, never readable', async () => {
    const login = new Login(action, makeUser());
    const token = redirectQuery(await login.execute()).get('session_token') ?? '';
    expect(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).not.toContain('ana@example.com');
    const claims = verifyHs256(token, SHARED_SECRET);
    expect(claims.authy_id).toBeUndefined();
    expect(unseal(String(claims.sealed_email), SHARED_SECRET)).toBe('ana@example.com');
  });

  test('a rule-era user counts as enrolled', async () => {
    const login = new Login(action, makeUser({ app_metadata: { authyID: 777 } }));
    expect(verifyHs256(redirectQuery(await login.execute()).get('session_token'), SHARED_SECRET).authy_id).toBe('777');
  });

  test('refresh-token exchange is allowed without a redirect', async () => {
    const outcome = await new Login(action, enrolledUser(), { protocol: 'oauth2-refresh-token' }).execute();
    expect(outcome.kind).toBe('allow');
  });

  test('refresh-token exchange: the ID token says so (method refresh) and names the latest login method where it is stored', async () => {
    const stored = { v: 1, authy_id: '1234', enrolled_at: '2026-01-01T00:00:00.000Z', failures: 0, last_method: 'sms' };
    const withMethod = await new Login(action, makeUser({ app_metadata: { authy_2fa: stored } }), {
      protocol: 'oauth2-refresh-token',
    }).execute();
    expect(withMethod.kind === 'allow' && withMethod.result.idTokenClaims[CLAIM]).toEqual({
      provider: 'authy',
      method: 'refresh',
      login_method: 'sms',
    });
    const without = await new Login(action, enrolledUser(), { protocol: 'oauth2-refresh-token' }).execute();
    expect(without.kind === 'allow' && without.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'refresh' });
    // A stored value that is no method of ours never reaches a token.
    const odd = { ...stored, last_method: '<script>' };
    const oddLogin = await new Login(action, makeUser({ app_metadata: { authy_2fa: odd } }), {
      protocol: 'oauth2-refresh-token',
    }).execute();
    expect(oddLogin.kind === 'allow' && oddLogin.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'refresh' });
    // A user who never enrolled (an exempt login's refresh token) gets no claim.
    const none = await new Login(action, makeUser(), { protocol: 'oauth2-refresh-token' }).execute();
    expect(none.kind === 'allow' && none.result.idTokenClaims[CLAIM]).toBeUndefined();
  });

  test('a password grant is denied by default and allowed only with the opt-out', async () => {
    const denied = await new Login(action, enrolledUser(), { protocol: 'oauth2-password' }).execute();
    expect(denied).toMatchObject({ kind: 'deny', reason: 'This sign-in method cannot complete two-step verification.' });
    const allowed = await new Login(action, enrolledUser(), {
      protocol: 'oauth2-password',
      secrets: { ALLOW_NON_INTERACTIVE: 'true' },
    }).execute();
    expect(allowed.kind).toBe('allow');
  });
});

describe('onExecutePostLogin: a verified email to enroll (REQUIRE_VERIFIED_EMAIL)', () => {
  test('a user not enrolled yet with an unverified email is denied, never sent to enrollment', async () => {
    const outcome = await new Login(action, makeUser({ email_verified: false })).execute();
    expect(outcome).toEqual(
      expect.objectContaining({ kind: 'deny', reason: 'Verify your email address before setting up two-step verification.' }),
    );
  });

  test('an enrolled user with an unverified email still gets the code page', async () => {
    const user = { ...enrolledUser(), email_verified: false };
    expect(verifyHs256(redirectQuery(await new Login(action, user).execute()).get('session_token'), SHARED_SECRET).authy_id).toBe('1234');
  });

  test('REQUIRE_VERIFIED_EMAIL=false sends the unverified user to enrollment; a bad value denies naming it', async () => {
    const off = await new Login(action, makeUser({ email_verified: false }), { secrets: { REQUIRE_VERIFIED_EMAIL: 'false' } }).execute();
    expect(off.kind).toBe('redirect');
    const bad = await new Login(action, makeUser(), { secrets: { REQUIRE_VERIFIED_EMAIL: 'maybe' } }).execute();
    expect(bad.kind === 'deny' && bad.reason).toContain('REQUIRE_VERIFIED_EMAIL');
  });
});

describe('onExecutePostLogin: sessions, locks, settings, hostile data', () => {
  test('prompt=none passes only when this session recorded our method', async () => {
    expect(await new Login(action, enrolledUser(), { prompt: 'none' }).execute()).toMatchObject({ kind: 'deny' });
    const other = await new Login(action, enrolledUser(), {
      prompt: 'none',
      sessionMethods: [{ name: 'https://evil.example/authy', timestamp: new Date().toISOString() }],
    }).execute();
    expect(other).toMatchObject({ kind: 'deny' });
    const ok = await new Login(action, enrolledUser(), {
      prompt: 'none',
      sessionMethods: [{ name: METHOD_URL, timestamp: new Date().toISOString() }],
    }).execute();
    expect(ok.kind).toBe('allow');
    expect(ok.kind === 'allow' && ok.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'session' });
  });

  test('a locked user is denied with the time to come back, and no redirect', async () => {
    const until = new Date(Date.now() + 10 * 60_000).toISOString();
    const outcome = await new Login(
      action,
      makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '1234', failures: 5, locked_until: until } } }),
    ).execute();
    expect(outcome).toMatchObject({ kind: 'deny' });
    expect(outcome.kind === 'deny' && outcome.reason).toContain(until.slice(0, 16).replace('T', ' '));
  });

  test('a missing or malformed setting denies and names the setting', async () => {
    for (const [name, value] of [
      ['SHARED_SECRET', undefined],
      ['FORMS_URL', 'http://2fa.example.com/'],
      ['MAX_FAILURES', 'lots'],
    ] as const) {
      const outcome = await new Login(action, enrolledUser(), { secrets: { [name]: value } }).execute();
      expect(outcome.kind).toBe('deny');
      expect(outcome.kind === 'deny' && outcome.reason).toContain(name);
      expect(outcome.kind === 'deny' && outcome.reason).not.toContain(SHARED_SECRET);
    }
  });

  test('hostile user data never makes the handler throw', async () => {
    for (const app_metadata of [{ authy_2fa: 'x' }, { authy_2fa: { authy_id: { $gt: '' } } }, { authyID: [1, 2] }, { mfa: null }]) {
      const outcome = await new Login(action, makeUser({ app_metadata })).execute();
      expect(outcome.kind).toBe('redirect');
    }
  });
});

async function resumed(user = enrolledUser(), options = {}) {
  const login = new Login(action, user, options);
  expect((await login.execute()).kind).toBe('redirect');
  return login;
}

describe('onContinuePostLogin', () => {
  test('a verified code lets the login through, resets the counter, records the method and adds the claim', async () => {
    const login = await resumed();
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, verified()) });
    expect(outcome.kind).toBe('allow');
    if (outcome.kind !== 'allow') return;
    expect(outcome.result.recordedMethods.map((m) => m.name)).toEqual([METHOD_URL]);
    expect(outcome.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'app' });
    expect(login.user.app_metadata.authy_2fa).toEqual({
      v: 1,
      authy_id: '1234',
      enrolled_at: '2026-01-01T00:00:00.000Z',
      failures: 0,
      last_method: 'app',
    });
  });

  test('a first enrollment is confirmed with Authy before it is stored', async () => {
    const login = await resumed(makeUser());
    nock(AUTHY, { reqheaders: { 'x-authy-api-key': 'action-test-authy-key' } })
      .get('/protected/json/users/1234/status')
      .reply(200, {
        status: {
          authy_id: 1234,
          confirmed: true,
          registered: true,
          country_code: 1,
          phone_number: 'XX-XXX-0123',
          devices: ['iphone'],
          account_disabled: false,
        },
        message: 'User status.',
        success: true,
      });
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, verified({ enrolledNow: true })),
    });
    expect(outcome.kind).toBe('allow');
    expect(login.user.app_metadata.authy_2fa).toMatchObject({ authy_id: '1234', failures: 0 });
    expect(nock.isDone()).toBe(true);
  });

  test('an enrollment Authy cannot confirm is denied: disabled, unknown, down, slow', async () => {
    const replies: Array<(scope: nock.Interceptor) => nock.Scope> = [
      (i) => i.reply(200, { status: { authy_id: 1234, registered: true, account_disabled: true }, success: true }),
      (i) => i.reply(404, { message: 'User not found', success: false, errors: { message: 'User not found' }, error_code: '60026' }),
      (i) => i.replyWithError('ECONNRESET'),
      (i) => i.delay(1000).reply(200, { status: { authy_id: 1234, registered: true, account_disabled: false }, success: true }),
      (i) => i.reply(200, 'not json'),
    ];
    for (const reply of replies) {
      const login = await resumed(makeUser());
      reply(nock(AUTHY).get('/protected/json/users/1234/status'));
      const outcome = await login.continueWith({
        state: login.transaction.state,
        session_token: result(login, verified({ enrolledNow: true })),
      });
      expect(outcome).toMatchObject({ kind: 'deny' });
      expect(login.user.app_metadata.authy_2fa).toBeUndefined();
    }
  });

  test('a rule-era user is rewritten in the current shape on success', async () => {
    const login = await resumed(makeUser({ app_metadata: { authyID: 1234, plan: 'gold' } }));
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, verified({ method: 'sms' })),
    });
    expect(outcome.kind).toBe('allow');
    expect(login.user.app_metadata).toEqual({
      plan: 'gold',
      authy_2fa: { v: 1, authy_id: '1234', enrolled_at: expect.any(String), failures: 0, last_method: 'sms' },
    });
  });
});

describe('onContinuePostLogin: push, lock and cancel', () => {
  test('push is confirmed with Authy', async () => {
    const uuid = '550e8400-e29b-41d4-a716-446655440000';
    const login = await resumed();
    nock(AUTHY)
      .get(`/onetouch/json/approval_requests/${uuid}`)
      .reply(200, { approval_request: { uuid, status: 'approved', _authy_id: 1234 }, success: true });
    expect(
      (
        await login.continueWith({
          state: login.transaction.state,
          session_token: result(login, verified({ method: 'push', approvalUuid: uuid })),
        })
      ).kind,
    ).toBe('allow');
    const pending = await resumed();
    nock(AUTHY)
      .get(`/onetouch/json/approval_requests/${uuid}`)
      .reply(200, { approval_request: { uuid, status: 'pending', _authy_id: 1234 }, success: true });
    expect(
      (
        await pending.continueWith({
          state: pending.transaction.state,
          session_token: result(pending, verified({ method: 'push', approvalUuid: uuid })),
        })
      ).kind,
    ).toBe('deny');
  });

  test('a locked result stores the lock and denies; the next login is refused before any redirect', async () => {
    const login = await resumed();
    const until = Math.floor(Date.now() / 1000) + 900;
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, { kind: 'locked', failures: 5, lockedUntilSec: until }),
    });
    expect(outcome).toMatchObject({ kind: 'deny' });
    expect(login.user.app_metadata.authy_2fa).toMatchObject({ failures: 5, locked_until: new Date(until * 1000).toISOString() });
    const next = await new Login(action, login.user).execute();
    expect(next).toMatchObject({ kind: 'deny' });
  });

  test('cancel denies cleanly and keeps the counter', async () => {
    const login = await resumed();
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, { kind: 'cancelled', failures: 3 }),
    });
    expect(outcome).toMatchObject({ kind: 'deny', reason: 'Two-step verification was cancelled.' });
    expect(login.user.app_metadata.authy_2fa).toMatchObject({ failures: 3, authy_id: '1234' });
  });
});

describe('onContinuePostLogin: bad results', () => {
  test('every bad result token denies without changing the enrollment', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, (login: Login) => Record<string, unknown>]> = [
      ['missing', (l) => ({ state: l.transaction.state })],
      ['garbage', (l) => ({ state: l.transaction.state, session_token: 'not.a.token' })],
      [
        'wrong secret',
        (l) => ({
          state: l.transaction.state,
          session_token: result(l, verified(), { secret: 'another-secret-another-secret-0123456789' }),
        }),
      ],
      ['expired', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { now: now - 3600 }) })],
      [
        'other login (state)',
        (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { state: 'state-of-another-login' }) }),
      ],
      ['other user', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { sub: 'auth0|mallory' }) })],
      ['wrong issuer', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { iss: 'https://evil.example' }) })],
      ['wrong audience', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { aud: 'other-tenant.auth0.com' }) })],
      ['other Authy id', (l) => ({ state: l.transaction.state, session_token: result(l, verified({ authyId: '999' })) })],
      [
        'alg none',
        (l) => {
          const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
          const claims = verifyHs256(result(l, verified()), SHARED_SECRET);
          return { state: l.transaction.state, session_token: `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.` };
        },
      ],
      [
        'outbound token sent back',
        (l) => ({
          state: l.transaction.state,
          session_token: signHs256(
            { sub: l.user.user_id, iss: 'localhost:3001', exp: now + 600, state: l.transaction.state, v: 1 },
            SHARED_SECRET,
          ),
        }),
      ],
    ];
    for (const [name, body] of cases) {
      const login = await resumed();
      const before = structuredClone(login.user.app_metadata);
      const outcome = await login.continueWith(body(login));
      expect([name, outcome.kind]).toEqual([name, 'deny']);
      expect([name, login.user.app_metadata]).toEqual([name, before]);
      if (outcome.kind === 'deny') expect(outcome.result.recordedMethods).toEqual([]);
    }
  });

  test('a result replayed into another login of the same user is refused', async () => {
    const first = await resumed();
    const token = result(first, verified());
    expect((await first.continueWith({ state: first.transaction.state, session_token: token })).kind).toBe('allow');
    const second = await resumed(first.user);
    expect((await second.continueWith({ state: second.transaction.state, session_token: token })).kind).toBe('deny');
  });
});

describe('audit lines: one JSON line per decision, the user hashed, nothing that identifies them', () => {
  beforeEach(() => takeActionLines());

  test("the hash is the forms server's: the same user id and secret give the same user field", () => {
    const formsServer = formsServerUserHash(formsServerAuditKey({ auditHashKey: null, sharedSecret: SHARED_SECRET }), 'auth0|ana');
    expect(ANA).toBe(formsServer);
    expect(ANA).not.toBe(userHash(auditKey({ auditHashKey: null, sharedSecret: SHARED_SECRET }), 'auth0|bob'));
  });

  test('a login sent to the forms server, then verified: redirected, then verified, both with the tenant and the hash', async () => {
    const login = await resumed();
    expect(auditLines()).toEqual([
      {
        source: 'action',
        time: expect.any(Number),
        phase: 'execute',
        enrolled: true,
        event: 'redirected',
        tenant: 'localhost',
        user: ANA,
        msg: 'audit',
      },
    ]);
    await login.continueWith({ state: login.transaction.state, session_token: result(login, verified({ method: 'sms' })) });
    expect(auditLines()).toEqual([
      expect.objectContaining({ phase: 'continue', event: 'verified', method: 'sms', tenant: 'localhost', user: ANA }),
    ]);
  });

  test('AUDIT_HASH_KEY, when set, keys the hash', async () => {
    const key = 'action-audit-hash-key-0123456789abcdef';
    await new Login(action, enrolledUser(), { secrets: { AUDIT_HASH_KEY: key } }).execute();
    const [line] = auditLines();
    expect(line.user).toBe(userHash(Buffer.from(key, 'utf8'), 'auth0|ana'));
    expect(line.user).not.toBe(ANA);
  });

  test('a first enrollment confirmed by Authy: enrolled, with the method', async () => {
    const login = await resumed(makeUser());
    expect(auditLines()).toEqual([expect.objectContaining({ event: 'redirected', enrolled: false, user: ANA })]);
    nock(AUTHY)
      .get('/protected/json/users/1234/status')
      .reply(200, { status: { authy_id: 1234, registered: true, phone_number: 'XX-XXX-0123', account_disabled: false }, success: true });
    await login.continueWith({ state: login.transaction.state, session_token: result(login, verified({ enrolledNow: true })) });
    expect(auditLines()).toEqual([expect.objectContaining({ event: 'enrolled', method: 'app', user: ANA })]);
  });

  test("Authy cannot confirm: result_refused not_confirmed, with Authy's error kind", async () => {
    const login = await resumed(makeUser());
    auditLines();
    nock(AUTHY).get('/protected/json/users/1234/status').replyWithError('ECONNRESET');
    await login.continueWith({ state: login.transaction.state, session_token: result(login, verified({ enrolledNow: true })) });
    expect(auditLines()).toEqual([
      expect.objectContaining({ event: 'result_refused', reason: 'not_confirmed', authy: expect.stringMatching(/^[A-Z_]+$/), user: ANA }),
    ]);
  });

  test('a lock from the forms server: locked with its counts; the next login: login_denied locked', async () => {
    const login = await resumed();
    auditLines();
    const until = Math.floor(Date.now() / 1000) + 900;
    await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, { kind: 'locked', failures: 5, lockedUntilSec: until }),
    });
    expect(auditLines()).toEqual([expect.objectContaining({ event: 'locked', failures: 5, locked_until: until, user: ANA })]);
    await new Login(action, login.user).execute();
    expect(auditLines()).toEqual([
      expect.objectContaining({ phase: 'execute', event: 'login_denied', reason: 'locked', locked_until: until }),
    ]);
  });

  test('cancel: login_denied cancelled, with the failures', async () => {
    const login = await resumed();
    auditLines();
    await login.continueWith({ state: login.transaction.state, session_token: result(login, { kind: 'cancelled', failures: 3 }) });
    expect(auditLines()).toEqual([expect.objectContaining({ event: 'login_denied', reason: 'cancelled', failures: 3, user: ANA })]);
  });

  test('bad results: result_refused with a short reason, never the token', async () => {
    const cases: Array<[string, (login: Login) => Record<string, unknown>]> = [
      ['invalid_token', (l) => ({ state: l.transaction.state, session_token: 'not.a.token' })],
      ['invalid_token', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { state: 'state-of-another-login' }) })],
      ['subject', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { sub: 'auth0|mallory' }) })],
      ['issuer', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { iss: 'https://evil.example' }) })],
      ['audience', (l) => ({ state: l.transaction.state, session_token: result(l, verified(), { aud: 'other-tenant.auth0.com' }) })],
      ['other_device', (l) => ({ state: l.transaction.state, session_token: result(l, verified({ authyId: '999' })) })],
      ['enrollment_mismatch', (l) => ({ state: l.transaction.state, session_token: result(l, verified({ enrolledNow: true })) })],
    ];
    for (const [reason, body] of cases) {
      const login = await resumed();
      auditLines();
      await login.continueWith(body(login));
      expect([reason, auditLines()]).toEqual([
        reason,
        [expect.objectContaining({ phase: 'continue', event: 'result_refused', reason, user: ANA })],
      ]);
    }
  });

  test('decisions at the start: exempt, session_reused, non_interactive_denied, verified_email_required, login_denied', async () => {
    const at = async (user: ReturnType<typeof makeUser>, options: ConstructorParameters<typeof Login>[2]) => {
      await new Login(action, user, options).execute();
      const lines = auditLines();
      expect(lines).toHaveLength(1);
      return lines[0];
    };
    expect(await at(enrolledUser(), { protocol: 'oauth2-refresh-token' })).toMatchObject({
      event: 'exempt',
      reason: 'refresh_token',
      user: ANA,
    });
    expect(await at(enrolledUser(), { protocol: 'oauth2-password' })).toMatchObject({
      event: 'non_interactive_denied',
      protocol: 'oauth2-password',
    });
    expect(await at(enrolledUser(), { protocol: 'oauth2-password', secrets: { ALLOW_NON_INTERACTIVE: 'true' } })).toMatchObject({
      event: 'exempt',
      reason: 'non_interactive',
    });
    expect(await at(enrolledUser(), { secrets: { EXEMPT_CLIENT_IDS: 'demo-client' } })).toMatchObject({
      event: 'exempt',
      reason: 'client',
    });
    const session = [{ name: METHOD_URL, timestamp: new Date().toISOString() }];
    expect(await at(enrolledUser(), { prompt: 'none', sessionMethods: session })).toMatchObject({ event: 'session_reused', user: ANA });
    expect(await at(enrolledUser(), { prompt: 'none' })).toMatchObject({ event: 'login_denied', reason: 'silent' });
    expect(await at(makeUser({ email_verified: false }), {})).toMatchObject({ event: 'verified_email_required', user: ANA });
    expect(await at(makeUser({ email: 'not-an-address' }), {})).toMatchObject({ event: 'login_denied', reason: 'no_email' });
  });

  test('a bad setting: login_denied misconfigured naming the setting, the tenant but no user hash (no key is known)', async () => {
    await new Login(action, enrolledUser(), { secrets: { MAX_FAILURES: 'lots' } }).execute();
    const [line] = auditLines();
    expect(line).toMatchObject({ event: 'login_denied', reason: 'misconfigured', setting: 'MAX_FAILURES', tenant: 'localhost' });
    expect(line).not.toHaveProperty('user');
    await new Login(action, enrolledUser(), { secrets: { AUDIT_HASH_KEY: 'too-short' } }).execute();
    expect(auditLines()).toEqual([expect.objectContaining({ event: 'login_denied', setting: 'AUDIT_HASH_KEY' })]);
  });

  test('one line per decision: no second, free-text line', async () => {
    const login = await resumed();
    await login.continueWith({ state: login.transaction.state, session_token: result(login, verified()) });
    expect(auditLines().map((l) => l.event)).toEqual(['redirected', 'verified']);
  });
});
