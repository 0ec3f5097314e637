/**
 * The Action's decisions, as pure functions of plain facts: no Auth0 objects, no I/O, no
 * clock. The handlers in index.ts gather the facts, call these, and apply the result.
 * Every branch that is not a clear "yes" is a deny (fail closed).
 */
import type { Settings } from '../../../lib/action-settings';
import { type EnrollmentState, type StoredEnrollment } from '../../../lib/enrollment';
import { RESULT_TTL_SECONDS, type ResultToken, type SecondFactorMethod } from '../../../lib/token-contract';
import { msToSec, secToMs } from '../../../lib/time';
import { utcMinute } from '../../../lib/utc-minute';

/** User-facing deny reasons. They reach the application as `error_description`: they name no secret and no internal detail. */
export const DENY = {
  misconfigured: (setting: string) => `Two-factor login is not configured correctly (${setting}). Please contact your administrator.`,
  nonInteractive: 'This sign-in method cannot complete two-factor login.',
  silent: 'Two-factor login needs an interactive sign-in.',
  locked: (until: Date) => `Too many wrong codes. Try again after ${utcMinute(until)} UTC.`,
  cancelled: 'Two-factor login was cancelled.',
  invalidResult: 'Two-factor login could not be verified. Please try again.',
  otherDevice: 'This second factor does not belong to this account.',
  notConfirmed: 'Two-factor login could not be confirmed with Authy. Please try again.',
  noEmail: 'An email address is needed to set up two-factor login.',
  unverifiedEmail: 'Verify your email address before setting up two-factor login.',
  internal: 'Two-factor login failed. Please try again.',
} as const;

/** Protocols in which Auth0 can redirect the browser; every other flow is non-interactive. */
export const INTERACTIVE_PROTOCOLS: ReadonlySet<string> = new Set([
  'oidc-basic-profile',
  'oidc-implicit-profile',
  'oidc-hybrid-profile',
  'oauth2-device-code',
  'samlp',
  'wsfed',
]);

export const REFRESH_TOKEN_PROTOCOL = 'oauth2-refresh-token';

export interface ExecuteFacts {
  /** `event.transaction.protocol`; undefined when Auth0 gave none. */
  protocol: string | undefined;
  /** True for `prompt=none` (silent authentication). */
  silent: boolean;
  clientId: string;
  connectionName: string;
  /** Names of the authentication methods recorded in this session. */
  sessionMethods: readonly string[];
  enrollment: EnrollmentState;
  hasEmail: boolean;
  /** `event.user.email_verified === true`. */
  emailVerified: boolean;
  nowMs: number;
}

export type ExecuteDecision =
  | { kind: 'allow'; why: 'refresh-token' | 'exempt-client' | 'exempt-connection' | 'verified-in-session' | 'non-interactive-allowed' }
  | { kind: 'deny'; reason: string }
  | { kind: 'redirect' };

/** The URL recorded with `api.authentication.recordMethod`, and looked for on later logins of the session. */
export function methodUrl(settings: Settings): string {
  return `${settings.formsOrigin}/authy`;
}

/** What to do when a login reaches the Action. */
export function decideOnExecute(facts: ExecuteFacts, settings: Settings): ExecuteDecision {
  // Refresh tokens were issued by a login that passed this Action; Auth0 cannot redirect here anyway.
  if (facts.protocol === REFRESH_TOKEN_PROTOCOL) return { kind: 'allow', why: 'refresh-token' };
  if (settings.exemptClientIds.has(facts.clientId)) return { kind: 'allow', why: 'exempt-client' };
  if (settings.exemptConnections.has(facts.connectionName)) return { kind: 'allow', why: 'exempt-connection' };
  if (facts.sessionMethods.includes(methodUrl(settings))) return { kind: 'allow', why: 'verified-in-session' };
  if (facts.enrollment.lockedUntilMs !== null && facts.enrollment.lockedUntilMs > facts.nowMs) {
    return { kind: 'deny', reason: DENY.locked(new Date(facts.enrollment.lockedUntilMs)) };
  }
  // A session can outlive a denied login: a silent login must never pass without our method in the session.
  if (facts.silent) return { kind: 'deny', reason: DENY.silent };
  if (facts.protocol !== undefined && !INTERACTIVE_PROTOCOLS.has(facts.protocol)) {
    return settings.allowNonInteractive ? { kind: 'allow', why: 'non-interactive-allowed' } : { kind: 'deny', reason: DENY.nonInteractive };
  }
  if (!facts.enrollment.authyId) {
    if (!facts.hasEmail) return { kind: 'deny', reason: DENY.noEmail };
    // First-login enrollment proves only the password: without a verified email, whoever knows it would enroll their own phone.
    if (settings.requireVerifiedEmail && !facts.emailVerified) return { kind: 'deny', reason: DENY.unverifiedEmail };
  }
  return { kind: 'redirect' };
}

