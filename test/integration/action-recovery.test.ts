/**
 * Recovery codes through the bundled Action: new codes arrive as hashes with a verified result
 * and are stored; a `recovery` result passes only with an unused code, which it burns; a forged
 * recovery result (valid signature, wrong or burned code) is denied and counts as a wrong code.
 */
import nock from 'nock';
import { verifyHs256 } from '../../lib/jwt-hs256';
import { generateRecoveryCodes, hashRecoveryCodes, newRecovery } from '../../lib/recovery-codes';
import { signHs256 } from '../../lib/jwt-hs256';
import type { ResultOutcome } from '../../lib/token-contract';
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

const action = loadBundledAction();
const CLAIM = `${FORMS_ORIGIN}/second_factor`;
const codes = generateRecoveryCodes();
const canonical = (code: string) => code.replace(/-/g, '');
const REFUSED = 'That recovery code is not valid or was already used.';

function userWithCodes(failures = 0, list: readonly string[] = codes) {
  const recovery = newRecovery(hashRecoveryCodes(list), '2026-11-01T00:00:00.000Z');
  return makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '1234', enrolled_at: '2026-01-01T00:00:00.000Z', failures, recovery } } });
}

function result(login: Login, outcome: ResultOutcome, recoveryCodes?: string[], recoveryCode?: string): string {
  return resultFor(login, outcome, { recovery: { codes: recoveryCodes ?? null, code: recoveryCode ?? null } });
}

async function resumed(user = userWithCodes()) {
  const login = new Login(action, user);
  const redirect = await login.execute();
  expect(redirect.kind).toBe('redirect');
  return { login, outbound: verifyHs256(redirectQuery(redirect).get('session_token') ?? '', SHARED_SECRET) };
}

type RecoveryOutcome = Extract<ResultOutcome, { kind: 'recovery' }>;
const recovery = (code: string, failures = 1): RecoveryOutcome => ({ kind: 'recovery', code: canonical(code), failures });
const stored = (login: Login) => login.user.app_metadata.authy_2fa as Record<string, unknown> & { recovery?: { hashes: string[] } };

beforeEach(() => takeActionLines());

describe('recovery codes in the Action', () => {
  test('the outbound token says how many codes are left, never the hashes', async () => {
    const { outbound } = await resumed();
    expect(outbound.recovery_left).toBe(10);
    expect(JSON.stringify(outbound)).not.toContain('sha256');
  });

  test('a right code passes once: method recovery, failures reset, the code burned, the claim says 9 left', async () => {
    const { login } = await resumed(userWithCodes(2));
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, recovery(codes[4], 3)) });
    expect(outcome.kind).toBe('allow');
    if (outcome.kind !== 'allow') return;
    expect(outcome.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'recovery', recovery_codes_left: 9 });
    expect(stored(login)).toMatchObject({ authy_id: '1234', failures: 0, last_method: 'recovery' });
    expect(stored(login).recovery?.hashes).toHaveLength(9);
    const lines = takeActionLines().join('\n');
    expect(lines).not.toContain(canonical(codes[4]));
    expect(lines).toContain('"method":"recovery"');
  });

  test('a burned code is refused the second time, and counts as a wrong code', async () => {
    const first = await resumed();
    await first.login.continueWith({ state: first.login.transaction.state, session_token: result(first.login, recovery(codes[0])) });
    const { login } = await resumed(first.login.user);
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, recovery(codes[0], 1)) });
    expect(outcome).toMatchObject({ kind: 'deny', reason: REFUSED });
    expect(stored(login)).toMatchObject({ failures: 1 });
    expect(stored(login).recovery?.hashes).toHaveLength(9);
  });

  test('a forged recovery result (valid signature, a code that was never issued) is denied and counted', async () => {
    const { login } = await resumed(userWithCodes(1));
    const forged = generateRecoveryCodes(1)[0];
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, recovery(forged, 0)) });
    expect(outcome).toMatchObject({ kind: 'deny', reason: REFUSED });
    // Counted once: the stored count plus this try, even when the result claims fewer.
    expect(stored(login)).toMatchObject({ failures: 2 });
    expect(stored(login).recovery?.hashes).toHaveLength(10);
    expect(takeActionLines().join('\n')).toContain('"reason":"recovery_refused"');
  });

  test('wrong recovery codes lock at MAX_FAILURES like wrong codes', async () => {
    const { login } = await resumed(userWithCodes(4));
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, recovery(generateRecoveryCodes(1)[0], 5)),
    });
    expect(outcome.kind).toBe('deny');
    if (outcome.kind !== 'deny') return;
    expect(outcome.reason).toMatch(/^Too many wrong codes\. Two-step verification is locked until /);
    expect(stored(login)).toMatchObject({ failures: 5, locked_until: expect.any(String) });
    // Locked: the right code is refused too until the lock ends.
    const next = new Login(action, login.user);
    expect(await next.execute()).toMatchObject({ kind: 'deny' });
  });

  test('a user with no codes left (or none issued) cannot use one', async () => {
    const { login } = await resumed(makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '1234', failures: 0 } } }));
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: result(login, recovery(codes[0], 1)) });
    expect(outcome).toMatchObject({ kind: 'deny', reason: REFUSED });
  });

  test('a result with new codes stores their hashes only (never the codes); later results keep them', async () => {
    const { login } = await resumed(userWithCodes());
    const fresh = generateRecoveryCodes();
    const verified: ResultOutcome = { kind: 'verified', method: 'app', authyId: '1234', enrolledNow: false, approvalUuid: null };
    expect((await login.continueWith({ state: login.transaction.state, session_token: result(login, verified, fresh) })).kind).toBe(
      'allow',
    );
    const saved = JSON.stringify(login.user.app_metadata);
    for (const code of fresh) expect(saved).not.toContain(canonical(code));
    expect(stored(login).recovery?.hashes).toHaveLength(10);

    const again = await resumed(login.user);
    await again.login.continueWith({ state: again.login.transaction.state, session_token: result(again.login, verified) });
    expect(stored(again.login).recovery?.hashes).toEqual(stored(login).recovery?.hashes);

    // The old codes are gone, the new ones work.
    const old = await resumed(again.login.user);
    const refused = await old.login.continueWith({
      state: old.login.transaction.state,
      session_token: result(old.login, recovery(codes[0])),
    });
    expect(refused.kind).toBe('deny');
    const ok = await resumed(old.login.user);
    const allowed = await ok.login.continueWith({ state: ok.login.transaction.state, session_token: result(ok.login, recovery(fresh[9])) });
    expect(allowed.kind).toBe('allow');
  });

  test('new codes ride only on a verified result: on a recovery or cancelled result the token is refused', async () => {
    const { login } = await resumed();
    const hashes = hashRecoveryCodes(generateRecoveryCodes());
    const claims = {
      v: 1,
      iss: FORMS_ORIGIN,
      aud: 'localhost',
      sub: login.user.user_id,
      state: login.transaction.state,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 120,
      jti: '00000000-0000-4000-8000-000000000000',
      result: 'recovery',
      recovery_code: canonical(codes[0]),
      failures: 1,
      recovery_hashes: hashes,
    };
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: signHs256(claims, SHARED_SECRET) });
    expect(outcome).toMatchObject({ kind: 'deny', reason: 'Two-step verification could not be checked. Please try again.' });
    expect(stored(login).recovery?.hashes).toHaveLength(10);
  });
});

