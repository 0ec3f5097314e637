/**
 * The Authy client against Authy's documented answers (nock). Payloads are shaped as Authy's
 * API reference shows them, including its quirks: `success` as the string "true" on verify,
 * 401 for a wrong code, `error_code` as a string.
 */
import nock from 'nock';
import { AuthyError, createAuthyClient } from '../../lib/authy-client';

const API = 'https://api.authy.com';
const KEY = 'test-api-key';
const authy = createAuthyClient({ apiKey: KEY, timeoutMs: 300 });

function err(code: string, message: string) {
  return { message, success: false, errors: { message }, error_code: code };
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return error instanceof AuthyError ? error.code : `not an AuthyError: ${String(error)}`;
  }
  return 'resolved';
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('registerUser', () => {
  test('posts the form fields Authy documents and returns the id', async () => {
    nock(API, { reqheaders: { 'x-authy-api-key': KEY } })
      .post('/protected/json/users/new', 'user%5Bemail%5D=ana%40example.com&user%5Bcellphone%5D=2015550123&user%5Bcountry_code%5D=1')
      .reply(200, { message: 'User created successfully.', user: { id: 1234 }, success: true });
    await expect(authy.registerUser({ email: 'ana@example.com', cellphone: '2015550123', countryCode: '1' })).resolves.toEqual({
      authyId: '1234',
    });
  });

  test('maps phone errors', async () => {
    nock(API).post('/protected/json/users/new').reply(400, err('60033', 'Phone number is invalid'));
    expect(await codeOf(authy.registerUser({ email: 'a@b.c', cellphone: '2015550123', countryCode: '1' }))).toBe('INVALID_PHONE');
    nock(API).post('/protected/json/users/new').reply(400, err('60082', 'Cannot send SMS to landline phone numbers'));
    expect(await codeOf(authy.registerUser({ email: 'a@b.c', cellphone: '2015550123', countryCode: '1' }))).toBe('UNSUPPORTED_PHONE');
  });

  test('never sends a malformed number', async () => {
    expect(await codeOf(authy.registerUser({ email: 'a@b.c', cellphone: '12ab', countryCode: '1' }))).toBe('INVALID_PHONE');
  });

  test('refuses an answer without a user id', async () => {
    nock(API).post('/protected/json/users/new').reply(200, { success: true, user: {} });
    expect(await codeOf(authy.registerUser({ email: 'a@b.c', cellphone: '2015550123', countryCode: '1' }))).toBe('BAD_RESPONSE');
  });
});

describe('verifyToken', () => {
  test('always sends force=true and accepts "is valid" with success "true"', async () => {
    nock(API, { reqheaders: { 'x-authy-api-key': KEY } })
      .get('/protected/json/verify/1234567/1234')
      .query({ force: 'true' })
      .reply(200, { message: 'Token is valid.', token: 'is valid', success: 'true' });
    await expect(authy.verifyToken('1234', '1234567')).resolves.toBeUndefined();
  });

  test('a 200 that does not say "is valid" is not valid', async () => {
    nock(API).get('/protected/json/verify/1234567/1234').query(true).reply(200, { success: 'true', token: 'is invalid' });
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('WRONG_CODE');
  });

  test('401 + 60020 is a wrong code, 60019 a reused code, 60001 a bad key', async () => {
    nock(API)
      .get('/protected/json/verify/1234567/1234')
      .query(true)
      .reply(401, { ...err('60020', 'Token is invalid'), token: 'is invalid' });
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('WRONG_CODE');
    nock(API).get('/protected/json/verify/1234567/1234').query(true).reply(401, err('60019', 'Token is invalid. Token was used recently'));
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('CODE_REUSED');
    nock(API).get('/protected/json/verify/1234567/1234').query(true).reply(401, err('60001', 'Invalid API key'));
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('BAD_API_KEY');
  });

  test('rate limiting, outages, timeouts and malformed JSON are named', async () => {
    nock(API).get('/protected/json/verify/1234567/1234').query(true).reply(429, err('60003', 'DoS protection'));
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('RATE_LIMITED');
    nock(API).get('/protected/json/verify/1234567/1234').query(true).reply(500, 'Internal Server Error');
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('UNAVAILABLE');
    nock(API).get('/protected/json/verify/1234567/1234').query(true).replyWithError('ECONNREFUSED');
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('UNAVAILABLE');
    nock(API).get('/protected/json/verify/1234567/1234').query(true).delay(1000).reply(200, { success: 'true', token: 'is valid' });
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('TIMEOUT');
    nock(API).get('/protected/json/verify/1234567/1234').query(true).reply(200, '{"success": "tr', { 'content-type': 'application/json' });
    expect(await codeOf(authy.verifyToken('1234', '1234567'))).toBe('BAD_RESPONSE');
  });

  test('malformed codes and ids never reach Authy', async () => {
    for (const code of ['', '12345', '123456789', 'abcdef', '123 456', '../../x'])
      expect(await codeOf(authy.verifyToken('1234', code))).toBe('WRONG_CODE');
    expect(await codeOf(authy.verifyToken('12/34', '1234567'))).toBe('INVALID_REQUEST');
  });
});

