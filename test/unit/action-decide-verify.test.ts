/** The decisions with Twilio Verify: which provider a login uses, and what a Verify result must have Twilio confirm. */
import { confirmed } from '../../actions/authy-2fa/src/confirmation';
import { decideOnContinue } from '../../actions/authy-2fa/src/decide-continue';
import { decideOnExecute, providerFor } from '../../actions/authy-2fa/src/decide-execute';
import { VERIFY_MAX_AGE_SECONDS } from '../../actions/authy-2fa/src/decide-verify';
import { DENY } from '../../actions/authy-2fa/src/deny';
import { parseSettings } from '../../lib/action-settings';
import { readEnrollment, type EnrollmentState } from '../../lib/enrollment';
import type { ResultOutcome, ResultToken } from '../../lib/token-contract';
import { resultToken } from '../helpers/result-token';

const YF = 'YF' + 'a'.repeat(32);
const YC = 'YC' + 'b'.repeat(32);
const BASE = { FORMS_URL: 'https://2fa.example.com/2fa', SHARED_SECRET: 's'.repeat(32) };
const VERIFY = {
  VERIFY_SERVICE_SID: 'VA' + 'c'.repeat(32),
  TWILIO_ACCOUNT_SID: 'AC' + 'd'.repeat(32),
  TWILIO_AUTH_TOKEN: 't',
  VERIFY_IDENTITY_KEY: 'k'.repeat(32),
};
const verifyTenant = parseSettings({ ...BASE, ...VERIFY, PROVIDER: 'verify' });
const authyTenant = parseSettings({ ...BASE, AUTHY_API_KEY: 'k' });
const NOW = Date.parse('2026-11-26T10:00:00Z');
const none: EnrollmentState = { authyId: null, source: 'none', failures: 0, lockedUntilMs: null, enrolledAt: null };
const authy: EnrollmentState = { ...none, authyId: '42', source: 'current' };
const verify: EnrollmentState = {
  ...none,
  source: 'current',
  provider: 'verify',
  verifyFactorSid: YF,
  failures: 2,
  enrolledAt: '2025-01-01T00:00:00.000Z',
};

function token(outcome: ResultOutcome): ResultToken {
  return resultToken(outcome, NOW, {}, 0);
}
const facts = (enrollment: EnrollmentState) => ({ userId: 'auth0|1', tenantHost: 'example.eu.auth0.com', enrollment, nowMs: NOW });
const code: ResultOutcome = { kind: 'verify-verified', method: 'app', enrolledNow: false, result: { kind: 'code', id: YC } };
const enroll: ResultOutcome = { kind: 'verify-verified', method: 'app', enrolledNow: true, result: { kind: 'enrollment', id: YF } };

test('PROVIDER chooses for new users; enrolled users keep the provider their record names', () => {
  expect(verifyTenant).toMatchObject({ provider: 'verify', authyApiKey: null, verify: { apiUrl: 'https://verify.twilio.com' } });
  expect(authyTenant.verify).toBeNull();
  expect(providerFor(none, verifyTenant)).toBe('verify');
  expect(providerFor(none, authyTenant)).toBe('authy');
  expect(providerFor(authy, verifyTenant)).toBe('authy');
  expect(providerFor(verify, authyTenant)).toBe('verify');
  expect(providerFor({ ...none, provider: 'unknown' }, verifyTenant)).toBe('unknown');
});

test('a Verify user on a tenant without Verify settings is denied, naming the setting', () => {
  const execute = decideOnExecute(
    {
      protocol: 'oidc-basic-profile',
      silent: false,
      clientId: 'app',
      connectionName: 'db',
      sessionMethods: [],
      enrollment: verify,
      hasEmail: true,
      emailVerified: false,
      nowMs: NOW,
    },
    authyTenant,
  );
  expect(execute).toEqual({ kind: 'deny', why: 'provider-not-configured', reason: DENY.misconfigured('VERIFY_SERVICE_SID') });
});

test('a Verify code asks Twilio about the challenge of the stored factor; an enrollment about the new factor', () => {
  expect(decideOnContinue(token(code), facts(verify), verifyTenant)).toEqual({
    kind: 'allow',
    method: 'app',
    enrolledNow: false,
    store: { v: 1, provider: 'verify', verify_factor_sid: YF, enrolled_at: '2025-01-01T00:00:00.000Z', failures: 0, last_method: 'app' },
    confirm: {
      statusOf: null,
      requireRegistered: false,
      approval: null,
      verify: { factorSid: YF, approved: { method: 'app', result: { kind: 'code', id: YC } }, maxAgeSeconds: VERIFY_MAX_AGE_SECONDS },
    },
  });
  expect(decideOnContinue(token(enroll), facts(none), verifyTenant)).toMatchObject({
    kind: 'allow',
    store: { provider: 'verify', verify_factor_sid: YF, enrolled_at: new Date(NOW).toISOString() },
    confirm: { verify: { factorSid: YF, approved: { result: { kind: 'enrollment', id: YF } } } },
  });
});

