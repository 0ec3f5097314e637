/**
 * What reset and unlock change on one user (pure). Both answer null when there is nothing to
 * change, so the tools never send an empty or no-op PATCH.
 */
import { ENROLLMENT_KEY, LEGACY_AUTHY_ID_KEY, LEGACY_MFA_KEY, normalizeAuthyId, readEnrollment } from '../../lib/enrollment';
import { isRecord } from '../../lib/is-record';
import { DEVICES_KEY, forgetDevicesPatch } from '../../lib/remembered-devices';
import { previousValues } from './plan-migration';

export interface UserChange {
  /** Sent as `{ app_metadata: patch }`. */
  patch: Record<string, unknown>;
  /** Value of each patched key before the change (null: absent). */
  previous: Record<string, unknown>;
  /** Authy ids the user's state names (for --remove-from-authy). */
  authyIds: string[];
  /** Reset of a Verify user: the stored TOTP factor (for --remove-from-verify). */
  verifyFactorSid?: string;
}

/** Every Authy id stored for the user, current and rule-era, without duplicates. */
export function storedAuthyIds(appMetadata: Record<string, unknown>): string[] {
  const ids = new Set<string>();
  const state = readEnrollment(appMetadata);
  if (state.authyId) ids.add(state.authyId);
  const stored = appMetadata[ENROLLMENT_KEY];
  const currentId = isRecord(stored) ? normalizeAuthyId(stored.authy_id) : null;
  if (currentId) ids.add(currentId);
  const legacyId = normalizeAuthyId(appMetadata[LEGACY_AUTHY_ID_KEY]);
  if (legacyId) ids.add(legacyId);
  const mfa = appMetadata[LEGACY_MFA_KEY];
  if (isRecord(mfa) && mfa.provider === 'authy' && isRecord(mfa.payload)) {
    const mfaId = normalizeAuthyId(mfa.payload.id);
    if (mfaId) ids.add(mfaId);
  }
  return [...ids];
}

/** Reset: remove the enrollment, every rule-era Authy key and the remembered devices, so the next login enrolls again. */
export function planReset(appMetadata: Record<string, unknown>): UserChange | null {
  const patch: Record<string, unknown> = {};
  if (ENROLLMENT_KEY in appMetadata) patch[ENROLLMENT_KEY] = null;
  if (DEVICES_KEY in appMetadata) patch[DEVICES_KEY] = null;
  if (LEGACY_AUTHY_ID_KEY in appMetadata) patch[LEGACY_AUTHY_ID_KEY] = null;
  const mfa = appMetadata[LEGACY_MFA_KEY];
  // An `mfa` key of another provider is not ours to remove.
  if (isRecord(mfa) && mfa.provider === 'authy') patch[LEGACY_MFA_KEY] = null;
  if (Object.keys(patch).length === 0) return null;
  const state = readEnrollment(appMetadata);
  const factor = state.provider === 'verify' && state.verifyFactorSid ? { verifyFactorSid: state.verifyFactorSid } : {};
  return { patch, previous: previousValues(appMetadata, patch), authyIds: storedAuthyIds(appMetadata), ...factor };
}

/** Unlock: failures back to 0 and no lock; the rest of the enrollment is kept as stored. */
export function planUnlock(appMetadata: Record<string, unknown>): UserChange | null {
  const stored = appMetadata[ENROLLMENT_KEY];
  if (!isRecord(stored)) return null;
  const locked = 'locked_until' in stored;
  if (!locked && (stored.failures === undefined || stored.failures === 0)) return null;
  const { locked_until: _dropped, ...rest } = stored;
  const next = { ...rest, failures: 0 };
  const patch = { [ENROLLMENT_KEY]: next };
  return { patch, previous: previousValues(appMetadata, patch), authyIds: [] };
}

/** Forget devices: remove every remembered device, so each browser asks for a code again; the enrollment is kept. */
export function planForgetDevices(appMetadata: Record<string, unknown>): UserChange | null {
  if (!(DEVICES_KEY in appMetadata)) return null;
  const patch = forgetDevicesPatch();
  return { patch, previous: previousValues(appMetadata, patch), authyIds: [] };
}