describe('sms and call', () => {
  test('send force=true and refuse an ignored request', async () => {
    nock(API)
      .get('/protected/json/sms/1234')
      .query({ force: 'true' })
      .reply(200, { success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX23' });
    await expect(authy.requestSms('1234')).resolves.toBeUndefined();
    nock(API)
      .get('/protected/json/call/1234')
      .query({ force: 'true' })
      .reply(200, { success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX23' });
    await expect(authy.requestCall('1234')).resolves.toBeUndefined();
    nock(API)
      .get('/protected/json/sms/1234')
      .query(true)
      .reply(200, { success: true, ignored: true, message: 'Ignored: SMS is not needed for smartphones.' });
    expect(await codeOf(authy.requestSms('1234'))).toBe('BAD_RESPONSE');
  });
});

describe('status, remove and OneTouch', () => {
  test('user status', async () => {
    nock(API)
      .get('/protected/json/users/1234/status')
      .reply(200, {
        status: {
          authy_id: 1234,
          confirmed: true,
          registered: true,
          country_code: 1,
          phone_number: 'XX-XXX-0123',
          devices: ['android'],
          has_hard_token: false,
          account_disabled: false,
        },
        message: 'User status.',
        success: true,
      });
    await expect(authy.userStatus('1234')).resolves.toEqual({
      authyId: '1234',
      registered: true,
      confirmed: true,
      accountDisabled: false,
      devices: ['android'],
      maskedPhone: 'XX-XXX-0123',
    });
  });

  test('a status without account_disabled counts as disabled (fail closed); another user is refused', async () => {
    nock(API)
      .get('/protected/json/users/1234/status')
      .reply(200, { status: { authy_id: 1234, registered: true }, success: true });
    await expect(authy.userStatus('1234')).resolves.toMatchObject({ accountDisabled: true });
    nock(API)
      .get('/protected/json/users/1234/status')
      .reply(200, { status: { authy_id: 9, registered: true, account_disabled: false }, success: true });
    expect(await codeOf(authy.userStatus('1234'))).toBe('BAD_RESPONSE');
  });

  test('unknown user', async () => {
    nock(API).get('/protected/json/users/1234/status').reply(404, err('60026', 'User not found'));
    expect(await codeOf(authy.userStatus('1234'))).toBe('USER_NOT_FOUND');
  });

  test('remove', async () => {
    nock(API).post('/protected/json/users/1234/remove').reply(200, { message: 'User removed from application', success: true });
    await expect(authy.removeUser('1234')).resolves.toBeUndefined();
  });

  test('approval requests', async () => {
    const uuid = '550e8400-e29b-41d4-a716-446655440000';
    nock(API)
      .post('/onetouch/json/users/1234/approval_requests', (body) => body.message === 'Sign in' && body.seconds_to_expire === '120')
      .reply(200, { approval_request: { uuid }, success: true });
    await expect(authy.createApprovalRequest('1234', { message: 'Sign in', secondsToExpire: 120 })).resolves.toEqual({ uuid });
    nock(API)
      .get(`/onetouch/json/approval_requests/${uuid}`)
      .reply(200, { approval_request: { uuid, status: 'approved', _authy_id: 1234, created_at: '2026-11-26T10:00:00Z' }, success: true });
    await expect(authy.approvalStatus(uuid)).resolves.toEqual({ uuid, status: 'approved', authyId: '1234' });
    nock(API)
      .get(`/onetouch/json/approval_requests/${uuid}`)
      .reply(200, { approval_request: { uuid, status: 'maybe' }, success: true });
    expect(await codeOf(authy.approvalStatus(uuid))).toBe('BAD_RESPONSE');
  });
});
