/**
 * The Verify provider's failures: every Twilio error code it maps (twilio.com/docs/api/errors/<code>,
 * with the documented HTTP status), the HTTP-status fallbacks, timeouts, network failures,
 * malformed replies, configuration errors, and messages that leak nothing.
 */
import { PassThrough } from 'node:stream';
import nock from 'nock';
import { createVerifyProvider, verifyIdentity } from '../../lib/providers/verify';
import { verifyErrorFrom } from '../../lib/providers/verify-http';
import { ProviderError, type Enrollment } from '../../lib/providers/types';
import * as v from '../helpers/verify';
import { codeOf } from '../helpers/verify';

const verify = createVerifyProvider(v.options());
const IDENTITY = verifyIdentity('auth0|alice', v.IDENTITY_SECRET);
const enrolled: Enrollment = { provider: 'verify', identity: IDENTITY, factorSid: v.FACTOR_SID, phone: v.PHONE };
const CHECK = `${v.SERVICE_PATH}/VerificationCheck`;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('Twilio error codes', () => {
  const table: [number, number, string, string][] = [
    [20003, 401, 'Authenticate', 'BAD_CREDENTIALS'],
    [20404, 404, 'The requested resource /Services/VA.../VerificationCheck was not found', 'NOT_FOUND'],
    [20429, 429, 'Too Many Requests', 'RATE_LIMITED'],
    [60200, 400, 'Invalid parameter: To', 'INVALID_PHONE'],
    [60200, 400, 'Invalid parameter `To`: +1555', 'INVALID_PHONE'],
    [60200, 400, 'Invalid parameter: Channel', 'INVALID_REQUEST'],
    [60202, 429, 'Max check attempts reached', 'MAX_ATTEMPTS'],
    [60203, 429, 'Max send attempts reached', 'RATE_LIMITED'],
    [60205, 403, 'SMS is not supported by landline phone number', 'UNSUPPORTED_PHONE'],
    [60006, 400, 'Invalid Phone Number', 'INVALID_PHONE'],
    [60308, 429, 'Challenge verification attempts limit reached', 'MAX_ATTEMPTS'],
    [60310, 429, 'Factor verification attempts reached', 'MAX_ATTEMPTS'],
    [60311, 403, 'Factor verification failed', 'WRONG_CODE'],
    [60312, 429, 'Challenge creation limit reached', 'RATE_LIMITED'],
    [60318, 403, 'Factor is unverified', 'NOT_FOUND'],
    [60324, 403, 'Challenge verification failed', 'WRONG_CODE'],
    [60300, 400, 'Invalid Param', 'INVALID_REQUEST'],
    [20403, 403, 'Forbidden', 'BAD_CREDENTIALS'],
    [20500, 500, 'Internal Server Error', 'UNAVAILABLE'],
    [60311, 503, 'a 5xx is an outage whatever its code', 'UNAVAILABLE'],
  ];

  test.each(table)('%d (HTTP %d, %s) is %s', async (code, status, message, expected) => {
    nock(v.API)
      .post(CHECK)
      .reply(status, v.twilioError(code, status, message));
    const error = await verify.checkCode(enrolled, '123456', 'sms').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: expected, provider: 'verify', status, providerCode: String(code) });
  });

  test('the table is one function: codes as numbers or numeric strings, status fallbacks otherwise', () => {
    expect(verifyErrorFrom(429, { code: '60202' }).code).toBe('MAX_ATTEMPTS');
    expect(verifyErrorFrom(400, undefined).code).toBe('INVALID_REQUEST');
    expect(verifyErrorFrom(401, 'Unauthorized').code).toBe('BAD_CREDENTIALS');
    expect(verifyErrorFrom(404, null).code).toBe('NOT_FOUND');
    expect(verifyErrorFrom(429, {}).code).toBe('RATE_LIMITED');
    expect(verifyErrorFrom(502, { code: 20003 }).code).toBe('UNAVAILABLE');
    expect(verifyErrorFrom(418, { code: 'abc' }).code).toBe('INVALID_REQUEST');
    expect(verifyErrorFrom(302, undefined).code).toBe('UNAVAILABLE');
  });
});

