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
import { ENROLLMENT_KEY, isEnrolled, type StoredEnrollment } from '../../../lib/enrollment';
import { isRecord } from '../../../lib/is-record';
import { burnRecoveryCode, matchRecoveryCode, newRecovery, readRecovery, type StoredRecovery } from '../../../lib/recovery-codes';
import type { ResultOutcome, ResultToken } from '../../../lib/token-contract';
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
  const decision =
    outcome.kind === 'recovery' ? decideRecoveryCode(token, outcome, facts, settings, recovery) : decideOnContinue(token, facts, settings);
  const store = decision.store;
  if (!store) return decision;
  const hashes = decision.kind === 'allow' ? token.recoveryHashes : null;
  const record = hashes ? newRecovery(hashes, new Date(facts.nowMs).toISOString()) : (store.recovery ?? recovery);
  return record ? { ...decision, store: { ...store, recovery: record } } : decision;
}

function decideRecoveryCode(
  token: ResultToken,
  outcome: Extract<ResultOutcome, { kind: 'recovery' }>,
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
  const problem = resultTokenProblem(token, facts, settings);
  if (problem) return deny(problem, DENY.invalidResult);
  const provider = providerFor(enrollment, settings);
  if (provider === 'unknown') return deny('unknown-provider', DENY.unknownProvider);
  // Codes belong to an enrollment: a user not enrolled has none to use.
  if (!isEnrolled(enrollment)) return deny('enrollment-mismatch', DENY.invalidResult);
  if (enrollment.lockedUntilMs !== null && enrollment.lockedUntilMs > nowMs) {
    return deny('locked-meanwhile', DENY.locked(new Date(enrollment.lockedUntilMs), nowMs));
  }
  const index = recovery ? matchRecoveryCode(recovery.hashes, outcome.code) : -1;
  if (!recovery || index < 0) {
    // A wrong try, counted here (the forms server cannot tell): one more than stored, or than the forms server saw.
    const failures = Math.max(outcome.failures, enrollment.failures + 1);
    if (failures < settings.maxFailures)
      return deny('recovery-refused', DENY.recoveryRefused, stored(enrollment, { failures }, enrollment.enrolledAt));
    const until = new Date(nowMs + secToMs(settings.lockSeconds));
    return deny(
      'locked',
      DENY.locked(until, nowMs),
      stored(enrollment, { failures, locked_until: until.toISOString() }, enrollment.enrolledAt),
    );
  }
  const patch = { failures: 0, last_method: 'recovery', recovery: burnRecoveryCode(recovery, index) };
  const none: Confirmation = { statusOf: null, requireRegistered: false, approval: null };
  const allow = (store: StoredEnrollment, confirm: Confirmation, enrolledNow: boolean): ContinueDecision => ({
    kind: 'allow',
    store,
    method: 'recovery',
    enrolledNow,
    confirm,
  });
  const replacement = outcome.replacement;
  if (!replacement) return allow(stored(enrollment, patch, enrollment.enrolledAt), none, false);
  // A new phone or app, confirmed with the provider like any new enrollment; of the provider the record names.
  if (replacement.provider !== provider) return deny('other-device', DENY.otherDevice);
  const base = { v: 1 as const, enrolled_at: new Date(nowMs).toISOString(), ...patch };
  if (replacement.provider === 'authy') {
    return allow(
      { ...base, authy_id: replacement.authyId },
      { ...none, statusOf: replacement.authyId, requireRegistered: replacement.method === 'app' },
      true,
    );
  }
  if (!settings.verify) return deny('provider-not-configured', DENY.misconfigured('VERIFY_SERVICE_SID'));
  const id = replacement.factorSid;
  const verify = {
    factorSid: id,
    approved: { method: 'app' as const, result: { kind: 'enrollment' as const, id } },
    maxAgeSeconds: VERIFY_MAX_AGE_SECONDS,
  };
  return allow({ ...base, provider: 'verify', verify_factor_sid: id }, { ...none, verify }, true);
}

/** The ID-token claim's extra field after a recovery login: how many codes are left. */
export function recoveryClaim(decision: Extract<ContinueDecision, { kind: 'allow' }>): Record<string, number> {
  if (decision.method !== 'recovery') return {};
  return { recovery_codes_left: decision.store.recovery?.hashes.length ?? 0 };
}
