/**
 * "Remember this device" through the bundled Action in the fake Auth0 runtime. Result tokens are
 * signed with the real shared secret, as a forms server (or whoever stole its secret) would:
 * a `remembered` result passes only with the secret whose hash the Action stored, before its
 * expiry, while the list is there; a device is stored only after a success of that same login.
 */
import nock from 'nock';
import { DENY } from '../../actions/authy-2fa/src/deny';
import { DEVICES_KEY, deviceHash, newDeviceCredential, type DeviceCredential, type StoredDevice } from '../../lib/remembered-devices';
import type { DeviceRegistration, ResultOutcome } from '../../lib/token-contract';
import type { StoredUser } from '../../sandbox/tenant/post-login-runtime';
import { FORMS_ORIGIN, Login, loadBundledAction, resultFor, makeUser, redirectQuery, takeActionLines } from '../helpers/action';

const action = loadBundledAction();
const CLAIM = `${FORMS_ORIGIN}/second_factor`;
const DAY_MS = 24 * 3600 * 1000;
const REMEMBER = { REMEMBER_DAYS: '30' };
const ENROLLMENT = { v: 1, authy_id: '1234', enrolled_at: '2026-01-01T00:00:00.000Z', failures: 0 };

function entry(credential: DeviceCredential, userId: string, createdMs: number, days = 30): StoredDevice {
  return {
    id: credential.id,
    hash: deviceHash(userId, credential),
    label: 'Chrome, 2026-01-01',
    created_at: new Date(createdMs).toISOString(),
    expires_at: new Date(createdMs + days * DAY_MS).toISOString(),
  };
}

function userWith(devices: StoredDevice[] | null): StoredUser {
  const user = makeUser();
  return { ...user, app_metadata: { authy_2fa: ENROLLMENT, ...(devices ? { [DEVICES_KEY]: { v: 1, devices } } : {}) } };
}

function sign(login: Login, outcome: ResultOutcome, rememberDevice: DeviceRegistration | null = null): string {
  return resultFor(login, outcome, { rememberDevice });
}

const remembered = (credential: DeviceCredential): ResultOutcome => ({
  kind: 'remembered',
  deviceId: credential.id,
  deviceSecret: credential.secret,
});
const verified = (enrolledNow = false): ResultOutcome => ({
  kind: 'verified',
  method: 'app',
  authyId: '1234',
  enrolledNow,
  approvalUuid: null,
});

async function started(
  user: StoredUser,
  secrets: Record<string, string | undefined> = REMEMBER,
): Promise<{ login: Login; claims: Record<string, unknown> }> {
  const login = new Login(action, user, { secrets });
  const token = redirectQuery(await login.execute()).get('session_token') ?? '';
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  return { login, claims };
}

const mine = newDeviceCredential();

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function authyConfirmsEnrollment(): void {
  nock('https://api.authy.com')
    .get('/protected/json/users/1234/status')
    .reply(200, {
      status: { authy_id: 1234, confirmed: true, registered: true, devices: ['iphone'], account_disabled: false },
      success: true,
    });
}

describe('a remembered device at the start of a login', () => {
  test('the outbound token offers the box and lists the live devices by id, never by hash', async () => {
    const user = userWith([entry(mine, 'auth0|ana', Date.now() - DAY_MS)]);
    const { claims } = await started(user);
    expect(claims.remember_days).toBe(30);
    expect(claims.devices).toEqual([mine.id]);
    expect(JSON.stringify(claims)).not.toContain(deviceHash('auth0|ana', mine).slice(3));
  });

  test('expired devices are not listed; with REMEMBER_DAYS unset nothing is offered', async () => {
    const old = entry(newDeviceCredential(), 'auth0|ana', Date.now() - 31 * DAY_MS);
    expect((await started(userWith([old]))).claims.devices).toBeUndefined();
    const off = await started(userWith([entry(mine, 'auth0|ana', Date.now())]), { REMEMBER_DAYS: undefined });
    expect(off.claims.remember_days).toBeUndefined();
    expect(off.claims.devices).toBeUndefined();
  });
});