describe('transport', () => {
  test('bodies that are not JSON: the status decides for errors; a 2xx is malformed', async () => {
    nock(v.API).post(CHECK).reply(500, '<html>Internal Server Error</html>');
    expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe('UNAVAILABLE');
    nock(v.API).post(CHECK).reply(401, 'Unauthorized');
    expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe('BAD_CREDENTIALS');
    nock(v.API).post(CHECK).reply(200, '{"sid": "VE', { 'content-type': 'application/json' });
    expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe('UNAVAILABLE');
    nock(v.API).post(CHECK).reply(200, '[1,2]', { 'content-type': 'application/json' });
    expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe('UNAVAILABLE');
    nock(v.API).post(CHECK).reply(204);
    expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe('UNAVAILABLE');
    nock(v.API)
      .post(CHECK)
      .reply(200, { ...v.verificationCheck(), padding: 'x'.repeat(300 * 1024) });
    expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe('UNAVAILABLE');
  });

  test('no answer within the timeout (headers or body), network failures and redirects are UNAVAILABLE', async () => {
    nock(v.API).post(CHECK).delay(1000).reply(200, v.verificationCheck());
    const late = await verify.checkCode(enrolled, '123456', 'sms').catch((e: unknown) => e);
    expect(late).toMatchObject({ code: 'UNAVAILABLE', timedOut: true });
    nock(v.API)
      .post(CHECK)
      .reply(200, () => {
        const body = new PassThrough();
        body.write('{"sid": ');
        setTimeout(() => body.end('"VE"}'), 1000).unref();
        return body;
      });
    expect(await verify.checkCode(enrolled, '123456', 'sms').catch((e: unknown) => e)).toMatchObject({
      code: 'UNAVAILABLE',
      timedOut: true,
    });
    nock(v.API).post(CHECK).replyWithError('ECONNRESET');
    expect(await verify.checkCode(enrolled, '123456', 'sms').catch((e: unknown) => e)).toMatchObject({
      code: 'UNAVAILABLE',
      timedOut: false,
    });
    nock(v.API).post(CHECK).reply(302, '', { location: 'https://evil.example/' });
    expect(await codeOf(verify.checkCode(enrolled, '123456', 'sms'))).toBe('UNAVAILABLE');
  });

  test('messages never hold the token, the code, the phone or the identity', async () => {
    const failures = [
      v.twilioError(60200, 400, `Invalid parameter: To ${v.PHONE}`),
      v.twilioError(20003, 401, 'Authenticate'),
      v.twilioError(60202, 429, 'Max check attempts reached'),
    ];
    for (const body of failures) {
      nock(v.API)
        .post(CHECK)
        .reply(body.status as number, body);
      const error = (await verify.checkCode(enrolled, '918273', 'sms').catch((e: unknown) => e)) as Error;
      for (const secret of [v.AUTH_TOKEN, '918273', v.PHONE, '5017122661', IDENTITY, v.IDENTITY_SECRET])
        expect(error.message).not.toContain(secret);
    }
  });
});

describe('configuration', () => {
  test('malformed settings are configuration errors, before any call', () => {
    const bad = [
      { accountSid: 'AC123' },
      { authToken: '' },
      { serviceSid: 'IS' + 'b'.repeat(32) },
      { identitySecret: 'short' },
      { timeoutMs: 0 },
      { totp: { timeStep: 10 } },
      { totp: { skew: 3 } },
      { totp: { codeLength: 9 } },
      { totp: { alg: 'md5' as 'sha1' } },
    ];
    for (const extra of bad)
      expect(() => createVerifyProvider(v.options(extra))).toThrow(expect.objectContaining({ code: 'BAD_CREDENTIALS' }));
    expect(() => createVerifyProvider(v.options({ accountSid: 'SK' + '1'.repeat(32) }))).not.toThrow();
  });

  test('identities: HMAC-SHA256 hex of the user id, stable, keyed, never the input', () => {
    const a = verifyIdentity('auth0|alice', v.IDENTITY_SECRET);
    expect(a).toBe(verifyIdentity('auth0|alice', v.IDENTITY_SECRET));
    expect(a).not.toBe(verifyIdentity('auth0|bob', v.IDENTITY_SECRET));
    expect(a).not.toBe(verifyIdentity('auth0|alice', `${v.IDENTITY_SECRET}x`));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(() => verifyIdentity('auth0|alice', 'short')).toThrow(RangeError);
    expect(() => verifyIdentity('', v.IDENTITY_SECRET)).toThrow(RangeError);
  });

  test('methods throw ProviderErrors only, even for bad arguments', async () => {
    expect(await codeOf(verify.enroll({ userId: '', email: 'a@b.c' }))).toBe('INVALID_REQUEST');
    const approved = { method: 'app' as const, result: { kind: 'code' as const, id: v.CHALLENGE_SID } };
    expect(await codeOf(verify.confirm(enrolled, approved, { maxAgeSeconds: 0 }))).toBe('INVALID_REQUEST');
  });
});
