/**
 * The decision on a result token (onContinuePostLogin), as a pure function of plain facts: a
 * cancel or a lock is stored and denied, an Authy success is allowed with what Authy must confirm,
 * a Verify success goes to decide-verify.ts, anything else is denied (fail closed).
 */
import type { Settings } from '../../../lib/action-settings';
import type { StoredEnrollment } from '../../../lib/enrollment';
import type { ResultToken } from '../../../lib/token-contract';
import { secToMs } from '../../../lib/time';
import type { Confirmation } from './confirmation';
import { CLOCK_SKEW_SECONDS, resultTokenProblem, stored, type ContinueDecision, type ContinueFacts } from './continue-decision';
import { providerFor } from './decide-execute';
import { decideVerifyResult } from './decide-verify';
import { DENY } from './deny';

/** What to do with a result token that passed `validateToken`. */
export function decideOnContinue(token: ResultToken, facts: ContinueFacts, settings: Settings): ContinueDecision {
  const problem = resultTokenProblem(token, facts, settings);
  if (problem) return { kind: 'deny', why: problem, reason: DENY.invalidResult, store: null };
  const outcome = token.outcome;
  const enrolledAt = facts.enrollment.enrolledAt;
  // Counters only move forward here: a result can report more failures than stored, never fewer.
  const failures = (reported: number) => Math.max(reported, facts.enrollment.failures);

  switch (outcome.kind) {
    case 'cancelled':
      return {
        kind: 'deny',
        why: 'cancelled',
        reason: DENY.cancelled,
        store: stored(facts.enrollment, { failures: failures(outcome.failures) }, enrolledAt),
      };
    case 'locked': {
      const lockedUntilMs = secToMs(outcome.lockedUntilSec);
      const maxLockMs = facts.nowMs + secToMs(settings.lockSeconds + CLOCK_SKEW_SECONDS);
      // A lock ending in the past or beyond our own setting is not a lock we asked for: keep ours.
      const ours = lockedUntilMs > facts.nowMs && lockedUntilMs <= maxLockMs;
      const untilMs = ours ? lockedUntilMs : facts.nowMs + secToMs(settings.lockSeconds);
      const lock = { failures: failures(outcome.failures), locked_until: new Date(untilMs).toISOString() };
      return {
        kind: 'deny',
        why: 'locked',
        reason: DENY.locked(new Date(untilMs), facts.nowMs),
        store: stored(facts.enrollment, lock, enrolledAt),
      };
    }
    case 'verified': {
      const known = facts.enrollment.authyId;
      const provider = providerFor(facts.enrollment, settings);
      if (provider === 'unknown') return { kind: 'deny', why: 'unknown-provider', reason: DENY.unknownProvider, store: null };
      // A user enrolled with Verify (or, not enrolled yet, enrolling with Verify) has no Authy result.
      if (provider !== 'authy') return { kind: 'deny', why: 'other-device', reason: DENY.otherDevice, store: null };
      if (known && outcome.authyId !== known) return { kind: 'deny', why: 'other-device', reason: DENY.otherDevice, store: null };
      // "Enrolled now" must match what we sent: an enrolled user cannot enroll again inside a login, and vice versa.
      if (outcome.enrolledNow === Boolean(known))
        return { kind: 'deny', why: 'enrollment-mismatch', reason: DENY.invalidResult, store: null };
      if (facts.enrollment.lockedUntilMs !== null && facts.enrollment.lockedUntilMs > facts.nowMs) {
        return {
          kind: 'deny',
          why: 'locked-meanwhile',
          reason: DENY.locked(new Date(facts.enrollment.lockedUntilMs), facts.nowMs),
          store: null,
        };
      }
      const store: StoredEnrollment = {
        v: 1,
        authy_id: outcome.authyId,
        enrolled_at: enrolledAt ?? new Date(facts.nowMs).toISOString(),
        failures: 0,
        last_method: outcome.method,
      };
      const confirm: Confirmation = {
        statusOf: outcome.enrolledNow ? outcome.authyId : null,
        // Authy reports `registered` once the app is set up; SMS and voice users may have no app.
        requireRegistered: outcome.enrolledNow && outcome.method === 'app',
        approval: outcome.method === 'push' && outcome.approvalUuid ? { uuid: outcome.approvalUuid, authyId: outcome.authyId } : null,
      };
      return { kind: 'allow', store, method: outcome.method, enrolledNow: outcome.enrolledNow, confirm };
    }
    case 'verify-verified':
      return decideVerifyResult(outcome, facts, settings);
    default:
      return { kind: 'deny', why: 'unknown-outcome', reason: DENY.invalidResult, store: null };
  }
}
