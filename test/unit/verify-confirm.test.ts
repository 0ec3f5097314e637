/**
 * `confirm` of the Verify provider (nock): what the Action asks Twilio about a result token. The
 * record must be this user's, approved and recent; a token naming something else is 'mismatch'
 * without a call; Twilio's 404 (it deletes approved verifications) is 'not_found'.
 */
import nock from 'nock';
import { createVerifyProvider, verifyIdentity } from '../../lib/providers/verify';
import type { Approved, Enrollment } from '../../lib/providers/types';
import * as v from '../helpers/verify';
import { codeOf } from '../helpers/verify';

const UPDATED = Date.parse('2015-07-30T20:00:00Z');
let nowMs = UPDATED + 30_000;
const verify = createVerifyProvider(v.options({ now: () => nowMs }));
const IDENTITY = verifyIdentity('auth0|alice', v.IDENTITY_SECRET);
const user: Enrollment = { provider: 'verify', identity: IDENTITY, factorSid: v.FACTOR_SID, phone: v.PHONE };
const AGE = { maxAgeSeconds: 300 };
const FACTOR = `${v.SERVICE_PATH}/Entities/${IDENTITY}/Factors/${v.FACTOR_SID}`;
const CHALLENGE = `${v.SERVICE_PATH}/Entities/${IDENTITY}/Challenges/${v.CHALLENGE_SID}`;
const VERIFICATION = `${v.SERVICE_PATH}/Verifications/${v.VERIFICATION_SID}`;

const appEnrollment: Approved = { method: 'app', result: { kind: 'enrollment', id: v.FACTOR_SID } };
const appCode: Approved = { method: 'app', result: { kind: 'code', id: v.CHALLENGE_SID } };
const smsCode: Approved = { method: 'sms', result: { kind: 'code', id: v.VERIFICATION_SID } };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nowMs = UPDATED + 30_000;
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

test('an authenticator app enrollment: the factor is verified, recently', async () => {
  nock(v.API).get(FACTOR).reply(200, v.factor(IDENTITY));
  await expect(verify.confirm(user, appEnrollment, AGE)).resolves.toEqual({ confirmed: true });
  nock(v.API)
    .get(FACTOR)
    .reply(200, v.factor(IDENTITY, { status: 'unverified' }));
  await expect(verify.confirm(user, appEnrollment, AGE)).resolves.toEqual({ confirmed: false, reason: 'pending' });
  nowMs = UPDATED + 301_000;
  nock(v.API).get(FACTOR).reply(200, v.factor(IDENTITY));
  await expect(verify.confirm(user, appEnrollment, AGE)).resolves.toEqual({ confirmed: false, reason: 'stale' });
  nowMs = UPDATED - 61_000;
  nock(v.API).get(FACTOR).reply(200, v.factor(IDENTITY));
  await expect(verify.confirm(user, appEnrollment, AGE)).resolves.toEqual({ confirmed: false, reason: 'stale' });
});

test('a sign-in code from the app: the challenge is approved, of this identity and factor', async () => {
  nock(v.API).get(CHALLENGE).reply(200, v.challenge(IDENTITY));
  await expect(verify.confirm(user, appCode, AGE)).resolves.toEqual({ confirmed: true });
  nock(v.API)
    .get(CHALLENGE)
    .reply(200, v.challenge(IDENTITY, { status: 'pending' }));
  await expect(verify.confirm(user, appCode, AGE)).resolves.toEqual({ confirmed: false, reason: 'pending' });
  for (const status of ['denied', 'expired']) {
    nock(v.API).get(CHALLENGE).reply(200, v.challenge(IDENTITY, { status }));
    await expect(verify.confirm(user, appCode, AGE)).resolves.toEqual({ confirmed: false, reason: 'rejected' });
  }
  // A reply about another record is Twilio misbehaving: it throws (the Action denies), never confirms.
  nock(v.API)
    .get(CHALLENGE)
    .reply(200, v.challenge(IDENTITY, { factor_sid: 'YF' + '0'.repeat(32) }));
  expect(await codeOf(verify.confirm(user, appCode, AGE))).toBe('UNAVAILABLE');
  nock(v.API)
    .get(CHALLENGE)
    .reply(200, v.challenge(IDENTITY, { date_updated: null }));
  expect(await codeOf(verify.confirm(user, appCode, AGE))).toBe('UNAVAILABLE');
});

