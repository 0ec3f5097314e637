/**
 * "Remember this device" on the forms server: the device cookie and the two moments it matters.
 *
 * - The cookie: `__Host-authy2fa_device_<tag>` (the tag a keyed hash of tenant and user, so that
 *   several users of one browser each keep their own), value `v1.<id>.<secret>`
 *   (lib/remembered-devices.ts); HttpOnly, Secure, SameSite=Lax, Path=/, for REMEMBER_DAYS days.
 *   Browsers treat http://localhost as secure, so the sandbox keeps Secure too.
 * - At the start of a login (routes/entry.ts): when the outbound token lists the cookie's device,
 *   the page is skipped and a `remembered` result carrying the id and secret goes back at once.
 *   Whether that passes is the Action's decision (it holds the hash and the expiry).
 * - After a right code with the box ticked (render.ts): a new device secret in the cookie, and
 *   its hash (never the secret) in the signed success, for the Action to store.
 */
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  DAY_MS,
  deviceCookieValue,
  deviceHash,
  deviceLabel,
  newDeviceCredential,
  parseDeviceCookieValue,
  type DeviceCredential,
} from '../../lib/remembered-devices';
import type { DeviceRegistration, OutboundToken, ResultOutcome } from '../../lib/token-contract';
import type { FormsServerConfig } from '../config';
import type { VisitRemember } from '../visit/visit';

const COOKIE_PREFIX = '__Host-authy2fa_device_';
const MAX_COOKIE_HEADER = 8192;

/** The cookie's name for this user of this tenant: no user id in it, and another user's cookie is never read. */
export function deviceCookieName(sharedSecret: string, tenantIssuer: string, userId: string): string {
  const tag = createHmac('sha256', sharedSecret).update(`device-cookie\0${tenantIssuer}\0${userId}`, 'utf8').digest('base64url');
  return `${COOKIE_PREFIX}${tag.slice(0, 22)}`;
}

/** The device in this user's cookie, or null (absent or malformed). */
export function readDeviceCookie(request: FastifyRequest, name: string): DeviceCredential | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > MAX_COOKIE_HEADER) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    return parseDeviceCookieValue(part.slice(eq + 1).trim());
  }
  return null;
}

function setDeviceCookie(reply: FastifyReply, name: string, credential: DeviceCredential, days: number): void {
  const maxAge = Math.floor((days * DAY_MS) / 1000);
  reply.header('set-cookie', `${name}=${deviceCookieValue(credential)}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Lax`);
}

/** The days to offer: both sides must have it on, and the shorter setting wins (the Action enforces its own anyway). */
export function offeredRememberDays(config: Pick<FormsServerConfig, 'rememberDays'>, outbound: OutboundToken): number | null {
  const mine = config.rememberDays ?? null;
  const action = outbound.rememberDays ?? null;
  return mine !== null && action !== null ? Math.min(mine, action) : null;
}

/** A `remembered` result when this browser holds one of the devices the outbound token lists; else null. */
export function rememberedOutcome(request: FastifyRequest, config: FormsServerConfig, outbound: OutboundToken): ResultOutcome | null {
  const listed = outbound.deviceIds ?? [];
  if (offeredRememberDays(config, outbound) === null || listed.length === 0) return null;
  const device = readDeviceCookie(request, deviceCookieName(config.sharedSecret, outbound.tenantIssuer, outbound.userId));
  if (!device || !listed.includes(device.id)) return null;
  return { kind: 'remembered', deviceId: device.id, deviceSecret: device.secret };
}

/**
 * For a success with the box ticked: a new device in this browser's cookie, and what the signed
 * result carries (its id and hash). Null when there is nothing to remember.
 */
export function rememberThisDevice(
  reply: FastifyReply,
  visit: { userId: string; remember?: VisitRemember | null; outcome: ResultOutcome | null },
  nowMs: number,
): DeviceRegistration | null {
  const kind = visit.outcome?.kind;
  const remember = visit.remember;
  if (!remember?.chosen || (kind !== 'verified' && kind !== 'verify-verified')) return null;
  const credential = newDeviceCredential();
  setDeviceCookie(reply, remember.cookie, credential, remember.days);
  // The label an admin sees: the browser family (from this request's User-Agent) and the date; nothing else of the request.
  return { id: credential.id, hash: deviceHash(visit.userId, credential), label: deviceLabel(reply.request.headers['user-agent'], nowMs) };
}

/** The visit's part at its start, or null when the box is not offered. */
export function visitRemember(config: FormsServerConfig, outbound: OutboundToken): VisitRemember | null {
  const days = offeredRememberDays(config, outbound);
  if (days === null) return null;
  return { days, cookie: deviceCookieName(config.sharedSecret, outbound.tenantIssuer, outbound.userId), chosen: false };
}