export interface ContinueFacts {
  userId: string;
  /** `event.request.hostname` of the /continue request: the result token's audience. */
  tenantHost: string;
  enrollment: EnrollmentState;
  nowMs: number;
}

/** Seconds of clock skew tolerated between the forms server and Auth0. */
export const CLOCK_SKEW_SECONDS = 30;

/** What Authy must confirm before the login may pass. */
export interface Confirmation {
  /** Check that this Authy user exists and is not disabled (and, for app codes, registered). */
  statusOf: string | null;
  requireRegistered: boolean;
  /** Check that this OneTouch request was approved by this Authy user. */
  approval: { uuid: string; authyId: string } | null;
}

export type ContinueDecision =
  | { kind: 'deny'; reason: string; store: StoredEnrollment | null }
  | { kind: 'allow'; store: StoredEnrollment; method: SecondFactorMethod; confirm: Confirmation };

function stored(enrollment: EnrollmentState, patch: Partial<StoredEnrollment>, enrolledAt: string | null): StoredEnrollment {
  const value: StoredEnrollment = { v: 1, failures: enrollment.failures };
  if (enrollment.authyId) value.authy_id = enrollment.authyId;
  if (enrolledAt) value.enrolled_at = enrolledAt;
  return { ...value, ...patch };
}

/** Checks the claims the Auth0 `validateToken` does not: issuer, audience, subject, age. Returns a problem or null. */
export function resultTokenProblem(token: ResultToken, facts: ContinueFacts, settings: Settings): string | null {
  const nowSec = msToSec(facts.nowMs);
  if (token.issuer !== settings.formsOrigin) return 'issuer';
  if (token.audience !== facts.tenantHost) return 'audience';
  if (token.userId !== facts.userId) return 'subject';
  if (token.issuedAtSec > nowSec + CLOCK_SKEW_SECONDS) return 'issued-in-future';
  if (nowSec - token.issuedAtSec > RESULT_TTL_SECONDS + CLOCK_SKEW_SECONDS) return 'too-old';
  if (token.expiresAtSec - token.issuedAtSec > RESULT_TTL_SECONDS) return 'lifetime';
  return null;
}

/** What to do with a result token that passed `validateToken`. */
export function decideOnContinue(token: ResultToken, facts: ContinueFacts, settings: Settings): ContinueDecision {
  if (resultTokenProblem(token, facts, settings)) return { kind: 'deny', reason: DENY.invalidResult, store: null };
  const outcome = token.outcome;
  const enrolledAt = facts.enrollment.enrolledAt;
  // Counters only move forward here: a result can report more failures than stored, never fewer.
  const failures = (reported: number) => Math.max(reported, facts.enrollment.failures);

  switch (outcome.kind) {
    case 'cancelled':
      return {
        kind: 'deny',
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
      return { kind: 'deny', reason: DENY.locked(new Date(untilMs)), store: stored(facts.enrollment, lock, enrolledAt) };
    }
    case 'verified': {
      const known = facts.enrollment.authyId;
      if (known && outcome.authyId !== known) return { kind: 'deny', reason: DENY.otherDevice, store: null };
      // "Enrolled now" must match what we sent: an enrolled user cannot enroll again inside a login, and vice versa.
      if (outcome.enrolledNow === Boolean(known)) return { kind: 'deny', reason: DENY.invalidResult, store: null };
      if (facts.enrollment.lockedUntilMs !== null && facts.enrollment.lockedUntilMs > facts.nowMs) {
        return { kind: 'deny', reason: DENY.locked(new Date(facts.enrollment.lockedUntilMs)), store: null };
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
      return { kind: 'allow', store, method: outcome.method, confirm };
    }
    default:
      return { kind: 'deny', reason: DENY.invalidResult, store: null };
  }
}

export interface ConfirmationFacts {
  status: { exists: boolean; registered: boolean; disabled: boolean } | null;
  approval: { status: string; authyId: string | null } | null;
}

/** True when Authy confirmed everything the decision asked for. */
export function confirmed(confirm: Confirmation, facts: ConfirmationFacts): boolean {
  if (confirm.statusOf) {
    const status = facts.status;
    if (!status || !status.exists || status.disabled) return false;
    if (confirm.requireRegistered && !status.registered) return false;
  }
  if (confirm.approval) {
    const approval = facts.approval;
    if (!approval || approval.status !== 'approved') return false;
    if (approval.authyId !== null && approval.authyId !== confirm.approval.authyId) return false;
  }
  return true;
}
