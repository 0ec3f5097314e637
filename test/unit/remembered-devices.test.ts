/** The device secret, its hash and the stored list (lib/remembered-devices.ts), and the Action's pure checks (remembered.ts). */
import { parseSettings } from '../../lib/action-settings';
import { readEnrollment } from '../../lib/enrollment';
import {
  DAY_MS,
  DEVICES_KEY,
  MAX_DEVICES,
  browserFamily,
  deviceCookieValue,
  deviceEntry,
  deviceHash,
  deviceMatches,
  liveDevices,
  newDeviceCredential,
  parseDeviceCookieValue,
  readDevices,
  withDevice,
  type StoredDevice,
} from '../../lib/remembered-devices';
import { RESULT_TTL_SECONDS, type ResultToken } from '../../lib/token-contract';
import {
  MFA_POLICY,
  decideRemembered,
  devicesAfterSuccess,
  freshFactorRequested,
  outboundRemember,
  type RememberedFacts,
} from '../../actions/authy-2fa/src/remembered';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const USER = 'auth0|ana';
const settings = (over: Record<string, string> = {}) =>
  parseSettings({
    FORMS_URL: 'https://2fa.example.com/2fa',
    SHARED_SECRET: 'unit-test-shared-secret-0123456789abcdef',
    AUTHY_API_KEY: 'k',
    REMEMBER_DAYS: '30',
    ...over,
  });

describe('the device secret and its hash', () => {
  test('256-bit secret, public id, versioned cookie value that parses back', () => {
    const credential = newDeviceCredential();
    expect(Buffer.from(credential.secret, 'base64url')).toHaveLength(32);
    expect(Buffer.from(credential.id, 'base64url')).toHaveLength(12);
    expect(deviceCookieValue(credential)).toBe(`v1.${credential.id}.${credential.secret}`);
    expect(parseDeviceCookieValue(deviceCookieValue(credential))).toEqual(credential);
    expect(newDeviceCredential().secret).not.toBe(credential.secret);
  });

  test.each([
    '',
    'v2.AAAAAAAAAAAAAAAA.' + 'a'.repeat(43),
    'v1.short.' + 'a'.repeat(43),
    'v1.AAAAAAAAAAAAAAAA.' + 'a'.repeat(42),
    'v1.a.b.c',
  ])('a malformed cookie value is no device: %p', (value) => {
    expect(parseDeviceCookieValue(value)).toBeNull();
  });

  test('the hash is versioned, deterministic, and binds the user, the id and the secret', () => {
    const credential = newDeviceCredential();
    const hash = deviceHash(USER, credential);
    expect(hash).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
    expect(deviceHash(USER, credential)).toBe(hash);
    expect(hash).not.toContain(credential.secret);
    expect(deviceMatches(USER, credential, hash)).toBe(true);
    expect(deviceMatches('auth0|other', credential, hash)).toBe(false);
    expect(deviceMatches(USER, { ...credential, secret: newDeviceCredential().secret }, hash)).toBe(false);
    expect(deviceMatches(USER, { ...credential, id: newDeviceCredential().id }, hash)).toBe(false);
    expect(deviceMatches(USER, credential, hash.replace('v1.', 'v2.'))).toBe(false);
    expect(deviceMatches(USER, credential, 'v1.short')).toBe(false);
  });

  test('the label is the browser family only', () => {
    const ua = (s: string) => `Mozilla/5.0 (X11; Linux x86_64) ${s}`;
    expect(browserFamily(ua('AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'))).toBe('Chrome');
    expect(browserFamily(ua('AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36'))).toBe('Chrome');
    expect(browserFamily(ua('Gecko/20100101 Firefox/133.0'))).toBe('Firefox');
    expect(browserFamily(ua('Chrome/131.0 Safari/537.36 Edg/131.0'))).toBe('Edge');
    expect(browserFamily('Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1')).toBe('Safari');
    expect(browserFamily(undefined)).toBe('Browser');
    expect(browserFamily('x'.repeat(2000))).toBe('Browser');
  });
});