describe('a remembered result', () => {
  test('the stored device passes: claim method "remembered", the device recorded in the session', async () => {
    const { login } = await started(userWith([entry(mine, 'auth0|ana', Date.now() - DAY_MS)]));
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: sign(login, remembered(mine)) });
    expect(outcome.kind).toBe('allow');
    if (outcome.kind !== 'allow') return;
    expect(outcome.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'remembered' });
    expect(outcome.result.recordedMethods.map((m) => m.name)).toEqual([`${FORMS_ORIGIN}/remembered#${mine.id}`]);
    expect(takeActionLines().join('\n')).not.toContain(mine.secret);
  });

  test.each([
    [
      'a wrong secret for a stored id',
      () => ({ ...mine, secret: newDeviceCredential().secret }),
      () => [entry(mine, 'auth0|ana', Date.now())],
    ],
    ['an id that was never stored', () => newDeviceCredential(), () => [entry(mine, 'auth0|ana', Date.now())]],
    ['an expired device (the right secret)', () => mine, () => [entry(mine, 'auth0|ana', Date.now() - 31 * DAY_MS)]],
    ['a device past REMEMBER_DAYS although stored for longer', () => mine, () => [entry(mine, 'auth0|ana', Date.now() - 31 * DAY_MS, 90)]],
    ['a revoked device (the list forgotten)', () => mine, () => null],
    ["another user's device", () => mine, () => [entry(mine, 'auth0|someone-else', Date.now())]],
  ])('a forged result with a valid signature is denied: %s', async (_name, credential, devices) => {
    const { login } = await started(userWith(devices()));
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: sign(login, remembered(credential())) });
    expect(outcome.kind).toBe('deny');
    if (outcome.kind === 'deny') expect(outcome.reason).toBe(DENY.invalidResult);
  });

  test('with REMEMBER_DAYS unset the right device is denied too', async () => {
    const user = userWith([entry(mine, 'auth0|ana', Date.now())]);
    const login = new Login(action, user, { secrets: {} });
    expect((await login.execute()).kind).toBe('redirect');
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: sign(login, remembered(mine)) });
    expect(outcome.kind).toBe('deny');
  });

  test('a later login of the session passes while the device lives, and not once it is forgotten', async () => {
    const sessionMethods = [{ name: `${FORMS_ORIGIN}/remembered#${mine.id}`, timestamp: new Date().toISOString() }];
    const live = new Login(action, userWith([entry(mine, 'auth0|ana', Date.now())]), { secrets: REMEMBER, sessionMethods });
    const outcome = await live.execute();
    expect(outcome.kind).toBe('allow');
    if (outcome.kind === 'allow') expect(outcome.result.idTokenClaims[CLAIM]).toEqual({ provider: 'authy', method: 'remembered' });
    const forgotten = new Login(action, userWith(null), { secrets: REMEMBER, sessionMethods });
    expect((await forgotten.execute()).kind).toBe('redirect');
  });
});

describe('remembering a device', () => {
  test('stored after a success of that login, with the expiry of the Action, hash only', async () => {
    const { login } = await started(userWith(null));
    const before = Date.now();
    const registration = { id: mine.id, hash: deviceHash('auth0|ana', mine), label: 'Chrome, 2026-12-01' };
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: sign(login, verified(), registration) });
    expect(outcome.kind).toBe('allow');
    const stored = login.user.app_metadata[DEVICES_KEY] as { v: number; devices: StoredDevice[] };
    expect(stored.v).toBe(1);
    expect(stored.devices).toHaveLength(1);
    expect(stored.devices[0]).toMatchObject({
      id: mine.id,
      hash: registration.hash,
      label: 'Chrome, 2026-12-01',
    });
    const expires = Date.parse(stored.devices[0]?.expires_at ?? '');
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
    expect(JSON.stringify(login.user.app_metadata)).not.toContain(mine.secret);
  });

  test('a failed login stores nothing; REMEMBER_DAYS unset stores nothing', async () => {
    const registration = { id: mine.id, hash: deviceHash('auth0|ana', mine), label: 'Chrome, 2026-12-01' };
    const { login } = await started(userWith(null));
    const forged = sign(login, { ...verified(), authyId: '9999' } as ResultOutcome, registration);
    expect((await login.continueWith({ state: login.transaction.state, session_token: forged })).kind).toBe('deny');
    expect(login.user.app_metadata[DEVICES_KEY]).toBeUndefined();
    const off = new Login(action, userWith(null), { secrets: {} });
    await off.execute();
    await off.continueWith({ state: off.transaction.state, session_token: sign(off, verified(), registration) });
    expect(off.user.app_metadata[DEVICES_KEY]).toBeUndefined();
  });

  test('at most 10, the oldest dropped, expired ones pruned', async () => {
    const now = Date.now();
    const devices = Array.from({ length: 10 }, (_, i) => entry(newDeviceCredential(), 'auth0|ana', now - (20 - i) * DAY_MS));
    const expired = entry(newDeviceCredential(), 'auth0|ana', now - 40 * DAY_MS);
    const { login } = await started(userWith([expired, ...devices]));
    const registration = { id: mine.id, hash: deviceHash('auth0|ana', mine), label: 'Chrome, 2026-12-01' };
    await login.continueWith({ state: login.transaction.state, session_token: sign(login, verified(), registration) });
    const ids = (login.user.app_metadata[DEVICES_KEY] as { devices: StoredDevice[] }).devices.map((d) => d.id);
    expect(ids).toEqual([...devices.slice(1).map((d) => d.id), mine.id]);
  });

  test('a new enrollment forgets every older device', async () => {
    const user = makeUser({ app_metadata: { [DEVICES_KEY]: { v: 1, devices: [entry(mine, 'auth0|ana', Date.now())] } } });
    const { login } = await started(user);
    authyConfirmsEnrollment();
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: sign(login, verified(true)) });
    expect(outcome.kind).toBe('allow');
    if (outcome.kind === 'allow') expect(outcome.result.appMetadata[DEVICES_KEY]).toBeNull();
    expect(Object.hasOwn(login.user.app_metadata, DEVICES_KEY)).toBe(false);
    expect(nock.isDone()).toBe(true);
  });

  test('a new enrollment that ticks the box keeps only the device of that login', async () => {
    const user = makeUser({ app_metadata: { [DEVICES_KEY]: { v: 1, devices: [entry(newDeviceCredential(), 'auth0|ana', Date.now())] } } });
    const { login } = await started(user);
    authyConfirmsEnrollment();
    const registration = { id: mine.id, hash: deviceHash('auth0|ana', mine), label: 'Chrome, 2026-12-01' };
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: sign(login, verified(true), registration) });
    expect(outcome.kind).toBe('allow');
    expect((login.user.app_metadata[DEVICES_KEY] as { devices: StoredDevice[] }).devices.map((d) => d.id)).toEqual([mine.id]);
  });
});
