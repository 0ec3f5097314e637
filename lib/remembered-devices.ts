/**
 * "Remember this device": the device secret, its hash, the cookie value and the list the Action
 * keeps in `app_metadata.authy_2fa_devices`. Shared by the Action (which stores and checks),
 * the forms server (which sets the cookie) and the admin tools (which forget). node:crypto only:
 * the Action bundle includes this file.
 *
 * - The device secret is 32 random bytes (256 bits), base64url; with it a public device id
 *   (12 random bytes) that names the entry. The browser keeps both in one HttpOnly cookie,
 *   `v1.<id>.<secret>`.
 * - The Action stores only `v1.` + base64url(SHA-256(a fixed domain string, user id, id, secret)): a high-entropy
 *   secret needs no slow hash, and binding the user and the id means one entry cannot stand in for
 *   another. It compares hashes in constant time.
 * - Each entry has an expiry set by the Action from its own REMEMBER_DAYS, a short label (browser
 *   family and date, never the IP); expired entries are pruned and at most MAX_DEVICES are kept.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRecord } from './is-record';

/** The app_metadata key of the remembered devices (separate from `authy_2fa`, so no enrollment write drops it). */
export const DEVICES_KEY = 'authy_2fa_devices';
/** Version of the cookie value, the hash and the stored list. */
export const DEVICE_FORMAT = 'v1';
/** At most this many remembered devices per user: adding one more drops the oldest. */
export const MAX_DEVICES = 10;
/** REMEMBER_DAYS bounds (the Action and the forms server read the same setting). */
export const MIN_REMEMBER_DAYS = 1;
export const MAX_REMEMBER_DAYS = 90;
export const DAY_MS = 24 * 3600 * 1000;

export const DEVICE_ID = /^[A-Za-z0-9_-]{16}$/;
export const DEVICE_SECRET = /^[A-Za-z0-9_-]{43}$/;
export const DEVICE_HASH = /^v1\.[A-Za-z0-9_-]{43}$/;
export const DEVICE_LABEL = /^[A-Za-z0-9 ,.-]{1,40}$/;
const HASH_LABEL = 'authy2fa remembered device v1';

/** A new device: its public id and its secret (the secret lives only in the browser's cookie). */
export interface DeviceCredential {
  id: string;
  secret: string;
}

/** One remembered device, as stored. */
export interface StoredDevice {
  id: string;
  hash: string;
  label: string;
  created_at: string;
  expires_at: string;
}

export interface StoredDevices {
  v: 1;
  devices: StoredDevice[];
}

export function newDeviceCredential(): DeviceCredential {
  return { id: randomBytes(12).toString('base64url'), secret: randomBytes(32).toString('base64url') };
}

/** The hash the Action stores for this user's device. */
export function deviceHash(userId: string, credential: DeviceCredential): string {
  const digest = createHash('sha256').update(`${HASH_LABEL}\0${userId}\0${credential.id}\0${credential.secret}`, 'utf8').digest();
  return `${DEVICE_FORMAT}.${digest.toString('base64url')}`;
}

/** True when `credential` is the device stored as `hash` for this user (constant time; both are `v1.` + 43 characters). */
export function deviceMatches(userId: string, credential: DeviceCredential, hash: string): boolean {
  const expected = Buffer.from(hash);
  const given = Buffer.from(deviceHash(userId, credential));
  return DEVICE_HASH.test(hash) && expected.length === given.length && timingSafeEqual(expected, given);
}

/** The cookie value: `v1.<id>.<secret>`. */
export function deviceCookieValue(credential: DeviceCredential): string {
  return `${DEVICE_FORMAT}.${credential.id}.${credential.secret}`;
}

/** Reads a cookie value; anything but a well-formed current-format value is null. */
export function parseDeviceCookieValue(value: string): DeviceCredential | null {
  const parts = value.split('.');
  if (parts.length !== 3 || parts[0] !== DEVICE_FORMAT) return null;
  const [, id = '', secret = ''] = parts;
  return DEVICE_ID.test(id) && DEVICE_SECRET.test(secret) ? { id, secret } : null;
}

const FAMILIES: ReadonlyArray<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/(Chrome|Chromium|CriOS)\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];

/** The browser family of a User-Agent header ("Chrome", "Firefox", ...), or "Browser". Nothing else of it is kept. */
export function browserFamily(userAgent: unknown): string {
  if (typeof userAgent !== 'string' || userAgent.length > 1024) return 'Browser';
  for (const [pattern, family] of FAMILIES) if (pattern.test(userAgent)) return family;
  return 'Browser';
}

/** The label an admin sees: browser family and date, e.g. "Chrome, 2026-12-01". */
export function deviceLabel(userAgent: unknown, nowMs: number): string {
  return `${browserFamily(userAgent)}, ${new Date(nowMs).toISOString().slice(0, 10)}`;
}

function isoMs(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const text = (value: unknown, pattern: RegExp): boolean => typeof value === 'string' && pattern.test(value);

/** The remembered devices in app_metadata, oldest first; malformed entries (or a list of another version) count as none. */
export function readDevices(appMetadata: unknown): StoredDevice[] {
  const stored = isRecord(appMetadata) ? appMetadata[DEVICES_KEY] : undefined;
  if (!isRecord(stored) || stored.v !== 1 || !Array.isArray(stored.devices)) return [];
  return stored.devices
    .slice(0, 100)
    .flatMap((d: unknown) =>
      isRecord(d) &&
      text(d.id, DEVICE_ID) &&
      text(d.hash, DEVICE_HASH) &&
      text(d.label, DEVICE_LABEL) &&
      isoMs(d.created_at) !== null &&
      isoMs(d.expires_at) !== null
        ? [{ id: d.id, hash: d.hash, label: d.label, created_at: d.created_at, expires_at: d.expires_at } as StoredDevice]
        : [],
    );
}

/**
 * The devices that still count at `nowMs` (none when the feature is off): before their stored
 * expiry and less than REMEMBER_DAYS after they were remembered, whichever is first (so that
 * lowering the setting shortens devices remembered before); none remembered in the future.
 */
export function liveDevices(devices: readonly StoredDevice[], nowMs: number, rememberDays: number | null): StoredDevice[] {
  if (rememberDays === null) return [];
  return devices.filter((d) => {
    const created = isoMs(d.created_at) ?? Infinity;
    return created <= nowMs + 60_000 && Math.min(isoMs(d.expires_at) ?? 0, created + rememberDays * DAY_MS) > nowMs;
  });
}

/** The live devices plus a new one, newest last (the list is kept in the order devices were added), at most MAX_DEVICES. */
export function withDevice(devices: readonly StoredDevice[], added: StoredDevice, nowMs: number, rememberDays: number): StoredDevices {
  const kept = liveDevices(devices, nowMs, rememberDays).filter((d) => d.id !== added.id);
  return { v: 1, devices: [...kept, added].slice(-MAX_DEVICES) };
}

/** The entry the Action stores for a device remembered now. */
export function deviceEntry(id: string, hash: string, label: string, nowMs: number, rememberDays: number): StoredDevice {
  return {
    id,
    hash,
    label,
    created_at: new Date(nowMs).toISOString(),
    expires_at: new Date(nowMs + rememberDays * DAY_MS).toISOString(),
  };
}

/** The app_metadata patch that forgets every remembered device (Auth0 removes a key set to null). */
export function forgetDevicesPatch(): Record<string, null> {
  return { [DEVICES_KEY]: null };
}