describe('the stored list', () => {
  const device = (createdMs: number, days = 30) =>
    deviceEntry(newDeviceCredential().id, deviceHash(USER, newDeviceCredential()), 'Chrome, 2026-12-01', createdMs, days);

  test('malformed entries, or a list of another version, count as no device', () => {
    const good = device(NOW);
    const metadata = { [DEVICES_KEY]: { v: 1, devices: [good, { ...good, hash: 'plain' }, { ...good, label: '<script>' }, 'x', null] } };
    expect(readDevices(metadata)).toEqual([good]);
    expect(readDevices({ [DEVICES_KEY]: { v: 2, devices: [good] } })).toEqual([]);
    expect(readDevices({ [DEVICES_KEY]: [good] })).toEqual([]);
    expect(readDevices(undefined)).toEqual([]);
  });

  test('a device counts until its expiry or REMEMBER_DAYS after it was stored, whichever is first; none when off', () => {
    const d = device(NOW - 10 * DAY_MS, 90);
    expect(liveDevices([d], NOW, 30)).toEqual([d]);
    expect(liveDevices([d], NOW, 9)).toEqual([]);
    expect(liveDevices([d], NOW + 81 * DAY_MS, 90)).toEqual([]);
    expect(liveDevices([d], NOW, null)).toEqual([]);
    expect(liveDevices([device(NOW + DAY_MS)], NOW, 30)).toEqual([]);
  });

  test('adding keeps at most 10, drops the oldest, prunes the expired', () => {
    const expired = device(NOW - 40 * DAY_MS);
    const devices: StoredDevice[] = Array.from({ length: MAX_DEVICES }, (_, i) => device(NOW - (20 - i) * DAY_MS));
    const added = device(NOW);
    const result = withDevice([expired, ...devices], added, NOW, 30);
    expect(result.devices).toHaveLength(MAX_DEVICES);
    expect(result.devices.map((d) => d.id)).toEqual([...devices.slice(1), added].map((d) => d.id));
  });
});