test('an SMS or voice code: the verification is approved, to this phone; gone is not_found', async () => {
  const approved = v.verification({ status: 'approved', valid: true });
  nock(v.API).get(VERIFICATION).reply(200, approved);
  await expect(verify.confirm(user, smsCode, AGE)).resolves.toEqual({ confirmed: true });
  nock(v.API)
    .get(VERIFICATION)
    .reply(404, v.twilioError(20404, 404, 'The requested resource was not found'));
  await expect(verify.confirm(user, smsCode, AGE)).resolves.toEqual({ confirmed: false, reason: 'not_found' });
  for (const status of ['canceled', 'max_attempts_reached', 'expired']) {
    nock(v.API).get(VERIFICATION).reply(200, v.verification({ status }));
    await expect(verify.confirm(user, smsCode, AGE)).resolves.toEqual({ confirmed: false, reason: 'rejected' });
  }
  nock(v.API)
    .get(VERIFICATION)
    .reply(200, { ...approved, to: '+15550000000' });
  expect(await codeOf(verify.confirm(user, smsCode, AGE))).toBe('UNAVAILABLE');
  const enrolledBySms: Approved = { method: 'call', result: { kind: 'enrollment', id: v.VERIFICATION_SID } };
  nock(v.API)
    .get(VERIFICATION)
    .reply(200, { ...approved, channel: 'call' });
  await expect(verify.confirm(user, enrolledBySms, AGE)).resolves.toEqual({ confirmed: true });
});

test('a token naming something else is a mismatch, without a call', async () => {
  const cases: [Enrollment, Approved][] = [
    [user, { method: 'app', result: { kind: 'enrollment', id: 'YF' + '0'.repeat(32) } }],
    [user, { method: 'app', result: { kind: 'code', id: v.VERIFICATION_SID } }],
    [user, { method: 'app', result: { kind: 'code', id: null } }],
    [user, { method: 'sms', result: { kind: 'code', id: v.CHALLENGE_SID } }],
    [user, { method: 'sms', result: { kind: 'code', id: '../Services' } }],
    [user, { method: 'push', result: { kind: 'push', id: v.CHALLENGE_SID } }],
    [user, { method: 'app', result: { kind: 'push', id: v.CHALLENGE_SID } }],
    [{ ...user, factorSid: null }, appCode],
    [{ ...user, phone: null }, smsCode],
  ];
  for (const [enrollment, approved] of cases) {
    await expect(verify.confirm(enrollment, approved, AGE)).resolves.toEqual({ confirmed: false, reason: 'mismatch' });
  }
  expect(await codeOf(verify.confirm({ provider: 'authy', authyId: '1' }, appCode, AGE))).toBe('INVALID_REQUEST');
});

test('failures to ask throw: bad credentials, rate limit, outage', async () => {
  nock(v.API)
    .get(CHALLENGE)
    .reply(401, v.twilioError(20003, 401, 'Authenticate'));
  expect(await codeOf(verify.confirm(user, appCode, AGE))).toBe('BAD_CREDENTIALS');
  nock(v.API)
    .get(CHALLENGE)
    .reply(429, v.twilioError(20429, 429, 'Too Many Requests'));
  expect(await codeOf(verify.confirm(user, appCode, AGE))).toBe('RATE_LIMITED');
  nock(v.API).get(CHALLENGE).reply(503, 'Service Unavailable');
  expect(await codeOf(verify.confirm(user, appCode, AGE))).toBe('UNAVAILABLE');
});
