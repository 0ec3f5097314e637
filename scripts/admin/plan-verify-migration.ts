/**
 * Pure decisions of `migrate-to-verify`: which users move from Authy to Twilio Verify, whether an
 * exported seed really is the user's (its code matches the one Authy returned), what to write in
 * app_metadata, and which migrated users may leave Authy (`--remove-from-authy`).
 *
 * The record (lib/enrollment.ts): `app_metadata.authy_2fa`, `provider` absent or 'authy' = Authy
 * (needs `authy_id`); 'verify' = Twilio Verify (`verify_factor_sid`). A migrated record keeps every
 * other field (failures, enrolled_at, locked_until, last_method) and `authy_id`, and gains
 * `verify_migrated_at`, so that `--remove-from-authy` can remove the Authy user once the user has
 * logged in with Verify.
 */
import { ENROLLMENT_KEY, LEGACY_AUTHY_ID_KEY, LEGACY_MFA_KEY, normalizeAuthyId } from '../../lib/enrollment';
import { isRecord } from '../../lib/is-record';
import { SID } from '../../lib/providers/verify-http';
import { base32Decode, matchingStep, totp, type TotpAlgorithm } from '../../lib/totp';
import type { AdminUser } from './management';

/** FriendlyName of the factors this tool creates (how a rerun recognises its own leftovers). */
export const MIGRATED_FACTOR_NAME = 'Authenticator app (from Authy)';

/** Where a user stands for the migration. */
export type VerifyMigrationClass =
  { kind: 'authy'; authyId: string } | { kind: 'verify' } | { kind: 'legacy' } | { kind: 'none' } | { kind: 'invalid'; reason: string };

/** Classifies one user's app_metadata (rule-era shapes are left to migrate-users). */
export function classifyForVerify(appMetadata: Record<string, unknown>): VerifyMigrationClass {
  const stored = appMetadata[ENROLLMENT_KEY];
  if (stored === undefined || stored === null) {
    if (appMetadata[LEGACY_AUTHY_ID_KEY] !== undefined || appMetadata[LEGACY_MFA_KEY] !== undefined) return { kind: 'legacy' };
    return { kind: 'none' };
  }
  if (!isRecord(stored)) return { kind: 'invalid', reason: 'app_metadata.authy_2fa is not an object' };
  const provider = stored.provider;
  if (provider === 'verify') return { kind: 'verify' };
  if (provider !== undefined && provider !== 'authy')
    return { kind: 'invalid', reason: 'app_metadata.authy_2fa names an unknown provider' };
  if (stored.authy_id === undefined) return { kind: 'none' };
  const authyId = normalizeAuthyId(stored.authy_id);
  if (authyId === null) return { kind: 'invalid', reason: 'app_metadata.authy_2fa.authy_id is not a valid Authy id' };
  return { kind: 'authy', authyId };
}

/** The TOTP parameters a seed is used with. */
export interface SeedParameters {
  digits: number;
  periodSeconds: number;
  algorithm: TotpAlgorithm;
}

/** An export as Authy returned it, parsed (authy-export.ts). Never logged, reported or checkpointed. */
export interface ExportedSeed {
  /** Base32, upper case, no padding. */
  secret: string;
  /** The current code Authy computed from it. */
  otp: string;
  parameters: SeedParameters;
}

/** Twilio Verify's documented ranges for a TOTP factor's Config (TimeStep 20-60 s, CodeLength 3-8). */
export function verifySupports(parameters: SeedParameters): boolean {
  return parameters.periodSeconds >= 20 && parameters.periodSeconds <= 60 && parameters.digits >= 3 && parameters.digits <= 8;
}

export type SeedCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether the exported seed, used with the exported parameters, gives the code Authy returned
 * (now, or one step either side: the export and this check do not run at the same instant).
 */
