/**
 * The one provider contract (test/helpers/provider-contract.ts) against both implementations, over
 * real local sockets on 127.0.0.1: the Authy adapter against the Authy emulator, the Verify
 * provider against the Verify emulator. Then what only one of them has.
 */
import type { FastifyInstance } from 'fastify';
import { AuthyError, type AuthyErrorCode } from '../../lib/authy-client';
import { createAuthyProvider, fromAuthyError } from '../../lib/providers/authy';
import type { Enrollment } from '../../lib/providers/types';
import { createVerifyProvider } from '../../lib/providers/verify';
import { base32Decode, totp } from '../../lib/totp';
import { buildAuthyEmulator } from '../../sandbox/authy-emulator/app';
import type { PhoneView } from '../../sandbox/authy-emulator/emulator';
import { buildVerifyEmulator, type VerifyEmulatorOptions } from '../../sandbox/verify-emulator/app';
import type { VerifyPhoneView } from '../../sandbox/verify-emulator/views/phone-page';
import { HANG_MS, MOBILE, TIMEOUT_MS, otherCode, providerContract, type ContractWorld, type FaultKind } from '../helpers/provider-contract';
import { ACCOUNT_SID, AUTH_TOKEN, IDENTITY_SECRET, SERVICE_SID, basic, codeOf } from '../helpers/verify';

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
const AUTHY_KEY = 'contract-authy-key';

function faultBody(kind: FaultKind): string {
  return JSON.stringify({
    kind,
    ...(kind === 'hang' ? { delay_ms: HANG_MS } : {}),
    ...(kind === 'server_error' ? { status: 503 } : {}),
  });
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

async function authyWorld(): Promise<ContractWorld> {
  let clock = START;
  const app = await buildAuthyEmulator({ apiKey: AUTHY_KEY, now: () => clock });
  const base = await listen(app);
  const phones = async () => ((await (await fetch(`${base}/phone.json`)).json()) as { phones: PhoneView[] }).phones;
  const authyId = (enrollment: Enrollment) => (enrollment.provider === 'authy' ? Number(enrollment.authyId) : NaN);
  return {
    provider: createAuthyProvider({ apiKey: AUTHY_KEY, baseUrl: base, timeoutMs: TIMEOUT_MS }),
    withWrongCredentials: createAuthyProvider({ apiKey: 'wrong-key', baseUrl: base, timeoutMs: TIMEOUT_MS }),
    appCode: async ({ enrollment }) => (await phones()).find((p) => p.authy_id === authyId(enrollment))!.app_code,
    sentCode: async (phone, channel) => {
      const view = (await phones()).find((p) => p.country_code === phone.countryCode && p.phone === phone.national)!;
      return view.messages.find((m) => m.channel === channel)!.code;
    },
    answerPush: async (id, decision) => {
      const response = await fetch(`${base}/phone/approval/${id}/${decision}`, { method: 'POST', redirect: 'manual' });
      expect(response.status).toBe(303);
    },
    fault: async (kind) => {
      const headers = { 'x-authy-api-key': AUTHY_KEY, 'content-type': 'application/json' };
      expect((await fetch(`${base}/__emulator/faults`, { method: 'POST', headers, body: faultBody(kind) })).ok).toBe(true);
    },
    advance: (ms) => {
      clock += ms;
    },
    close: () => app.close(),
  };
}

async function verifyWorld(extra: Partial<VerifyEmulatorOptions> = {}): Promise<ContractWorld> {
  let clock = START;
  const now = () => clock;
  const app = await buildVerifyEmulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, serviceSid: SERVICE_SID, now, ...extra });
  const base = await listen(app);
  const settings = {
    accountSid: ACCOUNT_SID,
    serviceSid: SERVICE_SID,
    identitySecret: IDENTITY_SECRET,
    baseUrl: `${base}/v2`,
    timeoutMs: TIMEOUT_MS,
    now,
  };
  const phone = async () => (await (await fetch(`${base}/phone.json`)).json()) as VerifyPhoneView;
  return {
    provider: createVerifyProvider({ ...settings, authToken: AUTH_TOKEN }),
    withWrongCredentials: createVerifyProvider({ ...settings, authToken: 'wrong-token' }),
    // What an authenticator app does with the enrollment's QR code: RFC 6238 on the secret.
    appCode: async ({ totp: binding }) => totp(base32Decode(binding!.secret), clock, 6, 30),
    sentCode: async ({ countryCode, national }, channel) => {
      const view = (await phone()).phones.find((p) => p.to === `+${countryCode}${national}`)!;
      return view.messages.find((m) => m.channel === channel)!.code;
    },
    answerPush: async () => {
      throw new Error('the Verify emulator has no push');
    },
    fault: async (kind) => {
      const headers = { authorization: basic(ACCOUNT_SID, AUTH_TOKEN), 'content-type': 'application/json' };
      expect((await fetch(`${base}/__emulator/faults`, { method: 'POST', headers, body: faultBody(kind) })).ok).toBe(true);
    },
    advance: (ms) => {
      clock += ms;
    },
    close: () => app.close(),
  };
}

