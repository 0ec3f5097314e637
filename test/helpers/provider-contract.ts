/**
 * The SecondFactorProvider contract (lib/providers/types.ts) as one suite, run against every
 * implementation over real sockets on 127.0.0.1 (test/integration/provider-contract.test.ts):
 * the Authy adapter against the Authy emulator, the Verify provider against the Verify emulator.
 * What differs between providers is read from `capabilities`, never from the provider's name.
 */
import type { Approved, Channel, Enrolled, Enrollment, PhoneNumber, SecondFactorProvider } from '../../lib/providers/types';
import { codeOf } from './verify';

export type FaultKind = 'rate_limit' | 'server_error' | 'malformed' | 'hang';

/** Provider timeout in the contract worlds, and how long a hung emulator answer takes (a little longer). */
export const TIMEOUT_MS = 1000;
export const HANG_MS = TIMEOUT_MS + 500;

/** One running emulator and a provider pointed at it. Its clock is the emulator's (and the provider's). */
export interface ContractWorld {
  provider: SecondFactorProvider;
  /** The same provider with a wrong key / token. */
  withWrongCredentials: SecondFactorProvider;
  /** The code the user's authenticator app shows now. */
  appCode(enrolled: Enrolled): Promise<string>;
  /** The last code delivered to this phone by that channel (the phone page). */
  sentCode(phone: PhoneNumber, channel: Channel): Promise<string>;
  /** Answers a push request on the phone (providers with push). */
  answerPush(id: string, decision: 'approve' | 'deny'): Promise<void>;
  /** The next provider call meets this fault (a hang outlasts the provider's timeout). */
  fault(kind: FaultKind): Promise<void>;
  advance(ms: number): void;
  close(): Promise<void>;
}

export const MOBILE: PhoneNumber = { countryCode: '1', national: '2015550123' };
export const OTHER_MOBILE: PhoneNumber = { countryCode: '44', national: '7700900123' };
/** A landline for both emulators (Authy: national 999...; Verify: +1999...). */
export const LANDLINE: PhoneNumber = { countryCode: '1', national: '9995550123' };

/** A code of the same length that is not this one. */
export function otherCode(code: string): string {
  const last = Number(code.slice(-1));
  return code.slice(0, -1) + String((last + 1) % 10);
}

/** The world of the running test (set in beforeEach). */
interface Suite {
  world: ContractWorld;
  provider: SecondFactorProvider;
}

const AGE = { maxAgeSeconds: 300 };

async function enrolled(s: Suite, userId = 'auth0|alice', phone: PhoneNumber = MOBILE): Promise<Enrolled> {
  const result = await s.provider.enroll({ userId, email: `${userId.slice(6)}@example.com`, phone });
  expect(result.enrollment.provider).toBe(s.provider.name);
  expect(Boolean(result.totp)).toBe(s.provider.capabilities.qrEnrollment);
  return result;
}

/** Enrolled and activated with an app code, the clock moved past that code. */
async function active(s: Suite, userId = 'auth0|alice'): Promise<Enrolled> {
  const result = await enrolled(s, userId);
  await s.provider.activate(result.enrollment, await s.world.appCode(result), 'app');
  s.world.advance(30_000);
  return result;
}

/** Enrollment, app codes, SMS and voice codes, and what confirm says about them. */
function codeTests(s: Suite): void {
  test('capabilities: app codes, SMS and voice everywhere', () => {
    const { provider } = s;
    expect(provider.capabilities).toMatchObject({ app: true, channels: ['sms', 'call'] });
  });

  test('enroll, then activate with the first app code; the Action can confirm the enrollment', async () => {
    const { world, provider } = s;
    const user = await enrolled(s);
    const code = await world.appCode(user);
    expect(await codeOf(provider.activate(user.enrollment, otherCode(code), 'app'))).toBe('WRONG_CODE');
    const approved = await provider.activate(user.enrollment, code, 'app');
    expect(approved).toMatchObject({ method: 'app', result: { kind: 'enrollment' } });
    expect(approved.enrollment).toEqual(user.enrollment);
    await expect(provider.confirm(user.enrollment, approved, AGE)).resolves.toEqual({ confirmed: true });
  });

  test('sign in with an app code; a code is never accepted twice', async () => {
    const { world, provider } = s;
    const user = await active(s);
    const code = await world.appCode(user);
    const approved = await provider.checkCode(user.enrollment, code, 'app');
    expect(approved).toMatchObject({ method: 'app', result: { kind: 'code' } });
    const confirmable = provider.capabilities.confirms.code.includes('app');
    const expected = confirmable ? { confirmed: true } : { confirmed: false, reason: 'unconfirmable' };
    await expect(provider.confirm(user.enrollment, approved, AGE)).resolves.toEqual(expected);
    expect(['CODE_REUSED', 'WRONG_CODE']).toContain(await codeOf(provider.checkCode(user.enrollment, code, 'app')));
    expect(await codeOf(provider.checkCode(user.enrollment, otherCode(await world.appCode(user)), 'app'))).toBe('WRONG_CODE');
  });

  test.each(['sms', 'call'] as const)('sign in with a code sent by %s', async (channel) => {
    const { world, provider } = s;
    const user = await active(s);
    await provider.sendCode(user.enrollment, channel);
    const code = await world.sentCode(MOBILE, channel);
    expect(await codeOf(provider.checkCode(user.enrollment, otherCode(code), channel))).toBe('WRONG_CODE');
    const approved: Approved = await provider.checkCode(user.enrollment, code, channel);
    expect(approved).toMatchObject({ method: channel, result: { kind: 'code' } });
    const confirmation = await provider.confirm(user.enrollment, approved, AGE);
    if (provider.capabilities.confirms.code.includes(channel)) expect(confirmation).toEqual({ confirmed: true });
    else expect(['unconfirmable', 'not_found']).toContain(confirmation.confirmed ? 'confirmed' : confirmation.reason);
    expect(['CODE_REUSED', 'WRONG_CODE', 'NOT_FOUND']).toContain(await codeOf(provider.checkCode(user.enrollment, code, channel)));
  });

  test("a result of another user's record never confirms for this one", async () => {
    const { world, provider } = s;
    const alice = await active(s, 'auth0|alice');
    const bob = await enrolled(s, 'auth0|bob-the-second', OTHER_MOBILE);
    const bobs = await provider.activate(bob.enrollment, await world.appCode(bob), 'app');
    await expect(provider.confirm(alice.enrollment, bobs, AGE)).resolves.toEqual({ confirmed: false, reason: 'mismatch' });
    const forged: Approved = { method: 'app', result: { kind: 'enrollment', id: '../../x' } };
    await expect(provider.confirm(alice.enrollment, forged, AGE)).resolves.toEqual({ confirmed: false, reason: 'mismatch' });
  });
}

