/**
 * What `enroll-2fa` writes on one user (pure): the enrollment in the Action's format
 * (lib/enrollment.ts enrollmentPatch), the previous value of every key it touches, and the
 * Authy id the user is enrolled with today, if any (the tool refuses those unless --force).
 */
import { enrollmentPatch, readEnrollment } from '../../lib/enrollment';
import { previousValues } from './plan-migration';

export interface EnrollmentChange {
  /** Sent as `{ app_metadata: patch }`. */
  patch: Record<string, unknown>;
  /** Value of each patched key before the change (null: absent). */
  previous: Record<string, unknown>;
  /** The Authy id the user is enrolled with now (current or rule-era shape), or null. */
  enrolledAuthyId: string | null;
}

/** Shown in the dry run, where no Authy user exists yet. */
export const AUTHY_ID_PENDING = '(from Authy)';

export function planEnrollment(appMetadata: Record<string, unknown>, authyId: string, nowIso: string): EnrollmentChange {
  const patch = enrollmentPatch(appMetadata, authyId, nowIso);
  return { patch, previous: previousValues(appMetadata, patch), enrolledAuthyId: readEnrollment(appMetadata).authyId };
}
