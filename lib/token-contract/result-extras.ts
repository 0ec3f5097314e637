/**
 * What a successful result carries besides its outcome: the device the user asked to remember
 * (`remember_device_id`, `remember_device_hash`, `remember_device_label`) and recovery codes
 * (`recovery_hashes`, new codes; `recovery_code`, the code that allowed a new enrollment). Only a
 * success carries them; the reader refuses them on any other outcome.
 */
import type { JwtClaims } from '../jwt-hs256';
import { RECOVERY_CODE, hashRecoveryCodes, isRecoveryHashList } from '../recovery-codes';
import { DEVICE_HASH, DEVICE_ID, DEVICE_LABEL } from '../remembered-devices';
import { ContractError } from './common';
import { optionalStr, str } from './claims';
import { isSuccess, type ResultOutcome } from './outcome';

/**
 * A device to remember, carried by a success (claims `remember_device_id`, `remember_device_hash`,
 * `remember_device_label`): its hash, never its secret, and the label an admin sees (browser family and date).
 */
export interface DeviceRegistration {
  id: string;
  hash: string;
  label: string;
}

/**
 * What a result carries of recovery codes besides a `recovery` outcome, only with a success:
 * `codes`, new codes shown to the user (sent as their salted hashes, `recovery_hashes`), and
 * `code`, with a new enrollment: the recovery code that let the user set up this new phone or app
 * (`recovery_code`), which the Action checks and burns before the new enrollment replaces the old.
 */
export interface ResultRecovery {
  codes?: readonly string[] | null;
  code?: string | null;
}

/** What a result reads of these claims: null (or no entry) where a claim is absent. */
export interface ResultExtras {
  recoveryHashes: string[] | null;
  recoveryCode: string | null;
  rememberDevice: DeviceRegistration | null;
}

/** The claims of the extras for an outcome: none unless it is a success. */
export function extraClaims(
  outcome: ResultOutcome,
  rememberDevice: DeviceRegistration | null | undefined,
  recovery: ResultRecovery,
): JwtClaims {
  const claims: JwtClaims = {};
  if (!isSuccess(outcome)) return claims;
  if (rememberDevice) {
    claims.remember_device_id = rememberDevice.id;
    claims.remember_device_hash = rememberDevice.hash;
    claims.remember_device_label = rememberDevice.label;
  }
  if (recovery.codes && recovery.codes.length > 0) claims.recovery_hashes = hashRecoveryCodes(recovery.codes);
  if (recovery.code && outcome.enrolledNow) claims.recovery_code = recovery.code;
  return claims;
}

/** The device a success asks to remember: both claims or neither, and only on a success. */
function rememberDeviceClaims(claims: JwtClaims, outcome: ResultOutcome): DeviceRegistration | null {
  if (claims.remember_device_id === undefined && claims.remember_device_hash === undefined) return null;
  if (!isSuccess(outcome)) throw new ContractError('remember_device_id', 'not a success');
  return {
    id: str(claims, 'remember_device_id', DEVICE_ID),
    hash: str(claims, 'remember_device_hash', DEVICE_HASH),
    label: str(claims, 'remember_device_label', DEVICE_LABEL),
  };
}

/** Reads the extras of a result whose outcome is read already. Throws ContractError. */
export function parseExtras(claims: JwtClaims, outcome: ResultOutcome): ResultExtras {
  // Recovery codes besides the outcome, only with a success: new codes (`recovery_hashes`, a list of
  // well-formed distinct entries), and with a new enrollment, the recovery code that allowed it.
  const recoveryHashes = claims.recovery_hashes ?? null;
  if (recoveryHashes !== null && !(isSuccess(outcome) && isRecoveryHashList(recoveryHashes))) {
    throw new ContractError('recovery_hashes', 'bad');
  }
  const recoveryCode = outcome.kind === 'recovery' ? null : optionalStr(claims, 'recovery_code', RECOVERY_CODE);
  if (recoveryCode && !('enrolledNow' in outcome && outcome.enrolledNow)) throw new ContractError('recovery_code', 'bad');
  return { recoveryHashes, recoveryCode, rememberDevice: rememberDeviceClaims(claims, outcome) };
}