/** Push where there is one; phone numbers that cannot be used. */
function pushAndPhoneTests(s: Suite): void {
  test('push: approve and deny on the phone, where the provider has push', async () => {
    const { world, provider } = s;
    const user = await active(s);
    const request = { message: 'Sign in to Demo', secondsToExpire: 120 };
    if (!provider.capabilities.push) {
      expect(await codeOf(provider.startPush(user.enrollment, request))).toBe('UNSUPPORTED');
      return;
    }
    const { result } = await provider.startPush(user.enrollment, request);
    const approved: Approved = { method: 'push', result };
    await expect(provider.pushStatus(user.enrollment, result.id!)).resolves.toBe('pending');
    await expect(provider.confirm(user.enrollment, approved, AGE)).resolves.toEqual({ confirmed: false, reason: 'pending' });
    await world.answerPush(result.id!, 'approve');
    await expect(provider.pushStatus(user.enrollment, result.id!)).resolves.toBe('approved');
    await expect(provider.confirm(user.enrollment, approved, AGE)).resolves.toEqual({ confirmed: true });
    const denied = (await provider.startPush(user.enrollment, request)).result;
    await world.answerPush(denied.id!, 'deny');
    await expect(provider.confirm(user.enrollment, { method: 'push', result: denied }, AGE)).resolves.toEqual({
      confirmed: false,
      reason: 'rejected',
    });
  });

  test('phones: malformed numbers are INVALID_PHONE, landlines UNSUPPORTED_PHONE (at enroll or at the SMS)', async () => {
    const { provider } = s;
    const bad = { countryCode: '1', national: '20a5550123' };
    expect(await codeOf(provider.enroll({ userId: 'auth0|x', email: 'x@example.com', phone: bad }))).toBe('INVALID_PHONE');
    // Authy refuses a landline at users/new; Verify only when an SMS is sent to it.
    const landline = async () => {
      const user = await provider.enroll({ userId: 'auth0|landline', email: 'l@example.com', phone: LANDLINE, app: false });
      await provider.sendCode(user.enrollment, 'sms');
    };
    expect(await codeOf(landline())).toBe('UNSUPPORTED_PHONE');
  });
}

/** The provider's failures, and removing a user. */
function failureTests(s: Suite): void {
  test("faults: the provider's rate limit, outages, malformed answers, timeouts, wrong credentials", async () => {
    const { world, provider } = s;
    const user = await active(s);
    const cases: [FaultKind, string][] = [
      ['rate_limit', 'RATE_LIMITED'],
      ['server_error', 'UNAVAILABLE'],
      ['malformed', 'UNAVAILABLE'],
      ['hang', 'UNAVAILABLE'],
    ];
    for (const [kind, expected] of cases) {
      await world.fault(kind);
      expect(await codeOf(provider.sendCode(user.enrollment, 'sms'))).toBe(expected);
    }
    // Let the emulator finish the hung request (HANG_MS) before going on: nothing is left in flight at close.
    await new Promise((resolve) => setTimeout(resolve, HANG_MS));
    await expect(provider.sendCode(user.enrollment, 'sms')).resolves.toBeUndefined();
    expect(await codeOf(world.withWrongCredentials.sendCode(user.enrollment, 'sms'))).toBe('BAD_CREDENTIALS');
  });

  test("remove: the user is gone, twice is fine; another provider's enrollment is refused", async () => {
    const { world, provider } = s;
    const user = await active(s);
    const code = await world.appCode(user);
    await expect(provider.remove(user.enrollment)).resolves.toBeUndefined();
    await expect(provider.remove(user.enrollment)).resolves.toBeUndefined();
    expect(await codeOf(provider.checkCode(user.enrollment, code, 'app'))).toBe('NOT_FOUND');
    const shapes: Enrollment[] = [
      { provider: 'verify', identity: 'a'.repeat(64), factorSid: null, phone: '+12015550123' },
      { provider: 'authy', authyId: '1' },
    ];
    const foreign = shapes.find((shape) => shape.provider !== provider.name)!;
    expect(await codeOf(provider.sendCode(foreign, 'sms'))).toBe('INVALID_REQUEST');
  });
}

export function providerContract(name: string, startWorld: () => Promise<ContractWorld>): void {
  describe(`SecondFactorProvider contract: ${name}`, () => {
    const s = {} as Suite;
    beforeEach(async () => {
      s.world = await startWorld();
      s.provider = s.world.provider;
    });
    afterEach(async () => s.world.close());
    codeTests(s);
    pushAndPhoneTests(s);
    failureTests(s);
  });
}
