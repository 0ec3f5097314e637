/**
 * Recovery codes in the Action (pure, like decide-continue.ts). The Action alone holds the codes'
 * hashes (`app_metadata.authy_2fa.recovery`): the forms server sends a typed code in a signed
 * `recovery` result, and the Action checks it against the hashes and burns it. So a leaked
 * forms-server secret cannot mint a recovery login: it would still need an unused code.
 *
 * - A wrong (or burned) code is denied and counts as a wrong code, in the same counter, with the
 *   same limit and lock as any code (the forms server only lets a recovery code through while the
 *   user is neither locked nor at the limit); a right one passes (method `recovery`), resets the
 *   failures and is removed.
 * - New codes arrive as hashes with a verified result only (a code the provider accepted) and
 *   replace the old ones; every other stored record keeps the codes it had.
 * - A recovery result may name a new phone (Authy id) or authenticator app (Verify factor), proved
 *   by its first right code: it replaces the enrollment only when the recovery code is right and
 *   the provider confirms it, as for any new enrollment (with the new codes that came with it).
 */
import type { Settings } from '../../../lib/action-settings';
import { ENROLLMENT_KEY, enrollmentProvider, isEnrolled, type EnrollmentState, type StoredEnrollment } from '../../../lib/enrollment';
import { isRecord } from '../../../lib/is-record';
import { matchRecoveryCode, readRecovery, type StoredRecovery } from '../../../lib/recovery-codes';
import type { ResultToken } from '../../../lib/token-contract';
import { secToMs } from '../../../lib/time';
import { resultTokenProblem, stored, type ContinueDecision, type ContinueDenyWhy, type ContinueFacts } from './continue-decision';
import { decideOnContinue } from './decide-continue';
import { DENY } from './deny';

/** The user's stored recovery codes (hashes), or null. */
export function storedRecovery(appMetadata: unknown): StoredRecovery | null {
  return readRecovery(isRecord(appMetadata) ? appMetadata[ENROLLMENT_KEY] : undefined);
}

/**
 * What to do with a result token, recovery codes included: decideOnContinue, or the `recovery`
 * outcome; then the codes' record in whatever is stored: a proved result's new codes, else the
 * record the decision set (a burned code), else the user's codes as they were.
 */
export function decideWithRecovery(
  token: ResultToken,
  facts: ContinueFacts,
  settings: Settings,
  recovery: StoredRecovery | null,
): ContinueDecision {
  const outcome = token.outcome;
  const code = outcome.kind === 'recovery' ? outcome.code : token.recoveryCode;
  const decision = code ? decideRecoveryCode(token, code, facts, settings, recovery) : decideOnContinue(token, facts, settings);
  const store = decision.store;
  if (!store) return decision;
  const hashes = decision.kind === 'allow' ? token.recoveryHashes : null;
  const record = hashes
    ? { v: 1 as const, alg: 'sha256' as const, hashes, issued_at: new Date(facts.nowMs).toISOString() }
    : (store.recovery ?? recovery);
  return record ? { ...decision, store: { ...store, recovery: record } } : decision;
}

/**
 * A recovery code: a `recovery` result, or a new enrollment (a new phone or app) set up after it.
 * Checked first, in both cases; then the login passes on the code alone, or the new enrollment is
 * decided (stored, and confirmed with the provider) as a user's first enrollment would be, with
 * the provider the record names, and replaces the old one.
 */
function decideRecoveryCode(
  token: ResultToken,
  code: string,
  facts: ContinueFacts,
  settings: Settings,
  recovery: StoredRecovery | null,
): ContinueDecision {
  const deny = (why: ContinueDenyWhy, reason: string, store: StoredEnrollment | null = null): ContinueDecision => ({
    kind: 'deny',
    why,
    reason,
    store,
  });
  const { enrollment, nowMs } = facts;
  const outcome = token.outcome;
  const provider = enrollmentProvider(enrollment);
  const problem = resultTokenProblem(token, facts, settings);
  if (problem) return deny(problem, DENY.invalidResult);
  // Codes belong to an enrollment: a user not enrolled (or whose record is unreadable) has none to use.
  if (!isEnrolled(enrollment) || provider === 'unknown') return deny('enrollment-mismatch', DENY.invalidResult);
  if (enrollment.lockedUntilMs !== null && enrollment.lockedUntilMs > nowMs) {
    return deny('locked-meanwhile', DENY.locked(new Date(enrollment.lockedUntilMs), nowMs));
  }
  const index = recovery ? matchRecoveryCode(recovery.hashes, code) : -1;
  if (!recovery || index < 0) {
    // A wrong try, counted here (the forms server cannot tell): one more than stored, or than the forms server saw.
    const failures = Math.max('failures' in outcome ? outcome.failures : 0, enrollment.failures + 1);
    if (failures < settings.maxFailures)
      return deny('recovery-refused', DENY.recoveryRefused, stored(enrollment, { failures }, enrollment.enrolledAt));
    const until = new Date(nowMs + secToMs(settings.lockSeconds));
    return deny(
      'locked',
      DENY.locked(until, nowMs),
      stored(enrollment, { failures, locked_until: until.toISOString() }, enrollment.enrolledAt),
    );
  }
  const burned = { ...recovery, hashes: recovery.hashes.filter((_, i) => i !== index) };
  if (outcome.kind === 'recovery') {
    const store = stored(enrollment, { failures: 0, last_method: 'recovery', recovery: burned }, enrollment.enrolledAt);
    return {
      kind: 'allow',
      store,
      method: 'recovery',
      enrolledNow: false,
      confirm: { statusOf: null, requireRegistered: false, approval: null },
    };
  }
  const none: EnrollmentState = { authyId: null, source: 'none', failures: 0, lockedUntilMs: null, enrolledAt: null };
  const decision = decideOnContinue(token, { ...facts, enrollment: none }, { ...settings, provider });
  return decision.kind === 'allow' ? { ...decision, method: 'recovery', store: { ...decision.store, recovery: burned } } : decision;
}
