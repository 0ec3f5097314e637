/**
 * The bundled Action with PROVIDER=verify and with users enrolled with Twilio Verify, Twilio
 * intercepted by nock with the payloads Twilio documents (test/helpers/verify.ts). A correctly
 * signed result passes only once Twilio confirms it: an unapproved, foreign (other identity or
 * factor), old or made-up SID is denied; Authy users keep working while the tenant moves.
 */
import nock from 'nock';
import { verifyHs256 } from '../../lib/jwt-hs256';
import { verifyIdentity } from '../../lib/providers/verify';
import { generateRecoveryCodes, hashRecoveryCodes, newRecovery } from '../../lib/recovery-codes';
import { signResultToken, type ResultOutcome } from '../../lib/token-contract';
import {
  FORMS_ORIGIN,
  Login,
  SHARED_SECRET,
  loadBundledAction,
  resultFor,
  makeUser,
  redirectQuery,
  takeActionLines,
} from '../helpers/action';
import { ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, basic, challenge, factor, twilioError } from '../helpers/verify';

const action = loadBundledAction();
const CLAIM = `${FORMS_ORIGIN}/second_factor`;
const IDENTITY_KEY = 'action-test-verify-identity-key-0123456789';
const IDENTITY = verifyIdentity('auth0|ana', IDENTITY_KEY);
const OTHER_IDENTITY = verifyIdentity('auth0|mallory', IDENTITY_KEY);
const YF = 'YF' + '1'.repeat(32);
const OTHER_YF = 'YF' + '2'.repeat(32);
const YC = 'YC' + '3'.repeat(32);
const API_KEY_SID = 'SK' + '4'.repeat(32);
const VERIFY: Record<string, string> = {
  PROVIDER: 'verify',
  VERIFY_SERVICE_SID: SERVICE_SID,
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  VERIFY_IDENTITY_KEY: IDENTITY_KEY,
};
const TWILIO = 'https://verify.twilio.com';
const ENTITY = `/v2/Services/${SERVICE_SID}/Entities/${IDENTITY}`;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const verifyUser = (extra: Record<string, unknown> = {}) =>
  makeUser({
    app_metadata: {
      authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: YF, enrolled_at: '2026-01-01T00:00:00.000Z', failures: 1, ...extra },
    },
  });
const authyUser = () => makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '1234', failures: 0 } } });

function result(login: Login, outcome: ResultOutcome): string {
  return resultFor(login, outcome);
}
const code = (id = YC): ResultOutcome => ({ kind: 'verify-verified', method: 'app', enrolledNow: false, result: { kind: 'code', id } });
const enrollment = (id = YF): ResultOutcome => ({
  kind: 'verify-verified',
  method: 'app',
  enrolledNow: true,
  result: { kind: 'enrollment', id },
});

/** The Action's audit lines: none may hold the user id, a SID, the identity or a credential. */
function lines(): Array<Record<string, unknown>> {
  return takeActionLines().map((line) => {
    for (const never of ['auth0|ana', IDENTITY, YF, YC, AUTH_TOKEN, IDENTITY_KEY, SHARED_SECRET]) expect(line).not.toContain(never);
    return JSON.parse(line) as Record<string, unknown>;
  });
}

async function resumed(user = verifyUser(), secrets: Record<string, string | undefined> = VERIFY) {
  const login = new Login(action, user, { secrets });
  expect((await login.execute()).kind).toBe('redirect');
  lines();
  return login;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  lines();
});
afterAll(() => nock.enableNetConnect());

