/**
 * What the migration does to one user, decided from app_metadata and user_metadata alone
 * (pure: no I/O, no clock). The write is exactly `legacyMigrationPatch(app_metadata, now)`;
 * user_metadata is writable by the user, so an Authy id found there is never migrated: such
 * users are listed for re-enrollment with the reason.
 */
import {
  LEGACY_AUTHY_ID_KEY,
  LEGACY_MFA_KEY,
  legacyMigrationPatch,
  readEnrollment,
  readLegacyAuthyId,
  type EnrollmentSource,
} from '../../lib/enrollment';
import { isRecord } from '../../lib/is-record';
import type { AdminUser } from './management';

export type MigrationDecision =
  | { kind: 'migrate'; source: EnrollmentSource; patch: Record<string, unknown>; previous: Record<string, unknown> }
  | { kind: 'reenroll'; fields: string[]; reason: string }
  | { kind: 'invalid-legacy'; fields: string[]; reason: string }
  | { kind: 'current' }
  | { kind: 'none' };

export const REENROLL_REASON =
  'Authy data only in user_metadata, which the user can edit: not trusted as proof of enrollment; the user enrolls again at next login';
export const INVALID_LEGACY_REASON =
  'rule-era key in app_metadata without a valid Authy id: left unchanged; the user enrolls again at next login';

/**
 * The previous value of every key a patch touches, for the report. Auth0 cannot store a null
 * in app_metadata (null removes a key), so null here means "the key was absent".
 */
export function previousValues(appMetadata: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(patch)) previous[key] = key in appMetadata ? appMetadata[key] : null;
  return previous;
}

/** user_metadata keys that look like Authy state (names only; values are never reported). */
export function untrustedAuthyFields(userMetadata: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(userMetadata)) {
    if (/authy/i.test(key)) fields.push(`user_metadata.${key}`);
    else if (isRecord(value) && typeof value.provider === 'string' && value.provider.toLowerCase() === 'authy') {
      fields.push(`user_metadata.${key}`);
    }
  }
  return fields.sort();
}

function legacyKeysPresent(appMetadata: Record<string, unknown>): string[] {
  const keys: string[] = [];
  if (LEGACY_AUTHY_ID_KEY in appMetadata) keys.push(`app_metadata.${LEGACY_AUTHY_ID_KEY}`);
  const mfa = appMetadata[LEGACY_MFA_KEY];
  if (isRecord(mfa) && mfa.provider === 'authy') keys.push(`app_metadata.${LEGACY_MFA_KEY}`);
  return keys;
}

export function decideMigration(user: Pick<AdminUser, 'app_metadata' | 'user_metadata'>, nowIso: string): MigrationDecision {
  const appMetadata = user.app_metadata;
  const patch = legacyMigrationPatch(appMetadata, nowIso);
  if (patch && Object.keys(patch).length > 0) {
    return { kind: 'migrate', source: readEnrollment(appMetadata).source, patch, previous: previousValues(appMetadata, patch) };
  }
  const state = readEnrollment(appMetadata);
  if (state.source === 'current') return { kind: 'current' };
  const legacyKeys = legacyKeysPresent(appMetadata);
  if (legacyKeys.length > 0 && readLegacyAuthyId(appMetadata) === null) {
    return { kind: 'invalid-legacy', fields: legacyKeys, reason: INVALID_LEGACY_REASON };
  }
  const untrusted = untrustedAuthyFields(user.user_metadata);
  if (untrusted.length > 0) return { kind: 'reenroll', fields: untrusted, reason: REENROLL_REASON };
  return { kind: 'none' };
}

export interface PlannedMigration {
  user_id: string;
  connection: string | null;
  source: EnrollmentSource;
  previous: Record<string, unknown>;
  patch: Record<string, unknown>;
}

export interface ListedUser {
  user_id: string;
  connection: string | null;
  fields: string[];
  reason: string;
}

export interface MigrationPlan {
  scanned: number;
  /** Already in the Action's shape, nothing to do. */
  current: number;
  /** No 2FA state at all. */
  none: number;
  migrate: PlannedMigration[];
  reenroll: ListedUser[];
  invalid: ListedUser[];
}

export function emptyPlan(): MigrationPlan {
  return { scanned: 0, current: 0, none: 0, migrate: [], reenroll: [], invalid: [] };
}

/** Adds one user to the plan (the export is streamed, so the plan is built user by user). */
export function addToPlan(plan: MigrationPlan, user: AdminUser, nowIso: string): void {
  plan.scanned += 1;
  const decision = decideMigration(user, nowIso);
  const base = { user_id: user.user_id, connection: user.connection };
  switch (decision.kind) {
    case 'migrate':
      plan.migrate.push({ ...base, source: decision.source, previous: decision.previous, patch: decision.patch });
      break;
    case 'reenroll':
      plan.reenroll.push({ ...base, fields: decision.fields, reason: decision.reason });
      break;
    case 'invalid-legacy':
      plan.invalid.push({ ...base, fields: decision.fields, reason: decision.reason });
      break;
    case 'current':
      plan.current += 1;
      break;
    case 'none':
      plan.none += 1;
      break;
  }
}
