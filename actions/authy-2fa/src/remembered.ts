/**
 * "Remember this device" in the Action, as pure functions of plain facts (index.ts applies them).
 *
 * - At the start of a login the outbound token says whether the page offers the box
 *   (`remember_days`) and which remembered devices may skip it (their ids, never their hashes).
 * - A `remembered` result carries the device's id and secret; the Action hashes the secret and
 *   compares it with the stored hash, and checks the expiry against its own REMEMBER_DAYS. A
 *   valid signature alone is not enough: forging a pass needs a secret that only the browser holds.
 * - A success may carry a device to remember (its hash only): stored only once that success
 *   is confirmed, with the Action's own expiry. A new enrollment forgets every older device.
 * - An application that needs a fresh second factor (acr_values with the PAPE multi-factor
 *   policy) gets no remembered device and no earlier factor of the session.
 */
import type { Settings } from '../../../lib/action-settings';
import { isEnrolled, type EnrollmentState } from '../../../lib/enrollment';
import {
  deviceEntry,
  deviceMatches,
  liveDevices,
  withDevice,
  type StoredDevice,
  type StoredDevices,
} from '../../../lib/remembered-devices';
import type { DeviceRegistration, ResultToken } from '../../../lib/token-contract';
import { resultTokenProblem, type ResultTokenProblem } from './continue-decision';
import { DENY } from './deny';

/** The OpenID PAPE policy an application names in `acr_values` to ask for a fresh second factor. */
export const MFA_POLICY = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

/** The method recorded in the session for a login passed by a remembered device (the device id after `#`). */
export function rememberedMethodUrl(settings: Settings, deviceId: string): string {
  return `${settings.formsOrigin}/remembered#${deviceId}`;
}

/** True when the login asks for a fresh second factor: the PAPE multi-factor policy in `acr_values` (the transaction, else the query). */
export function freshFactorRequested(acrValues: unknown, queryAcrValues: unknown): boolean {
  const listed: unknown[] = Array.isArray(acrValues) ? acrValues : typeof queryAcrValues === 'string' ? queryAcrValues.split(' ') : [];
  return listed.includes(MFA_POLICY);
}

export interface RememberFacts {
  enrollment: EnrollmentState;
  /** The stored devices (lib/remembered-devices readDevices). */
  devices: readonly StoredDevice[];
  freshFactor: boolean;
  nowMs: number;
}

/** The outbound token's part: whether the page offers the box, and the devices that may skip it. */
export function outboundRemember(facts: RememberFacts, settings: Settings): { rememberDays: number | null; deviceIds: string[] } {
  const days = settings.rememberDays;
  if (days === null) return { rememberDays: null, deviceIds: [] };
  const usable = isEnrolled(facts.enrollment) && !facts.freshFactor;
  return { rememberDays: days, deviceIds: usable ? liveDevices(facts.devices, facts.nowMs, days).map((d) => d.id) : [] };
}

/** A live remembered device recorded in this session (null: none), for a later login of the session. */
export function rememberedSession(sessionMethods: readonly string[], facts: RememberFacts, settings: Settings): StoredDevice | null {
  if (settings.rememberDays === null || facts.freshFactor || !isEnrolled(facts.enrollment)) return null;
  const live = liveDevices(facts.devices, facts.nowMs, settings.rememberDays);
  return live.find((d) => sessionMethods.includes(rememberedMethodUrl(settings, d.id))) ?? null;
}

export type RememberedDenyWhy =
  ResultTokenProblem | 'not-offered' | 'locked-meanwhile' | 'device-unknown' | 'device-expired' | 'device-mismatch';

export type RememberedDecision =
  | { kind: 'deny'; why: RememberedDenyWhy; reason: string }
  /** `devices`: the list to write back (expired entries pruned), or null when nothing changed. */
  | { kind: 'allow'; deviceId: string; devices: StoredDevices | null };

export interface RememberedFacts extends RememberFacts {
  userId: string;
  tenantHost: string;
}

/** What to do with a `remembered` result that passed `validateToken`. Every branch but the last denies. */
export function decideRemembered(token: ResultToken, facts: RememberedFacts, settings: Settings): RememberedDecision {
  const deny = (why: RememberedDenyWhy): RememberedDecision => ({ kind: 'deny', why, reason: DENY.invalidResult });
  const problem = resultTokenProblem(token, facts, settings);
  if (problem) return deny(problem);
  const outcome = token.outcome;
  if (outcome.kind !== 'remembered') return deny('device-unknown');
  const days = settings.rememberDays;
  // Off, a fresh factor asked for, or no enrollment (a new one forgets the devices): no device counts.
  if (days === null || facts.freshFactor || !isEnrolled(facts.enrollment)) return deny('not-offered');
  if ((facts.enrollment.lockedUntilMs ?? 0) > facts.nowMs) return deny('locked-meanwhile');
  const device = facts.devices.find((d) => d.id === outcome.deviceId);
  if (!device) return deny('device-unknown');
  if (!deviceMatches(facts.userId, { id: outcome.deviceId, secret: outcome.deviceSecret }, device.hash)) return deny('device-mismatch');
  const live = liveDevices(facts.devices, facts.nowMs, days);
  if (!live.some((d) => d.id === device.id)) return deny('device-expired');
  return { kind: 'allow', deviceId: device.id, devices: live.length === facts.devices.length ? null : { v: 1, devices: live } };
}

/**
 * The devices to write after a confirmed success (undefined: leave them as they are; null: remove
 * them all). A new enrollment forgets the older devices; the device of this login is added when asked.
 */
export function devicesAfterSuccess(
  registration: DeviceRegistration | null | undefined,
  facts: RememberFacts & { enrolledNow: boolean },
  settings: Settings,
): StoredDevices | null | undefined {
  const days = settings.rememberDays;
  const before = facts.enrolledNow ? [] : facts.devices;
  if (registration && days !== null) {
    return withDevice(before, deviceEntry(registration.id, registration.hash, registration.label, facts.nowMs, days), facts.nowMs, days);
  }
  return facts.enrolledNow && facts.devices.length > 0 ? null : undefined;
}
