/**
 * What a decision on a result token (onContinuePostLogin) rests on and says: its facts, its
 * outcome (allow, with the record to store and what the provider must confirm, or deny and why),
 * the checks of the token's own claims that every result passes first, and the record to store.
 */
import type { Settings } from '../../../lib/action-settings';
import type { EnrollmentState, StoredEnrollment } from '../../../lib/enrollment';
import { RESULT_TTL_SECONDS, type ResultToken, type SecondFactorMethod, type TokenProvider } from '../../../lib/token-contract';
import { msToSec } from '../../../lib/time';
import type { Confirmation } from './confirmation';

export interface ContinueFacts {
  userId: string;
  /** `event.request.hostname` of the /continue request: the result token's audience. */
  tenantHost: string;
  enrollment: EnrollmentState;
  nowMs: number;
}

/** Seconds of clock skew tolerated between the forms server and Auth0. */
export const CLOCK_SKEW_SECONDS = 30;

/** A result token's claim that fails our own checks (resultTokenProblem). */
export type ResultTokenProblem = 'issuer' | 'audience' | 'subject' | 'issued-in-future' | 'too-old' | 'lifetime';

/**
 * Why a result was not let through: the user cancelled or got locked (both stored), or the
 * result is refused (a token problem, another phone, an enrollment we did not ask for, a lock
 * stored since, an outcome we do not know).
 */
export type ContinueDenyWhy =
  | 'cancelled'
  | 'locked'
  | ResultTokenProblem
  | 'other-device'
  | 'enrollment-mismatch'
  | 'locked-meanwhile'
  | 'unknown-outcome'
  | 'unknown-provider'
  | 'provider-not-configured'
  | 'method-not-enrolled'
  | 'recovery-refused';

export type ContinueDecision =
  | { kind: 'deny'; why: ContinueDenyWhy; reason: string; store: StoredEnrollment | null }
  | { kind: 'allow'; store: StoredEnrollment; method: SecondFactorMethod | 'recovery'; enrolledNow: boolean; confirm: Confirmation };

/** The record to store for `enrollment`, with `patch` applied (recovery codes are added by recovery.ts). */
export function stored(enrollment: EnrollmentState, patch: Partial<StoredEnrollment>, enrolledAt: string | null): StoredEnrollment {
  const value: StoredEnrollment = { v: 1, failures: enrollment.failures };
  if (enrollment.provider === 'verify') value.provider = 'verify';
  if (enrollment.authyId) value.authy_id = enrollment.authyId;
  if (enrollment.verifyFactorSid) value.verify_factor_sid = enrollment.verifyFactorSid;
  if (enrolledAt) value.enrolled_at = enrolledAt;
  return { ...value, ...migratedFields(enrollment), ...patch };
}

/** What a record moved from Authy keeps on every write: the Authy id and when it moved (see lib/enrollment.ts). */
export function migratedFields(enrollment: EnrollmentState): Partial<StoredEnrollment> {
  const from = enrollment.migratedFromAuthy;
  return from ? { authy_id: from.authyId, verify_migrated_at: from.at } : {};
}

/** Checks the claims the Auth0 `validateToken` does not: issuer, audience, subject, age. Returns a problem or null. */
export function resultTokenProblem(token: ResultToken, facts: ContinueFacts, settings: Settings): ResultTokenProblem | null {
  const nowSec = msToSec(facts.nowMs);
  if (token.issuer !== settings.formsOrigin) return 'issuer';
  if (token.audience !== facts.tenantHost) return 'audience';
  if (token.userId !== facts.userId) return 'subject';
  if (token.issuedAtSec > nowSec + CLOCK_SKEW_SECONDS) return 'issued-in-future';
  if (nowSec - token.issuedAtSec > RESULT_TTL_SECONDS + CLOCK_SKEW_SECONDS) return 'too-old';
  if (token.expiresAtSec - token.issuedAtSec > RESULT_TTL_SECONDS) return 'lifetime';
  return null;
}

/** The provider of an allowed result, as the ID-token claim and the audit line name it. */
export function allowedProvider(decision: Extract<ContinueDecision, { kind: 'allow' }>): TokenProvider {
  return decision.store.provider ?? 'authy';
}