describe("the Action's checks of a remembered result", () => {
  const credential = newDeviceCredential();
  const stored = deviceEntry(credential.id, deviceHash(USER, credential), 'Chrome, 2026-12-01', NOW - DAY_MS, 30);
  const enrolled = readEnrollment({ authy_2fa: { v: 1, authy_id: '1234', failures: 0 } });
  const facts = (over: Partial<RememberedFacts> = {}): RememberedFacts => ({
    userId: USER,
    tenantHost: 'tenant.example.com',
    enrollment: enrolled,
    devices: [stored],
    freshFactor: false,
    nowMs: NOW,
    ...over,
  });
  const token = (secret = credential.secret, id = credential.id, over: Partial<ResultToken> = {}): ResultToken => ({
    issuer: 'https://2fa.example.com',
    audience: 'tenant.example.com',
    userId: USER,
    state: 's',
    issuedAtSec: NOW / 1000,
    expiresAtSec: NOW / 1000 + RESULT_TTL_SECONDS,
    id: '00000000-0000-0000-0000-000000000000',
    outcome: { kind: 'remembered', deviceId: id, deviceSecret: secret },
    ...over,
  });

  test('the right secret of a live stored device passes', () => {
    expect(decideRemembered(token(), facts(), settings())).toEqual({ kind: 'allow', deviceId: credential.id, devices: null });
  });

  test('expired entries are pruned when a device passes', () => {
    const old = deviceEntry(
      newDeviceCredential().id,
      deviceHash(USER, newDeviceCredential()),
      'Firefox, 2026-01-01',
      NOW - 60 * DAY_MS,
      30,
    );
    expect(decideRemembered(token(), facts({ devices: [old, stored] }), settings())).toEqual({
      kind: 'allow',
      deviceId: credential.id,
      devices: { v: 1, devices: [stored] },
    });
  });

  test.each<[string, () => ReturnType<typeof decideRemembered>, string]>([
    ['wrong secret', () => decideRemembered(token(newDeviceCredential().secret), facts(), settings()), 'device-mismatch'],
    ['unknown id', () => decideRemembered(token(credential.secret, newDeviceCredential().id), facts(), settings()), 'device-unknown'],
    [
      'expired',
      () => decideRemembered(token(), facts({ devices: [{ ...stored, expires_at: new Date(NOW - 1).toISOString() }] }), settings()),
      'device-expired',
    ],
    ['REMEMBER_DAYS lowered below its age', () => decideRemembered(token(), facts(), settings({ REMEMBER_DAYS: '1' })), 'device-expired'],
    ['revoked (no list)', () => decideRemembered(token(), facts({ devices: [] }), settings()), 'device-unknown'],
    ['feature off', () => decideRemembered(token(), facts(), settings({ REMEMBER_DAYS: '' })), 'not-offered'],
    ['fresh factor asked', () => decideRemembered(token(), facts({ freshFactor: true }), settings()), 'not-offered'],
    ['not enrolled', () => decideRemembered(token(), facts({ enrollment: readEnrollment({}) }), settings()), 'not-offered'],
    [
      'locked',
      () => decideRemembered(token(), facts({ enrollment: { ...enrolled, lockedUntilMs: NOW + 60_000 } }), settings()),
      'locked-meanwhile',
    ],
    [
      'another issuer',
      () => decideRemembered(token(undefined, undefined, { issuer: 'https://evil.example' }), facts(), settings()),
      'issuer',
    ],
    ['another user', () => decideRemembered(token(undefined, undefined, { userId: 'auth0|eve' }), facts(), settings()), 'subject'],
  ])('denied: %s', (_name, decide, why) => {
    expect(decide()).toMatchObject({ kind: 'deny', why });
  });

  test('the outbound part lists live devices only for an enrolled user, none for a fresh factor', () => {
    expect(outboundRemember(facts(), settings())).toEqual({ rememberDays: 30, deviceIds: [credential.id] });
    expect(outboundRemember(facts({ freshFactor: true }), settings())).toEqual({ rememberDays: 30, deviceIds: [] });
    expect(outboundRemember(facts({ enrollment: readEnrollment({}) }), settings())).toEqual({ rememberDays: 30, deviceIds: [] });
    expect(outboundRemember(facts(), settings({ REMEMBER_DAYS: '' }))).toEqual({ rememberDays: null, deviceIds: [] });
  });

  test('after a success: the new device with the Action own expiry; a new enrollment forgets the rest', () => {
    const added = { id: newDeviceCredential().id, hash: deviceHash(USER, newDeviceCredential()), label: 'Chrome, 2026-12-01' };
    const base = facts();
    const kept = devicesAfterSuccess(added, { ...base, enrolledNow: false }, settings());
    expect(kept?.devices.map((d) => d.id)).toEqual([credential.id, added.id]);
    expect(kept?.devices[1]?.expires_at).toBe(new Date(NOW + 30 * DAY_MS).toISOString());
    expect(devicesAfterSuccess(added, { ...base, enrolledNow: true }, settings())?.devices.map((d) => d.id)).toEqual([added.id]);
    expect(devicesAfterSuccess(null, { ...base, enrolledNow: true }, settings())).toBeNull();
    expect(devicesAfterSuccess(null, { ...base, enrolledNow: false }, settings())).toBeUndefined();
    expect(devicesAfterSuccess(added, { ...base, enrolledNow: false }, settings({ REMEMBER_DAYS: '' }))).toBeUndefined();
  });

  test('a fresh factor: the PAPE multi-factor policy in acr_values (the transaction list, else the request query)', () => {
    expect(freshFactorRequested([MFA_POLICY], undefined)).toBe(true);
    expect(freshFactorRequested(undefined, `urn:x ${MFA_POLICY}`)).toBe(true);
    expect(freshFactorRequested(['urn:other'], MFA_POLICY)).toBe(false);
    expect(freshFactorRequested(undefined, undefined)).toBe(false);
  });
});

describe('REMEMBER_DAYS', () => {
  test('off by default, 1 to 90, anything else names the setting', () => {
    expect(settings({ REMEMBER_DAYS: '' }).rememberDays).toBeNull();
    expect(settings({ REMEMBER_DAYS: '1' }).rememberDays).toBe(1);
    expect(settings({ REMEMBER_DAYS: '90' }).rememberDays).toBe(90);
    for (const bad of ['0', '91', 'x', '1.5']) expect(() => settings({ REMEMBER_DAYS: bad })).toThrow(/REMEMBER_DAYS/);
  });
});