describe('onExecutePostLogin with Verify', () => {
  test('PROVIDER=verify: a new user is sent to enroll with Verify (no Authy key needed)', async () => {
    const claims = verifyHs256(
      redirectQuery(await new Login(action, makeUser(), { secrets: { ...VERIFY, AUTHY_API_KEY: undefined } }).execute()).get(
        'session_token',
      ),
      SHARED_SECRET,
    );
    expect(claims).toMatchObject({ provider: 'verify' });
    expect(claims.authy_id).toBeUndefined();
    expect(claims.verify_factor_sid).toBeUndefined();
  });

  test('a Verify user carries the factor SID, whatever PROVIDER says; an Authy user stays on Authy', async () => {
    for (const provider of ['verify', 'authy']) {
      const token = redirectQuery(await new Login(action, verifyUser(), { secrets: { ...VERIFY, PROVIDER: provider } }).execute());
      expect(verifyHs256(token.get('session_token'), SHARED_SECRET)).toMatchObject({ provider: 'verify', verify_factor_sid: YF });
    }
    const authy = verifyHs256(
      redirectQuery(await new Login(action, authyUser(), { secrets: VERIFY }).execute()).get('session_token'),
      SHARED_SECRET,
    );
    expect(authy).toMatchObject({ authy_id: '1234' });
    expect(authy.provider).toBeUndefined();
    expect(lines().map((l) => [l.event, l.provider])).toEqual([
      ['redirected', 'verify'],
      ['redirected', 'verify'],
      ['redirected', undefined],
    ]);
  });

  test('a Verify user on a tenant without Verify settings, or a record of an unknown provider, is denied', async () => {
    const unset = await new Login(action, verifyUser()).execute();
    expect(unset).toMatchObject({ kind: 'deny' });
    expect(unset.kind === 'deny' && unset.reason).toContain('VERIFY_SERVICE_SID');
    const unknown = await new Login(action, makeUser({ app_metadata: { authy_2fa: { v: 1, provider: 'duo', failures: 0 } } })).execute();
    expect(unknown.kind).toBe('deny');
    expect(lines().map((l) => l.reason)).toEqual(['provider_not_configured', 'unknown_provider']);
  });

  test('Verify settings are checked: a bad SID, half a credential pair, a short identity key, plain http', async () => {
    for (const [secrets, setting] of [
      [{ VERIFY_SERVICE_SID: 'VA123' }, 'VERIFY_SERVICE_SID'],
      [{ TWILIO_AUTH_TOKEN: undefined }, 'TWILIO_AUTH_TOKEN'],
      [{ TWILIO_API_KEY_SID: API_KEY_SID }, 'TWILIO_API_KEY_SID'],
      [{ VERIFY_IDENTITY_KEY: 'short' }, 'VERIFY_IDENTITY_KEY'],
      [{ VERIFY_API_URL: 'http://verify.example.com' }, 'VERIFY_API_URL'],
      [{ PROVIDER: 'twilio' }, 'PROVIDER'],
    ] as const) {
      const outcome = await new Login(action, makeUser(), { secrets: { ...VERIFY, ...secrets } }).execute();
      expect(outcome.kind === 'deny' && outcome.reason).toContain(setting);
      expect(outcome.kind === 'deny' && outcome.reason).not.toContain(AUTH_TOKEN);
    }
  });
});

