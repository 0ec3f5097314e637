/**
 * The 2FA state kept on the Auth0 user, in `app_metadata` (never `user_metadata`, which the
 * user can write). One key, `authy_2fa`, owned by this product. The rule-era shapes are read
 * too, so that users enrolled by the old rule are not asked to enroll again:
 *   - `app_metadata.authyID` (the 2016 guide's rule),
 *   - `app_metadata.mfa = { provider: "authy", payload: { id } }`.
 * The Action, the migration script and the admin tools all read and write through here.
 */
import { isRecord } from './is-record';
import { SID } from './providers/verify-http';

/** The app_metadata key this product owns. */
export const ENROLLMENT_KEY = 'authy_2fa';
/** Rule-era keys, read for compatibility and removed once rewritten in the current shape. */
export const LEGACY_AUTHY_ID_KEY = 'authyID';
export const LEGACY_MFA_KEY = 'mfa';

/** The providers a stored enrollment may name. */
export type StoredProvider = 'authy' | 'verify';

/** What `app_metadata.authy_2fa` holds. */
export interface StoredEnrollment {
  v: 1;
  /**
   * Who the user is enrolled with. Absent means Authy: every record written before Verify, and
   * every Authy record since (so they stay byte for byte what they were). Any other value is refused.
   */
  provider?: StoredProvider;
  /** Authy user id; present once the user has proved a first code. */
  authy_id?: string;
  /**
   * Twilio Verify: the TOTP factor (YF...), present once the user has proved a first code. The
   * Entity identity is never stored: it is recomputed from the user id with VERIFY_IDENTITY_KEY.
   */
  verify_factor_sid?: string;
  /** ISO time of enrollment (or of migration, for rule-era users). */
  enrolled_at?: string;
  /** Wrong codes in a row, across logins. */
  failures: number;
  /** ISO time until which logins are refused; absent when not locked. */
  locked_until?: string;
  /** How the last successful second factor was given. */
  last_method?: string;
  /** Verify records moved from Authy by migrate-to-verify: when (authy_id is kept beside it until the Authy user is removed). */
  verify_migrated_at?: string;
}

export type EnrollmentSource = 'current' | 'legacy-authyID' | 'legacy-mfa' | 'none';

/** The user's 2FA state, read from app_metadata whatever shape it was stored in. */
export interface EnrollmentState {
  authyId: string | null;
  source: EnrollmentSource;
  failures: number;
  /** End of the lock, epoch milliseconds, or null. */
  lockedUntilMs: number | null;
  /** ISO time of enrollment, when stored in the current shape. */
  enrolledAt: string | null;
  /**
   * Absent: Authy (or not enrolled). 'verify': the record names Twilio Verify. 'unknown': the
   * record names a provider this code does not know, or a Verify record is malformed: refuse.
   */
  provider?: 'verify' | 'unknown';
  /** Twilio Verify TOTP factor SID (YF...), when enrolled with Verify. */
  verifyFactorSid?: string;
  /**
   * A Verify record written by `migrate-to-verify`: the Authy id the user came from and when, kept
   * by every later write until `migrate-to-verify --remove-from-authy` has removed the Authy user.
   */
  migratedFromAuthy?: { authyId: string; at: string };
}

/** The provider an enrollment state names: 'authy' when none is stored. */
export function enrollmentProvider(state: EnrollmentState): StoredProvider | 'unknown' {
  return state.provider ?? 'authy';
}

/** True when the user has proved a first code with some provider (Authy id or Verify factor). */
export function isEnrolled(state: EnrollmentState): boolean {
  return state.authyId !== null || state.verifyFactorSid !== undefined;
}

const AUTHY_ID = /^[0-9]{1,15}$/;

/** Authy ids are numbers; the old rule stored them as numbers or strings. Anything else is not an id. */
export function normalizeAuthyId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && AUTHY_ID.test(value) && !/^0+$/.test(value)) return value;
  return null;
}

