/**
 * Recovery codes in the Action (pure, like decide.ts). The Action alone holds the codes' hashes
 * (`app_metadata.authy_2fa.recovery`): the forms server sends a typed code in a signed `recovery`
 * result, and the Action checks it against the hashes and burns it. So a leaked forms-server
 * secret cannot mint a recovery login: it would still need an unused code.
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
import { ENROLLMENT_KEY, isEnrolled } from '../../../lib/enrollment';
import { isRecord } from '../../../lib/is-record';
import { burnRecoveryCode, matchRecoveryCode, newRecovery, readRecovery, type StoredRecovery } from '../../../lib/recovery-codes';
import type { RecoveryReplacement, ResultOutcome, ResultToken } from '../../../lib/token-contract';
import { secToMs } from '../../../lib/time';
import {
  DENY,
  VERIFY_MAX_AGE_SECONDS,
  decideOnContinue,
  providerFor,
  resultTokenProblem,
  stored,
  type ContinueDecision,
  type ContinueDenyWhy,
  type ContinueFacts,
  type Confirmation,
} from './decide';

/** The user's stored recovery codes (hashes), or null. */
export function storedRecovery(appMetadata: unknown): StoredRecovery | null {
  return readRecovery(isRecord(appMetadata) ? appMetadata[ENROLLMENT_KEY] : undefined);
}

/** How many recovery codes the user has left, for the outbound token. */
export function recoveryLeft(appMetadata: unknown): number {
  return storedRecovery(appMetadata)?.hashes.length ?? 0;
}

/** What to do with a result token, recovery codes included: decideOnContinue, plus the `recovery` outcome and the codes' record. */
export function decideWithRecovery(
  token: ResultToken,
  facts: ContinueFacts,
  settings: Settings,
  recovery: StoredRecovery | null,
): ContinueDecision {
  if (token.outcome.kind === 'recovery') return decideRecoveryCode(token, token.outcome, facts, settings, recovery);
  return withRecoveryRecord(decideOnContinue(token, facts, settings), recovery, token.recoveryHashes ?? null, facts.nowMs);
}

/** Keeps the user's codes in whatever the decision stores; a verified result's new codes replace them. */
function withRecoveryRecord(
  decision: ContinueDecision,
  recovery: StoredRecovery | null,
  newHashes: string[] | null,
  nowMs: number,
): ContinueDecision {
  if (!decision.store) return decision;
  const record = decision.kind === 'allow' && newHashes ? newRecovery(newHashes, new Date(nowMs).toISOString()) : recovery;
  return record ? { ...decision, store: { ...decision.store, recovery: record } } : decision;
}

function decideRecoveryCode(
  token: ResultToken,
  outcome: Extract<ResultOutcome, { kind: 'recovery' }>,
  facts: ContinueFacts,
  settings: Settings,
  recovery: StoredRecovery | null,
): ContinueDecision {
  const deny = (why: ContinueDenyWhy, reason: string): ContinueDecision => ({ kind: 'deny', why, reason, store: null });
  const problem = resultTokenProblem(token, facts, settings);
  if (problem) return deny(problem, DENY.invalidResult);
  const provider = providerFor(facts.enrollment, settings);
  if (provider === 'unknown') return deny('unknown-provider', DENY.unknownProvider);
  // Codes belong to an enrollment: a user not enrolled has none to use.
  if (!isEnrolled(facts.enrollment)) return deny('enrollment-mismatch', DENY.invalidResult);
  const { enrollment, nowMs } = facts;
  if (enrollment.lockedUntilMs !== null && enrollment.lockedUntilMs > nowMs) {
    return deny('locked-meanwhile', DENY.locked(new Date(enrollment.lockedUntilMs)));
  }
  const enrolledAt = enrollment.enrolledAt;
  const keep = recovery ? { recovery } : {};
  const index = recovery ? matchRecoveryCode(recovery.hashes, outcome.code) : -1;
  if (index < 0 || !recovery) {
    // A wrong try, counted here (the forms server cannot tell): one more than stored, or than the forms server saw.
    const failures = Math.max(outcome.failures, enrollment.failures + 1);
    if (failures >= settings.maxFailures) {
      const until = new Date(nowMs + secToMs(settings.lockSeconds));
      const store = stored(enrollment, { failures, locked_until: until.toISOString(), ...keep }, enrolledAt);
      return { kind: 'deny', why: 'locked', reason: DENY.locked(until), store };
    }
    return {
      kind: 'deny',
      why: 'recovery-refused',
      reason: DENY.recoveryRefused,
      store: stored(enrollment, { failures, ...keep }, enrolledAt),
    };
  }
  const burned = burnRecoveryCode(recovery, index);
  if (outcome.replacement) {
    const codes = token.recoveryHashes ? newRecovery(token.recoveryHashes, new Date(nowMs).toISOString()) : burned;
    return replaceEnrollment(outcome.replacement, provider, codes, facts, settings);
  }
  const store = stored(enrollment, { failures: 0, last_method: 'recovery', recovery: burned }, enrolledAt);
  const confirm = { statusOf: null, requireRegistered: false, approval: null };
  return { kind: 'allow', store, method: 'recovery', enrolledNow: false, confirm };
}

/** The new phone (Authy) or app (Verify) replaces the enrollment, confirmed with the provider like any new enrollment. */
function replaceEnrollment(
  replacement: RecoveryReplacement,
  provider: 'authy' | 'verify',
  recovery: StoredRecovery,
  facts: ContinueFacts,
  settings: Settings,
): ContinueDecision {
  // The same provider as the record: a result naming the other one is not for this user.
  if (replacement.provider !== provider) return { kind: 'deny', why: 'other-device', reason: DENY.otherDevice, store: null };
  const base = { v: 1 as const, enrolled_at: new Date(facts.nowMs).toISOString(), failures: 0, last_method: 'recovery', recovery };
  if (replacement.provider === 'authy') {
    const confirm: Confirmation = { statusOf: replacement.authyId, requireRegistered: replacement.method === 'app', approval: null };
    return { kind: 'allow', store: { ...base, authy_id: replacement.authyId }, method: 'recovery', enrolledNow: true, confirm };
  }
  if (!settings.verify) {
    return { kind: 'deny', why: 'provider-not-configured', reason: DENY.misconfigured('VERIFY_SERVICE_SID'), store: null };
  }
  const factorSid = replacement.factorSid;
  const approved = { method: 'app' as const, result: { kind: 'enrollment' as const, id: factorSid } };
  const confirm: Confirmation = {
    statusOf: null,
    requireRegistered: false,
    approval: null,
    verify: { factorSid, approved, maxAgeSeconds: VERIFY_MAX_AGE_SECONDS },
  };
  const store = { ...base, provider: 'verify' as const, verify_factor_sid: factorSid };
  return { kind: 'allow', store, method: 'recovery', enrolledNow: true, confirm };
}

/** The ID-token claim's extra field after a recovery login: how many codes are left. */
export function recoveryClaim(decision: Extract<ContinueDecision, { kind: 'allow' }>): Record<string, number> {
  if (decision.method !== 'recovery') return {};
  return { recovery_codes_left: decision.store.recovery?.hashes.length ?? 0 };
}