describe('onContinuePostLogin with Verify: what Twilio confirms', () => {
  test("a new enrollment passes once Twilio shows this user's factor verified, recently; it is stored with the factor SID", async () => {
    const login = await resumed(makeUser());
    nock(TWILIO, { reqheaders: { authorization: basic(ACCOUNT_SID, AUTH_TOKEN) } })
      .get(`${ENTITY}/Factors/${YF}`)
      .reply(200, factor(IDENTITY, { sid: YF, date_updated: now() }));
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, enrollment()) });
    expect(outcome.kind).toBe('allow');
    expect(outcome.kind === 'allow' && outcome.result.idTokenClaims[CLAIM]).toEqual({ provider: 'verify', method: 'app' });
    expect(login.user.app_metadata.authy_2fa).toEqual({
      v: 1,
      provider: 'verify',
      verify_factor_sid: YF,
      enrolled_at: expect.any(String),
      failures: 0,
      last_method: 'app',
    });
    expect(nock.isDone()).toBe(true);
    expect(lines().at(-1)).toMatchObject({ event: 'enrolled', method: 'app', provider: 'verify' });
  });

  test('a code passes once Twilio shows the challenge approved for this identity and factor; API key credentials work too', async () => {
    const secrets = {
      ...VERIFY,
      TWILIO_ACCOUNT_SID: undefined,
      TWILIO_AUTH_TOKEN: undefined,
      TWILIO_API_KEY_SID: API_KEY_SID,
      TWILIO_API_KEY_SECRET: 'key-secret',
    };
    const login = await resumed(verifyUser(), secrets);
    nock(TWILIO, { reqheaders: { authorization: basic(API_KEY_SID, 'key-secret') } })
      .get(`${ENTITY}/Challenges/${YC}`)
      .reply(200, challenge(IDENTITY, { sid: YC, factor_sid: YF, date_updated: now() }));
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, code()) });
    expect(outcome.kind).toBe('allow');
    expect(login.user.app_metadata.authy_2fa).toMatchObject({ provider: 'verify', verify_factor_sid: YF, failures: 0 });
    expect(nock.isDone()).toBe(true);
  });

  test('a correctly signed result is DENIED when Twilio does not confirm it', async () => {
    const cases: Array<[string, nock.Body | (() => nock.Scope)]> = [
      ['pending', challenge(IDENTITY, { sid: YC, factor_sid: YF, status: 'pending', date_updated: now() })],
      ['denied', challenge(IDENTITY, { sid: YC, factor_sid: YF, status: 'denied', date_updated: now() })],
      ['other identity', challenge(OTHER_IDENTITY, { sid: YC, factor_sid: YF, date_updated: now() })],
      ['other factor', challenge(IDENTITY, { sid: YC, factor_sid: OTHER_YF, date_updated: now() })],
      ['other challenge', challenge(IDENTITY, { sid: 'YC' + '9'.repeat(32), factor_sid: YF, date_updated: now() })],
      ['old', challenge(IDENTITY, { sid: YC, factor_sid: YF, date_updated: '2026-01-01T00:00:00Z' })],
    ];
    for (const [name, body] of cases) {
      const login = await resumed();
      nock(TWILIO)
        .get(`${ENTITY}/Challenges/${YC}`)
        .reply(200, body as nock.Body);
      const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, code()) });
      expect([name, outcome.kind]).toEqual([name, 'deny']);
      expect(login.user.app_metadata.authy_2fa).toMatchObject({ failures: 1 });
      expect(nock.isDone()).toBe(true);
      expect(lines().at(-1)).toMatchObject({ event: 'result_refused', reason: 'not_confirmed', verify: expect.any(String) });
    }
  });

  test('a made-up SID (Twilio 404), bad credentials or an outage deny', async () => {
    for (const [status, body, why] of [
      [404, twilioError(20404, 404, 'The requested resource was not found'), 'not_found'],
      [401, twilioError(20003, 401, 'Authenticate'), 'BAD_CREDENTIALS'],
      [503, { message: 'unavailable' }, 'UNAVAILABLE'],
    ] as const) {
      const login = await resumed();
      nock(TWILIO).get(`${ENTITY}/Challenges/${YC}`).reply(status, body);
      const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, code()) });
      expect(outcome).toMatchObject({ kind: 'deny', reason: 'Two-step verification could not be confirmed. Please try again.' });
      expect(lines().at(-1)).toMatchObject({ reason: 'not_confirmed', verify: why });
    }
  });

  test('a new enrollment whose factor is not verified, or is another factor, is denied', async () => {
    let login = await resumed(makeUser());
    nock(TWILIO)
      .get(`${ENTITY}/Factors/${YF}`)
      .reply(200, factor(IDENTITY, { sid: YF, status: 'unverified', date_updated: now() }));
    expect((await login.continueWith({ state: login.transaction.state, session_token: result(login, enrollment()) })).kind).toBe('deny');
    login = await resumed(makeUser());
    nock(TWILIO)
      .get(`${ENTITY}/Factors/${YF}`)
      .reply(200, factor(OTHER_IDENTITY, { sid: YF, date_updated: now() }));
    expect((await login.continueWith({ state: login.transaction.state, session_token: result(login, enrollment()) })).kind).toBe('deny');
    expect(login.user.app_metadata.authy_2fa).toBeUndefined();
  });

  test('denied without asking Twilio: an SMS result, an Authy result for a Verify user, a re-enrollment, a factor it does not know', async () => {
    const sms: ResultOutcome = {
      kind: 'verify-verified',
      method: 'sms',
      enrolledNow: false,
      result: { kind: 'code', id: 'VE' + 'e'.repeat(32) },
    };
    const authy: ResultOutcome = { kind: 'verified', method: 'app', authyId: '1234', enrolledNow: false, approvalUuid: null };
    for (const outcome of [sms, authy, enrollment(OTHER_YF)]) {
      const login = await resumed();
      expect((await login.continueWith({ state: login.transaction.state, session_token: result(login, outcome) })).kind).toBe('deny');
    }
    // A Verify result for an Authy user, or for a new user of an Authy tenant.
    const cases: Array<[ReturnType<typeof makeUser>, Record<string, string>, ResultOutcome]> = [
      [authyUser(), VERIFY, code()],
      [makeUser(), { ...VERIFY, PROVIDER: 'authy', AUTHY_API_KEY: 'k' }, enrollment()],
    ];
    for (const [user, secrets, outcome] of cases) {
      const login = await resumed(user, secrets);
      expect((await login.continueWith({ state: login.transaction.state, session_token: result(login, outcome) })).kind).toBe('deny');
    }
    expect(nock.pendingMocks()).toEqual([]);
  });

  test('an Authy user on a Verify tenant still signs in with an Authy code', async () => {
    const login = await resumed(authyUser());
    const authy: ResultOutcome = { kind: 'verified', method: 'app', authyId: '1234', enrolledNow: false, approvalUuid: null };
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, authy) });
    expect(outcome.kind).toBe('allow');
    expect(outcome.kind === 'allow' && outcome.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'app' });
    expect(login.user.app_metadata.authy_2fa).not.toHaveProperty('provider');
  });
});