test('Verify results that do not fit the stored record are denied before any call', () => {
  const why = (outcome: ResultOutcome, enrollment: EnrollmentState, settings = verifyTenant) => {
    const decision = decideOnContinue(token(outcome), facts(enrollment), settings);
    return decision.kind === 'deny' ? decision.why : 'allow';
  };
  expect(why(code, authy)).toBe('other-device');
  expect(why(enroll, none, authyTenant)).toBe('other-device');
  expect(why(code, none)).toBe('enrollment-mismatch');
  expect(why(enroll, verify)).toBe('enrollment-mismatch');
  expect(why({ ...code, method: 'sms', result: { kind: 'code', id: 'VE' + 'e'.repeat(32) } }, verify)).toBe('method-not-enrolled');
  expect(why(code, { ...verify, lockedUntilMs: NOW + 60_000 })).toBe('locked-meanwhile');
  expect(why(code, { ...none, provider: 'unknown' })).toBe('unknown-provider');
  expect(why({ kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null }, verify)).toBe('other-device');
  // Cancel and lock keep the Verify record as it is.
  expect(decideOnContinue(token({ kind: 'cancelled', failures: 3 }), facts(verify), verifyTenant)).toMatchObject({
    store: { v: 1, provider: 'verify', verify_factor_sid: YF, failures: 3 },
  });
});

test('confirmed: a Verify confirmation needs Twilio to say confirmed', () => {
  const decision = decideOnContinue(token(code), facts(verify), verifyTenant);
  if (decision.kind !== 'allow') throw new Error('expected allow');
  const base = { status: null, approval: null };
  expect(confirmed(decision.confirm, { ...base, verify: { confirmed: true } })).toBe(true);
  expect(confirmed(decision.confirm, { ...base, verify: { confirmed: false, reason: 'stale' } })).toBe(false);
  expect(confirmed(decision.confirm, { ...base, verify: null })).toBe(false);
  expect(confirmed(decision.confirm, base)).toBe(false);
});

describe('a record moved from Authy by migrate-to-verify', () => {
  const record = {
    authy_2fa: {
      v: 1,
      authy_id: '1000001',
      provider: 'verify',
      verify_factor_sid: YF,
      verify_migrated_at: '2026-11-20T09:00:00.000Z',
      failures: 1,
    },
  };
  const migrated = readEnrollment(record);

  it('is read as a Verify enrollment that remembers where it came from', () => {
    expect(migrated).toMatchObject({ provider: 'verify', verifyFactorSid: YF, authyId: null });
    expect(migrated.migratedFromAuthy).toEqual({ authyId: '1000001', at: '2026-11-20T09:00:00.000Z' });
  });

  it('keeps authy_id and verify_migrated_at when a login succeeds, so that --remove-from-authy can remove the Authy user', () => {
    const decision = decideOnContinue(token(code), facts(migrated), verifyTenant);
    expect(decision.kind).toBe('allow');
    expect(decision.store).toMatchObject({
      provider: 'verify',
      verify_factor_sid: YF,
      authy_id: '1000001',
      verify_migrated_at: '2026-11-20T09:00:00.000Z',
      failures: 0,
    });
  });

  it('keeps them when wrong codes are counted', () => {
    const wrong = decideOnContinue(token({ kind: 'cancelled', failures: 2 }), facts(migrated), verifyTenant);
    expect(wrong.store).toMatchObject({ authy_id: '1000001', verify_migrated_at: '2026-11-20T09:00:00.000Z', failures: 2 });
  });

  it('is not invented for a Verify record without verify_migrated_at', () => {
    const plain = readEnrollment({ authy_2fa: { v: 1, authy_id: '1000001', provider: 'verify', verify_factor_sid: YF, failures: 0 } });
    expect(plain.migratedFromAuthy).toBeUndefined();
    const decision = decideOnContinue(token(code), facts(plain), verifyTenant);
    expect(decision.store).not.toHaveProperty('authy_id');
    expect(decision.store).not.toHaveProperty('verify_migrated_at');
  });
});