providerContract('Authy adapter on the Authy emulator', authyWorld);
providerContract('Verify provider on the Verify emulator', () => verifyWorld());

describe('Authy adapter only', () => {
  test('every AuthyError code has its ProviderError code', () => {
    const table: Record<AuthyErrorCode, string> = {
      WRONG_CODE: 'WRONG_CODE',
      CODE_REUSED: 'CODE_REUSED',
      BAD_API_KEY: 'BAD_CREDENTIALS',
      RATE_LIMITED: 'RATE_LIMITED',
      INVALID_PHONE: 'INVALID_PHONE',
      UNSUPPORTED_PHONE: 'UNSUPPORTED_PHONE',
      UNSUPPORTED_COUNTRY: 'UNSUPPORTED_PHONE',
      USER_NOT_FOUND: 'NOT_FOUND',
      INVALID_REQUEST: 'INVALID_REQUEST',
      TIMEOUT: 'UNAVAILABLE',
      UNAVAILABLE: 'UNAVAILABLE',
      BAD_RESPONSE: 'UNAVAILABLE',
    };
    for (const [code, expected] of Object.entries(table)) {
      const mapped = fromAuthyError(new AuthyError(code as AuthyErrorCode, 'm', 401, '60020'));
      expect(mapped).toMatchObject({ code: expected, provider: 'authy', status: 401, providerCode: '60020', timedOut: code === 'TIMEOUT' });
    }
    expect(fromAuthyError(new TypeError('boom'))).toMatchObject({ code: 'UNAVAILABLE' });
  });

  test('an SMS enrollment is confirmed without the app; a push of another user is a mismatch', async () => {
    const world = await authyWorld();
    try {
      const user = await world.provider.enroll({ userId: 'auth0|sms', email: 's@example.com', phone: MOBILE });
      await world.provider.sendCode(user.enrollment, 'sms');
      const approved = await world.provider.activate(user.enrollment, await world.sentCode(MOBILE, 'sms'), 'sms');
      await expect(world.provider.confirm(user.enrollment, approved, { maxAgeSeconds: 60 })).resolves.toEqual({ confirmed: true });
      const other: Enrollment = { provider: 'authy', authyId: '999' };
      const push = await world.provider.startPush(user.enrollment, { message: 'Sign in', secondsToExpire: 60 });
      await expect(world.provider.confirm(other, { method: 'push', ...push }, { maxAgeSeconds: 60 })).resolves.toEqual({
        confirmed: false,
        reason: 'mismatch',
      });
      expect(await codeOf(world.provider.pushStatus(other, push.result.id!))).toBe('NOT_FOUND');
    } finally {
      await world.close();
    }
  });
});

describe('Verify provider only', () => {
  test('5 wrong SMS codes use the verification up (MAX_ATTEMPTS); a fresh code needs a new verification later', async () => {
    const world = await verifyWorld();
    try {
      const user = await world.provider.enroll({ userId: 'auth0|max', email: 'm@example.com', phone: MOBILE, app: false });
      await world.provider.sendCode(user.enrollment, 'sms');
      const code = await world.sentCode(MOBILE, 'sms');
      for (let i = 0; i < 5; i += 1)
        expect(await codeOf(world.provider.checkCode(user.enrollment, otherCode(code), 'sms'))).toBe('WRONG_CODE');
      expect(await codeOf(world.provider.checkCode(user.enrollment, code, 'sms'))).toBe('MAX_ATTEMPTS');
      expect(await codeOf(world.provider.sendCode(user.enrollment, 'sms'))).toBe('MAX_ATTEMPTS');
      world.advance(600_000);
      await expect(world.provider.sendCode(user.enrollment, 'sms')).resolves.toBeUndefined();
    } finally {
      await world.close();
    }
  });

  test('confirm: a kept SMS verification confirms; an approval older than maxAgeSeconds is stale', async () => {
    const world = await verifyWorld({ keepApprovedVerifications: true });
    try {
      const user = await world.provider.enroll({ userId: 'auth0|kept', email: 'k@example.com', phone: MOBILE });
      await world.provider.sendCode(user.enrollment, 'call');
      const approved = await world.provider.activate(user.enrollment, await world.sentCode(MOBILE, 'call'), 'call');
      await expect(world.provider.confirm(user.enrollment, approved, { maxAgeSeconds: 60 })).resolves.toEqual({ confirmed: true });
      world.advance(61_000);
      await expect(world.provider.confirm(user.enrollment, approved, { maxAgeSeconds: 60 })).resolves.toEqual({
        confirmed: false,
        reason: 'stale',
      });
    } finally {
      await world.close();
    }
  });
});