describe('recovery codes with Verify', () => {
  const recoveryCodes = generateRecoveryCodes();
  const withCodes = () => verifyUser({ recovery: newRecovery(hashRecoveryCodes(recoveryCodes), '2026-11-01T00:00:00.000Z') });
  const used = (): ResultOutcome => ({ kind: 'recovery', code: recoveryCodes[0].replace(/-/g, ''), failures: 1 });
  /** A new app's first right code, with the recovery code that allowed it. */
  const newApp = (login: Login) =>
    signResultToken(
      enrollment(OTHER_YF),
      {
        formsOrigin: FORMS_ORIGIN,
        audience: 'localhost',
        userId: login.user.user_id,
        state: login.transaction.state,
        secret: SHARED_SECRET,
      },
      { code: recoveryCodes[0].replace(/-/g, '') },
    );

  test('a right recovery code passes without asking Twilio; the factor stays', async () => {
    const login = await resumed(withCodes());
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, used()) });
    expect(outcome.kind === 'allow' && outcome.result.idTokenClaims[CLAIM]).toEqual({
      provider: 'verify',
      method: 'recovery',
      recovery_codes_left: 9,
    });
    expect(login.user.app_metadata.authy_2fa).toMatchObject({ provider: 'verify', verify_factor_sid: YF, failures: 0 });
  });

  test('a new authenticator app after a recovery code replaces the factor once Twilio shows it verified for this identity', async () => {
    const login = await resumed(withCodes());
    nock(TWILIO)
      .get(`${ENTITY}/Factors/${OTHER_YF}`)
      .reply(200, factor(IDENTITY, { sid: OTHER_YF, date_updated: now() }));
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: newApp(login),
    });
    expect(outcome.kind).toBe('allow');
    expect(login.user.app_metadata.authy_2fa).toMatchObject({ provider: 'verify', verify_factor_sid: OTHER_YF, failures: 0 });
    expect(nock.isDone()).toBe(true);
  });

  test('a new factor Twilio does not show for this identity is refused; the old factor and the code stay', async () => {
    const login = await resumed(withCodes());
    nock(TWILIO)
      .get(`${ENTITY}/Factors/${OTHER_YF}`)
      .reply(404, twilioError(20404, 404, 'not found'));
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: newApp(login),
    });
    expect(outcome.kind).toBe('deny');
    expect(login.user.app_metadata.authy_2fa).toMatchObject({ verify_factor_sid: YF });
    expect((login.user.app_metadata.authy_2fa as { recovery: { hashes: string[] } }).recovery.hashes).toHaveLength(10);
  });
});