describe('a new phone after a recovery code', () => {
  const AUTHY = 'https://api.authy.com';
  /** The new phone's first right code: an enrollment result, with the recovery code that allowed it. */
  const newPhone: ResultOutcome = { kind: 'verified', method: 'sms', authyId: '5678', enrolledNow: true, approvalUuid: null };

  afterEach(() => nock.cleanAll());

  test('the outbound token carries the sealed email Authy needs to register the new phone', async () => {
    const { outbound } = await resumed();
    expect(typeof outbound.sealed_email).toBe('string');
  });

  test('a right code and a new phone Authy confirms: the phone replaces the old one, with the new codes', async () => {
    const { login } = await resumed();
    nock(AUTHY)
      .get('/protected/json/users/5678/status')
      .reply(200, { status: { authy_id: 5678, registered: false, phone_number: 'XX-XXX-0199', account_disabled: false }, success: true });
    const fresh = generateRecoveryCodes();
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, newPhone, fresh, canonical(codes[1])),
    });
    expect(outcome.kind).toBe('allow');
    if (outcome.kind !== 'allow') return;
    expect(outcome.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'recovery', recovery_codes_left: 10 });
    expect(stored(login)).toMatchObject({ authy_id: '5678', failures: 0 });
    expect(stored(login).recovery?.hashes).toHaveLength(10);
    expect(takeActionLines().join('\n')).toContain('"event":"enrolled"');
  });

  test('a wrong recovery code: the new phone is not stored, the old one stays', async () => {
    const { login } = await resumed();
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, newPhone, generateRecoveryCodes(), canonical(generateRecoveryCodes(1)[0])),
    });
    expect(outcome).toMatchObject({ kind: 'deny', reason: REFUSED });
    expect(stored(login)).toMatchObject({ authy_id: '1234', failures: 1 });
    expect(stored(login).recovery?.hashes).toHaveLength(10);
  });

  test('Authy does not confirm the new phone: denied, nothing stored, the recovery code not burned', async () => {
    const { login } = await resumed();
    nock(AUTHY)
      .get('/protected/json/users/5678/status')
      .reply(200, { status: { authy_id: 5678, registered: false, phone_number: 'XX-XXX-0199', account_disabled: true }, success: true });
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, newPhone, undefined, canonical(codes[1])),
    });
    expect(outcome.kind).toBe('deny');
    expect(stored(login)).toMatchObject({ authy_id: '1234' });
    expect(stored(login).recovery?.hashes).toHaveLength(10);
  });

  test('a Verify factor for an Authy user is refused', async () => {
    const { login } = await resumed();
    const verify: ResultOutcome = {
      kind: 'verify-verified',
      method: 'app',
      enrolledNow: true,
      result: { kind: 'enrollment', id: `YF${'0'.repeat(32)}` },
    };
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, verify, undefined, canonical(codes[1])),
    });
    expect(outcome).toMatchObject({
      kind: 'deny',
      reason: 'This phone or app is not the one set up for two-step verification on this account.',
    });
    expect(stored(login)).toMatchObject({ authy_id: '1234' });
  });

  test('a recovery code on a login that is not a new enrollment is refused (the token breaks the contract)', async () => {
    const { login } = await resumed();
    const code: ResultOutcome = { kind: 'verified', method: 'app', authyId: '1234', enrolledNow: false, approvalUuid: null };
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, code, undefined, canonical(codes[1])),
    });
    // The forms server never signs one (signResultToken leaves it out); a hand-made one is refused.
    expect(outcome.kind).toBe('allow');
    const claims = { ...verifyHs256(result(login, code), SHARED_SECRET), recovery_code: canonical(codes[1]) };
    const again = await resumed(login.user);
    const forged = await again.login.continueWith({
      state: again.login.transaction.state,
      session_token: signHs256({ ...claims, state: again.login.transaction.state }, SHARED_SECRET),
    });
    expect(forged).toMatchObject({ kind: 'deny', reason: 'Two-step verification could not be checked. Please try again.' });
  });
});