export function checkExportedSeed(seed: ExportedSeed, nowMs: number): SeedCheck {
  const { digits, periodSeconds, algorithm } = seed.parameters;
  if (!verifySupports(seed.parameters)) {
    return { ok: false, reason: `TOTP parameters Twilio Verify does not support (${digits} digits, ${periodSeconds} s)` };
  }
  if (seed.otp.length !== digits) return { ok: false, reason: 'the exported code does not have the exported number of digits' };
  let key: Buffer;
  try {
    key = base32Decode(seed.secret);
  } catch {
    return { ok: false, reason: 'the exported seed is not base32' };
  }
  if (key.length < 10) return { ok: false, reason: 'the exported seed is shorter than 80 bits' };
  const step = matchingStep(key, seed.otp, nowMs, digits, periodSeconds, { skew: 1, algorithm });
  if (step === null) return { ok: false, reason: 'the code computed from the exported seed does not match the code Authy returned' };
  return { ok: true };
}

/** The current code of the seed (to verify the new factor). */
export function currentCode(seed: ExportedSeed, nowMs: number): string {
  const { digits, periodSeconds, algorithm } = seed.parameters;
  return totp(base32Decode(seed.secret), nowMs, digits, periodSeconds, algorithm);
}

/** The app_metadata patch that moves a user to Verify, keeping every field of the record and authy_id. */
export function verifyMigrationPatch(
  appMetadata: Record<string, unknown>,
  factorSid: string,
  migratedAtIso: string,
): Record<string, unknown> {
  const stored = appMetadata[ENROLLMENT_KEY];
  if (!isRecord(stored)) throw new RangeError('no enrollment record to migrate');
  if (!SID.factor.test(factorSid)) throw new RangeError('not a factor SID');
  return { [ENROLLMENT_KEY]: { ...stored, provider: 'verify', verify_factor_sid: factorSid, verify_migrated_at: migratedAtIso } };
}

export type RemovalDecision =
  { kind: 'remove'; authyId: string; patch: Record<string, unknown> } | { kind: 'wait'; reason: string } | { kind: 'skip'; reason: string };

/**
 * `--remove-from-authy`: a user whose record names Verify, still carries an authy_id and a
 * `verify_migrated_at`, and whose `last_login` is after that time (so Verify has worked for them)
 * leaves Authy; the patch drops authy_id (and nothing else).
 */
export function removalDecision(user: Pick<AdminUser, 'app_metadata' | 'last_login'>): RemovalDecision {
  const stored = user.app_metadata[ENROLLMENT_KEY];
  if (!isRecord(stored) || stored.provider !== 'verify') return { kind: 'skip', reason: 'not enrolled with Verify' };
  if (typeof stored.verify_factor_sid !== 'string' || !SID.factor.test(stored.verify_factor_sid)) {
    return { kind: 'skip', reason: 'no Verify factor in the record' };
  }
  if (stored.authy_id === undefined) return { kind: 'skip', reason: 'no Authy id left' };
  const authyId = normalizeAuthyId(stored.authy_id);
  if (authyId === null) return { kind: 'skip', reason: 'the Authy id in the record is not valid' };
  const migratedAt = typeof stored.verify_migrated_at === 'string' ? Date.parse(stored.verify_migrated_at) : Number.NaN;
  if (Number.isNaN(migratedAt)) return { kind: 'skip', reason: 'no verify_migrated_at: not migrated by migrate-to-verify' };
  const lastLogin = user.last_login === undefined ? Number.NaN : Date.parse(user.last_login);
  if (Number.isNaN(lastLogin) || lastLogin <= migratedAt) return { kind: 'wait', reason: 'no login since the migration' };
  const { authy_id: _removed, ...rest } = stored;
  return { kind: 'remove', authyId, patch: { [ENROLLMENT_KEY]: rest } };
}

/** The previous value of each key a patch writes (null: absent), for the report. */
export function previousOf(appMetadata: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(patch).map((key) => [key, appMetadata[key] ?? null]));
}