function nonNegativeInt(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function isoToMillis(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** Reads the rule-era Authy id, if the user has one (the `mfa` shape wins over `authyID`). */
export function readLegacyAuthyId(appMetadata: unknown): { authyId: string; source: 'legacy-authyID' | 'legacy-mfa' } | null {
  if (!isRecord(appMetadata)) return null;
  const mfa = appMetadata[LEGACY_MFA_KEY];
  if (isRecord(mfa) && mfa.provider === 'authy' && isRecord(mfa.payload)) {
    const id = normalizeAuthyId(mfa.payload.id);
    if (id) return { authyId: id, source: 'legacy-mfa' };
  }
  const id = normalizeAuthyId(appMetadata[LEGACY_AUTHY_ID_KEY]);
  return id ? { authyId: id, source: 'legacy-authyID' } : null;
}

/** A record that names another provider than Authy: Verify with a well-formed factor SID, else refused. */
function verifyRecord(current: Record<string, unknown>): Pick<EnrollmentState, 'provider' | 'verifyFactorSid'> {
  if (current.provider !== 'verify') return { provider: 'unknown' };
  const sid = current.verify_factor_sid;
  if (sid === undefined) return { provider: 'verify' };
  return typeof sid === 'string' && SID.factor.test(sid) ? { provider: 'verify', verifyFactorSid: sid } : { provider: 'unknown' };
}

/** Reads the user's 2FA state from `app_metadata` (current shape first, then rule-era shapes). */
export function readEnrollment(appMetadata: unknown): EnrollmentState {
  const stored = isRecord(appMetadata) ? appMetadata[ENROLLMENT_KEY] : undefined;
  const current = isRecord(stored) ? stored : null;
  const failures = current ? nonNegativeInt(current.failures) : 0;
  const lockedUntilMs = current ? isoToMillis(current.locked_until) : null;
  const currentId = current ? normalizeAuthyId(current.authy_id) : null;
  const enrolledAt =
    current && typeof current.enrolled_at === 'string' && isoToMillis(current.enrolled_at) !== null ? current.enrolled_at : null;
  if (current && current.provider !== undefined && current.provider !== 'authy') {
    const at = current.verify_migrated_at;
    const migrated =
      currentId && typeof at === 'string' && isoToMillis(at) !== null ? { migratedFromAuthy: { authyId: currentId, at } } : {};
    return { ...verifyRecord(current), ...migrated, authyId: null, source: 'current', failures, lockedUntilMs, enrolledAt };
  }
  if (currentId) return { authyId: currentId, source: 'current', failures, lockedUntilMs, enrolledAt };
  const legacy = readLegacyAuthyId(appMetadata);
  if (legacy) return { authyId: legacy.authyId, source: legacy.source, failures, lockedUntilMs, enrolledAt: null };
  return { authyId: null, source: 'none', failures, lockedUntilMs, enrolledAt: null };
}

/** The state as it applies now: once a lock has ended, its failures no longer count. */
export function activeEnrollment(state: EnrollmentState, nowMs: number): EnrollmentState {
  if (state.lockedUntilMs !== null && state.lockedUntilMs <= nowMs) return { ...state, failures: 0, lockedUntilMs: null };
  return state;
}

/**
 * The top-level app_metadata keys to write so that a rule-era user is stored in the current
 * shape. Auth0 merges app_metadata key by key and a `null` value removes a key, so the result
 * can be sent as-is in a Management API PATCH or applied with `api.user.setAppMetadata`.
 * Returns null when there is nothing to migrate. An `mfa` key of another provider is kept.
 */
export function legacyMigrationPatch(appMetadata: unknown, nowIso: string): Record<string, unknown> | null {
  if (!isRecord(appMetadata)) return null;
  const state = readEnrollment(appMetadata);
  const legacy = readLegacyAuthyId(appMetadata);
  if (!legacy) return null;
  const patch: Record<string, unknown> = {};
  if (state.source !== 'current') {
    // Keep whatever the current key already holds (counters, last method): only the id is new.
    const existing = appMetadata[ENROLLMENT_KEY];
    const stored: StoredEnrollment = {
      ...(isRecord(existing) ? existing : {}),
      v: 1,
      authy_id: legacy.authyId,
      enrolled_at: nowIso,
      failures: state.failures,
    };
    if (state.lockedUntilMs !== null) stored.locked_until = new Date(state.lockedUntilMs).toISOString();
    patch[ENROLLMENT_KEY] = stored;
  }
  for (const key of legacyKeysToRemove(appMetadata)) patch[key] = null;
  return patch;
}

/** The rule-era keys present in app_metadata that hold Authy state (an `mfa` of another provider is not ours). */
export function legacyKeysToRemove(appMetadata: unknown): string[] {
  if (!isRecord(appMetadata)) return [];
  const keys: string[] = [];
  if (LEGACY_AUTHY_ID_KEY in appMetadata) keys.push(LEGACY_AUTHY_ID_KEY);
  const mfa = appMetadata[LEGACY_MFA_KEY];
  if (isRecord(mfa) && mfa.provider === 'authy') keys.push(LEGACY_MFA_KEY);
  return keys;
}

/**
 * The top-level app_metadata keys that enroll a user with `authyId` now, in the shape the
 * Action reads (used when an admin pre-enrolls a phone): a fresh `authy_2fa` with no failures
 * and no lock, and every rule-era Authy key removed. Sent as-is in a Management API PATCH.
 */
export function enrollmentPatch(appMetadata: unknown, authyId: string, enrolledAtIso: string): Record<string, unknown> {
  const stored: StoredEnrollment = { v: 1, authy_id: authyId, enrolled_at: enrolledAtIso, failures: 0 };
  const patch: Record<string, unknown> = { [ENROLLMENT_KEY]: stored };
  for (const key of legacyKeysToRemove(appMetadata)) patch[key] = null;
  return patch;
}
