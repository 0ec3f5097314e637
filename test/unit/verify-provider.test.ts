/**
 * The Verify provider against Twilio's documented requests and replies (nock): the exact form
 * fields and paths of twilio-node src/rest/verify/v2/service/*, Basic auth, and the documented
 * example replies (test/helpers/verify.ts). Errors: verify-provider-errors.test.ts; confirm:
 * verify-confirm.test.ts.
 */
import nock from 'nock';
import { createVerifyProvider, verifyIdentity } from '../../lib/providers/verify';
import type { Enrollment } from '../../lib/providers/types';
import * as v from '../helpers/verify';
import { codeOf } from '../helpers/verify';

const verify = createVerifyProvider(v.options());
const USER = 'auth0|alice';
const IDENTITY = verifyIdentity(USER, v.IDENTITY_SECRET);
const BASIC = `Basic ${Buffer.from(`${v.ACCOUNT_SID}:${v.AUTH_TOKEN}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const enrolled: Enrollment = { provider: 'verify', identity: IDENTITY, factorSid: v.FACTOR_SID, phone: v.PHONE };

function twilio() {
  return nock(v.API, { reqheaders: { authorization: BASIC, accept: 'application/json' } });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('enroll', () => {
  test('creates a TOTP factor under the HMAC identity, form-encoded, and returns its binding', async () => {
    expect(IDENTITY).toMatch(/^[0-9a-f]{64}$/);
    twilio()
      .matchHeader('content-type', FORM)
      .post(`${v.SERVICE_PATH}/Entities/${IDENTITY}/Factors`, 'FactorType=totp&FriendlyName=Demo')
      .reply(201, v.newTotpFactor(IDENTITY));
    const result = await verify.enroll({ userId: USER, email: 'alice@example.com', label: 'Demo' });
    expect(result.enrollment).toEqual({ provider: 'verify', identity: IDENTITY, factorSid: v.FACTOR_SID, phone: null });
    expect(result.totp).toEqual({ secret: v.SECRET, uri: expect.stringContaining(`secret=${v.SECRET}`) });
  });

  test('sends Config.* only as configured, and keeps the phone in E.164', async () => {
    const tuned = createVerifyProvider(v.options({ totp: { timeStep: 30, skew: 1, codeLength: 8, alg: 'sha256' } }));
    const body = 'FactorType=totp&FriendlyName=Sign-in&Config.TimeStep=30&Config.Skew=1&Config.CodeLength=8&Config.Alg=sha256';
    twilio().post(`${v.SERVICE_PATH}/Entities/${IDENTITY}/Factors`, body).reply(201, v.newTotpFactor(IDENTITY));
    const result = await tuned.enroll({ userId: USER, email: 'a@b.c', phone: { countryCode: '1', national: '5017122661' } });
    expect(result.enrollment).toMatchObject({ phone: v.PHONE });
  });

  test('a phone without an app needs no call; nothing at all is refused; a bad number never leaves', async () => {
    const phone = { countryCode: '44', national: '7700900123' };
    await expect(verify.enroll({ userId: USER, email: 'a@b.c', phone, app: false })).resolves.toEqual({
      enrollment: { provider: 'verify', identity: IDENTITY, factorSid: null, phone: '+447700900123' },
    });
    expect(await codeOf(verify.enroll({ userId: USER, email: 'a@b.c', app: false }))).toBe('INVALID_REQUEST');
    for (const bad of [
      { countryCode: '0', national: '123456' },
      { countryCode: '1', national: '12a4567' },
      { countryCode: '1', national: '1'.repeat(15) },
    ]) {
      expect(await codeOf(verify.enroll({ userId: USER, email: 'a@b.c', phone: bad, app: false }))).toBe('INVALID_PHONE');
    }
  });

  test('refuses a new factor that is not what was asked for (fail closed)', async () => {
    const path = `${v.SERVICE_PATH}/Entities/${IDENTITY}/Factors`;
    const broken = [
      v.newTotpFactor('someone-else-entirely'),
      v.newTotpFactor(IDENTITY, { status: 'verified' }),
      v.newTotpFactor(IDENTITY, { sid: 'YF123' }),
      v.newTotpFactor(IDENTITY, { factor_type: 'push' }),
      v.newTotpFactor(IDENTITY, { binding: undefined }),
      v.newTotpFactor(IDENTITY, { binding: { secret: v.SECRET, uri: 'otpauth://totp/x?secret=AAAAAAAAAAAAAAAAAAAAAAAAAA' } }),
      v.newTotpFactor(IDENTITY, { binding: { secret: 'not base32!', uri: 'otpauth://totp/x?secret=not' } }),
      v.newTotpFactor(IDENTITY, { binding: { secret: v.SECRET, uri: `https://example.com/?secret=${v.SECRET}` } }),
      v.newTotpFactor(IDENTITY, { date_updated: 'yesterday' }),
    ];
    for (const reply of broken) {
      twilio().post(path).reply(201, reply);
      expect(await codeOf(verify.enroll({ userId: USER, email: 'a@b.c' }))).toBe('UNAVAILABLE');
    }
  });
});

describe('activate', () => {
  const factorPath = `${v.SERVICE_PATH}/Entities/${IDENTITY}/Factors/${v.FACTOR_SID}`;

  test('app: verifies the factor with AuthPayload; "unverified" is a wrong code', async () => {
    twilio().matchHeader('content-type', FORM).post(factorPath, 'AuthPayload=123456').reply(200, v.factor(IDENTITY));
    await expect(verify.activate(enrolled, '123456', 'app')).resolves.toEqual({
      enrollment: enrolled,
      method: 'app',
      result: { kind: 'enrollment', id: v.FACTOR_SID },
    });
    twilio()
      .post(factorPath)
      .reply(200, v.factor(IDENTITY, { status: 'unverified' }));
    expect(await codeOf(verify.activate(enrolled, '123456', 'app'))).toBe('WRONG_CODE');
    twilio()
      .post(factorPath)
      .reply(200, v.factor(IDENTITY, { status: 'active' }));
    expect(await codeOf(verify.activate(enrolled, '123456', 'app'))).toBe('UNAVAILABLE');
  });

  test('sms: checks the code sent to the enrollment phone; the result is the verification', async () => {
    twilio().post(`${v.SERVICE_PATH}/VerificationCheck`, 'To=%2B15017122661&Code=4321').reply(200, v.verificationCheck());
    await expect(verify.activate(enrolled, '4321', 'sms')).resolves.toMatchObject({
      method: 'sms',
      result: { kind: 'enrollment', id: v.VERIFICATION_SID },
    });
  });

  test('malformed codes and enrollments never reach Twilio', async () => {
    for (const code of ['', '12', '123456789', 'abcdef', '12 34', '../x'])
      expect(await codeOf(verify.activate(enrolled, code, 'app'))).toBe('WRONG_CODE');
    expect(await codeOf(verify.activate({ ...enrolled, factorSid: null }, '123456', 'app'))).toBe('INVALID_REQUEST');
    expect(await codeOf(verify.activate({ ...enrolled, identity: '../../Services' }, '123456', 'app'))).toBe('INVALID_REQUEST');
    expect(await codeOf(verify.activate({ ...enrolled, factorSid: 'YF/../x' }, '123456', 'app'))).toBe('INVALID_REQUEST');
    expect(await codeOf(verify.activate({ provider: 'authy', authyId: '1' }, '123456', 'app'))).toBe('INVALID_REQUEST');
  });
});

describe('sendCode', () => {
  test('starts a verification To the phone by the channel asked', async () => {
    twilio()
      .matchHeader('content-type', FORM)
      .post(`${v.SERVICE_PATH}/Verifications`, 'To=%2B15017122661&Channel=sms')
      .reply(201, v.verification());
    await expect(verify.sendCode(enrolled, 'sms')).resolves.toBeUndefined();
    twilio()
      .post(`${v.SERVICE_PATH}/Verifications`, 'To=%2B15017122661&Channel=call')
      .reply(201, v.verification({ channel: 'call' }));
    await expect(verify.sendCode(enrolled, 'call')).resolves.toBeUndefined();
  });

  test('refuses a reply for another number, of another status, without a SID; needs a phone', async () => {
    for (const reply of [
      v.verification({ to: '+15550000000' }),
      v.verification({ status: 'approved', valid: true }),
      v.verification({ sid: null }),
    ]) {
      twilio().post(`${v.SERVICE_PATH}/Verifications`).reply(201, reply);
      expect(await codeOf(verify.sendCode(enrolled, 'sms'))).toBe('UNAVAILABLE');
    }
    expect(await codeOf(verify.sendCode({ ...enrolled, phone: null }, 'sms'))).toBe('INVALID_REQUEST');
    expect(await codeOf(verify.sendCode(enrolled, 'email' as 'sms'))).toBe('INVALID_REQUEST');
  });
});

describe('checkCode', () => {
  const challenges = `${v.SERVICE_PATH}/Entities/${IDENTITY}/Challenges`;

  test('app: a challenge with FactorSid and AuthPayload; approved, or pending for a wrong code', async () => {
    twilio().post(challenges, `FactorSid=${v.FACTOR_SID}&AuthPayload=123456`).reply(201, v.challenge(IDENTITY));
    await expect(verify.checkCode(enrolled, '123456', 'app')).resolves.toEqual({
      method: 'app',
      result: { kind: 'code', id: v.CHALLENGE_SID },
    });
    for (const status of ['pending', 'denied', 'expired']) {
      twilio().post(challenges).reply(201, v.challenge(IDENTITY, { status }));
      expect(await codeOf(verify.checkCode(enrolled, '123456', 'app'))).toBe('WRONG_CODE');
    }
  });

  test('app: a challenge of another identity or factor, or an unknown status, is no approval', async () => {
    const other = 'YF' + '9'.repeat(32);
    for (const reply of [
      v.challenge('another-identity'),
      v.challenge(IDENTITY, { factor_sid: other }),
      v.challenge(IDENTITY, { status: 'ok' }),
    ]) {
      twilio().post(challenges).reply(201, reply);
      expect(await codeOf(verify.checkCode(enrolled, '123456', 'app'))).toBe('UNAVAILABLE');
    }
  });

  test('sms and call: VerificationCheck To + Code, each status named', async () => {
    const check = `${v.SERVICE_PATH}/VerificationCheck`;
    twilio()
      .post(check, 'To=%2B15017122661&Code=123456')
      .reply(200, v.verificationCheck({ channel: 'call' }));
    await expect(verify.checkCode(enrolled, '123456', 'call')).resolves.toEqual({
      method: 'call',
      result: { kind: 'code', id: v.VERIFICATION_SID },
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ status: 'pending', valid: false }, 'WRONG_CODE'],
      [{ status: 'max_attempts_reached', valid: false }, 'MAX_ATTEMPTS'],
      [{ status: 'expired', valid: false }, 'NOT_FOUND'],
      [{ status: 'canceled', valid: false }, 'NOT_FOUND'],
      [{ status: 'approved', valid: false }, 'UNAVAILABLE'],
      [{ status: 'pending', valid: true }, 'UNAVAILABLE'],
      [{ to: '+15550000000' }, 'UNAVAILABLE'],
      [{ channel: 'whatsapp' }, 'UNAVAILABLE'],
    ];
    for (const [extra, expected] of cases) {
      twilio().post(check).reply(200, v.verificationCheck(extra));
      expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe(expected);
    }
    for (const code of ['123', '12345678901', '12ab56']) expect(await codeOf(verify.checkCode(enrolled, code, 'sms'))).toBe('WRONG_CODE');
  });
});

describe('push and remove', () => {
  test('push is not supported', async () => {
    expect(verify.capabilities.push).toBe(false);
    expect(await codeOf(verify.startPush(enrolled, { message: 'Sign in', secondsToExpire: 60 }))).toBe('UNSUPPORTED');
    expect(await codeOf(verify.pushStatus(enrolled, 'x'))).toBe('UNSUPPORTED');
  });

  test('remove deletes the entity (204); already gone is fine; an outage is not', async () => {
    twilio().delete(`${v.SERVICE_PATH}/Entities/${IDENTITY}`).reply(204);
    await expect(verify.remove(enrolled)).resolves.toBeUndefined();
    twilio()
      .delete(`${v.SERVICE_PATH}/Entities/${IDENTITY}`)
      .reply(404, v.twilioError(20404, 404, 'The requested resource was not found'));
    await expect(verify.remove(enrolled)).resolves.toBeUndefined();
    twilio().delete(`${v.SERVICE_PATH}/Entities/${IDENTITY}`).reply(503, 'Service Unavailable');
    expect(await codeOf(verify.remove(enrolled))).toBe('UNAVAILABLE');
  });
});
