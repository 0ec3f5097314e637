/**
 * The decisions on a Twilio Verify success (a `verify-verified` result token): a login or new
 * enrollment of a Verify user, or an Authy user's move to Verify (MOVE_TO_VERIFY). Each allow
 * names what Twilio must confirm; every other case is denied (fail closed).
 */
import type { Settings } from '../../../lib/action-settings';
import type { StoredEnrollment } from '../../../lib/enrollment';
import type { MovedFromAuthy, ResultOutcome } from '../../../lib/token-contract';
import type { Confirmation } from './confirmation';
import { migratedFields, type ContinueDecision, type ContinueDenyWhy, type ContinueFacts } from './continue-decision';
import { VERIFY_SETTING, movesToVerify, providerFor } from './decide-execute';
import { DENY } from './deny';

/** How long ago Twilio may have approved a Verify factor or challenge (its `date_updated`) for the login to pass. */
export const VERIFY_MAX_AGE_SECONDS = 300;

/**
 * A Verify success: the same rules as Authy's (the user's own factor, "enrolled now" as sent, no
 * lock since), the provider the login uses, and what Twilio is asked to confirm. Only authenticator
 * app results pass: a Verify user has no phone on record, and Twilio deletes approved SMS and
 * voice verifications, so such a result could not be confirmed (it would rest on the signature alone).
 */
export function decideVerifyResult(
  outcome: Extract<ResultOutcome, { kind: 'verify-verified' }>,
  facts: ContinueFacts,
  settings: Settings,
): ContinueDecision {
  const deny = (why: ContinueDenyWhy, reason: string): ContinueDecision => ({ kind: 'deny', why, reason, store: null });
  if (outcome.fromAuthy) return decideMoveToVerify(outcome, outcome.fromAuthy, facts, settings);
  const provider = providerFor(facts.enrollment, settings);
  if (provider === 'unknown') return deny('unknown-provider', DENY.unknownProvider);
  if (provider !== 'verify') return deny('other-device', DENY.otherDevice);
  if (!settings.verify) return deny('provider-not-configured', DENY.misconfigured(VERIFY_SETTING));
  const known = facts.enrollment.verifyFactorSid ?? null;
  if (outcome.enrolledNow === Boolean(known)) return deny('enrollment-mismatch', DENY.invalidResult);
  if (outcome.method !== 'app') return deny('method-not-enrolled', DENY.invalidResult);
  // A new enrollment names its new factor; a later login a challenge of the stored factor (Twilio says whose).
  const factorSid = known ?? outcome.result.id;
  if (facts.enrollment.lockedUntilMs !== null && facts.enrollment.lockedUntilMs > facts.nowMs) {
    return deny('locked-meanwhile', DENY.locked(new Date(facts.enrollment.lockedUntilMs), facts.nowMs));
  }
  const store: StoredEnrollment = {
    v: 1,
    provider: 'verify',
    verify_factor_sid: factorSid,
    enrolled_at: facts.enrollment.enrolledAt ?? new Date(facts.nowMs).toISOString(),
    failures: 0,
    last_method: outcome.method,
    ...migratedFields(facts.enrollment),
  };
  const confirm: Confirmation = {
    statusOf: null,
    requireRegistered: false,
    approval: null,
    verify: { factorSid, approved: { method: outcome.method, result: outcome.result }, maxAgeSeconds: VERIFY_MAX_AGE_SECONDS },
  };
  return { kind: 'allow', store, method: outcome.method, enrolledNow: outcome.enrolledNow, confirm };
}

/**
 * A move from Authy (MOVE_TO_VERIFY): only for the Authy user we asked to move, whose Authy id the
 * result names, ending with a new factor that Twilio must show verified for this user's identity
 * (as any Verify enrollment). The Authy step itself rests on the signature, as Authy codes do.
 * The record becomes a Verify one that keeps `authy_id` and `verify_migrated_at`, so that
 * `migrate-to-verify --remove-from-authy` can remove the Authy user later.
 */
function decideMoveToVerify(
  outcome: Extract<ResultOutcome, { kind: 'verify-verified' }>,
  from: MovedFromAuthy,
  facts: ContinueFacts,
  settings: Settings,
): ContinueDecision {
  const deny = (why: ContinueDenyWhy, reason: string): ContinueDecision => ({ kind: 'deny', why, reason, store: null });
  if (!movesToVerify(facts.enrollment, settings) || !outcome.enrolledNow || outcome.result.kind !== 'enrollment') {
    return deny('enrollment-mismatch', DENY.invalidResult);
  }
  if (from.authyId !== facts.enrollment.authyId) return deny('other-device', DENY.otherDevice);
  if (outcome.method !== 'app') return deny('method-not-enrolled', DENY.invalidResult);
  if (facts.enrollment.lockedUntilMs !== null && facts.enrollment.lockedUntilMs > facts.nowMs) {
    return deny('locked-meanwhile', DENY.locked(new Date(facts.enrollment.lockedUntilMs), facts.nowMs));
  }
  const nowIso = new Date(facts.nowMs).toISOString();
  const factorSid = outcome.result.id;
  const store: StoredEnrollment = {
    v: 1,
    provider: 'verify',
    verify_factor_sid: factorSid,
    authy_id: from.authyId,
    verify_migrated_at: nowIso,
    enrolled_at: nowIso,
    failures: 0,
    last_method: 'app',
  };
  const confirm: Confirmation = {
    statusOf: null,
    requireRegistered: false,
    approval: null,
    verify: { factorSid, approved: { method: 'app', result: outcome.result }, maxAgeSeconds: VERIFY_MAX_AGE_SECONDS },
  };
  return { kind: 'allow', store, method: 'app', enrolledNow: true, confirm };
}
