/**
 * The Action's decisions, as pure functions of plain facts: no Auth0 objects, no I/O, no
 * clock. The handlers in index.ts gather the facts, call these, and apply the result.
 * Every branch that is not a clear "yes" is a deny (fail closed).
 */
import type { Settings } from '../../../lib/action-settings';
import type { ActionAuditEvent, AuditFields } from '../../../lib/audit';
import { enrollmentProvider, isEnrolled, type EnrollmentState, type StoredEnrollment } from '../../../lib/enrollment';
import type { Approved, Confirmation as ProviderConfirmation } from '../../../lib/providers/types';
import {
  RESULT_TTL_SECONDS,
  type MovedFromAuthy,
  type ResultOutcome,
  type ResultToken,
  type SecondFactorMethod,
  type TokenProvider,
} from '../../../lib/token-contract';
import { msToSec, secToMs } from '../../../lib/time';
import { relativeTime } from '../../../lib/relative-time';
import { utcMinute } from '../../../lib/utc-minute';

/** User-facing deny reasons. They reach the application as `error_description`: they name no secret and no internal detail. */
export const DENY = {
  misconfigured: (setting: string) => `Two-step verification is not configured correctly (${setting}). Please contact your administrator.`,
  nonInteractive: 'This sign-in method cannot complete two-step verification.',
  silent: 'Two-step verification needs an interactive sign-in.',
  locked: (until: Date, nowMs: number) =>
    `Too many wrong codes. Two-step verification is locked until ${utcMinute(until)} UTC (${relativeTime(until.getTime(), nowMs, 'en')}).`,
  cancelled: 'Two-step verification was cancelled.',
  invalidResult: 'Two-step verification could not be checked. Please try again.',
  otherDevice: 'This phone or app is not the one set up for two-step verification on this account.',
  notConfirmed: 'Two-step verification could not be confirmed with Authy. Please try again.',
  notConfirmedVerify: 'Two-step verification could not be confirmed. Please try again.',
  unknownProvider:
    'Two-step verification for this account is stored in a form this sign-in does not know. Please contact your administrator.',
  noEmail: 'An email address is needed to set up two-step verification.',
  unverifiedEmail: 'Verify your email address before setting up two-step verification.',
  internal: 'Two-step verification failed. Please try again.',
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

/** Why a login was denied at its start; the audit line says it as its event or reason (executeAudit). */
export type ExecuteDenyWhy =
  'locked' | 'silent' | 'non-interactive' | 'no-email' | 'unverified-email' | 'unknown-provider' | 'provider-not-configured';

/** Why a login passes without a second factor now. */
export type ExecuteAllowWhy = 'refresh-token' | 'exempt-client' | 'exempt-connection' | 'verified-in-session' | 'non-interactive-allowed';

export type ExecuteDecision =
  { kind: 'allow'; why: ExecuteAllowWhy } | { kind: 'deny'; why: ExecuteDenyWhy; reason: string } | { kind: 'redirect' };

/** The URL recorded with `api.authentication.recordMethod`, and looked for on later logins of the session. */
export function methodUrl(settings: Settings): string {
  return `${settings.formsOrigin}/authy`;
}

/**
 * Which provider a login uses: the one the stored record names for an enrolled user (a tenant
 * moving to another provider keeps its users where they are), the tenant's PROVIDER for a new one.
 */
export function providerFor(enrollment: EnrollmentState, settings: Settings): TokenProvider | 'unknown' {
  return isEnrolled(enrollment) ? enrollmentProvider(enrollment) : enrollment.provider === 'unknown' ? 'unknown' : settings.provider;
}

/**
 * MOVE_TO_VERIFY: an Authy user is asked, after the Authy step, to set up an authenticator app
 * with Verify in the same visit (the outbound token says so; the result then names the new factor).
 */
export function movesToVerify(enrollment: EnrollmentState, settings: Settings): boolean {
  return settings.moveToVerify && settings.verify !== null && providerFor(enrollment, settings) === 'authy' && enrollment.authyId !== null;
}

/** The Verify secret to name when a login needs Verify and the Action has no Verify settings. */
const VERIFY_SETTING = 'VERIFY_SERVICE_SID';

/** What to do when a login reaches the Action. */
export function decideOnExecute(facts: ExecuteFacts, settings: Settings): ExecuteDecision {
  // Refresh tokens were issued by a login that passed this Action; Auth0 cannot redirect here anyway.
  if (facts.protocol === REFRESH_TOKEN_PROTOCOL) return { kind: 'allow', why: 'refresh-token' };
  if (settings.exemptClientIds.has(facts.clientId)) return { kind: 'allow', why: 'exempt-client' };
  if (settings.exemptConnections.has(facts.connectionName)) return { kind: 'allow', why: 'exempt-connection' };
  if (facts.sessionMethods.includes(methodUrl(settings))) return { kind: 'allow', why: 'verified-in-session' };
  if (facts.enrollment.lockedUntilMs !== null && facts.enrollment.lockedUntilMs > facts.nowMs) {
    return { kind: 'deny', why: 'locked', reason: DENY.locked(new Date(facts.enrollment.lockedUntilMs), facts.nowMs) };
  }
  // A session can outlive a denied login: a silent login must never pass without our method in the session.
  if (facts.silent) return { kind: 'deny', why: 'silent', reason: DENY.silent };
  if (facts.protocol !== undefined && !INTERACTIVE_PROTOCOLS.has(facts.protocol)) {
    return settings.allowNonInteractive
      ? { kind: 'allow', why: 'non-interactive-allowed' }
      : { kind: 'deny', why: 'non-interactive', reason: DENY.nonInteractive };
  }
  const provider = providerFor(facts.enrollment, settings);
  if (provider === 'unknown') return { kind: 'deny', why: 'unknown-provider', reason: DENY.unknownProvider };
  if (provider === 'verify' && !settings.verify) {
    return { kind: 'deny', why: 'provider-not-configured', reason: DENY.misconfigured(VERIFY_SETTING) };
  }
  if (!isEnrolled(facts.enrollment)) {
    if (!facts.hasEmail) return { kind: 'deny', why: 'no-email', reason: DENY.noEmail };
    // First-login enrollment proves only the password: without a verified email, whoever knows it would enroll their own phone.
    if (settings.requireVerifiedEmail && !facts.emailVerified)
      return { kind: 'deny', why: 'unverified-email', reason: DENY.unverifiedEmail };
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

/** How long ago Twilio may have approved a Verify factor or challenge (its `date_updated`) for the login to pass. */
export const VERIFY_MAX_AGE_SECONDS = 300;

/** What Twilio Verify must confirm: this user's factor, and that the result names its approved enrollment or challenge. */
export interface VerifyConfirmation {
  factorSid: string;
  approved: Approved;
  maxAgeSeconds: number;
}

/** What the provider must confirm before the login may pass. */
export interface Confirmation {
  /** Check that this Authy user exists and is not disabled (and, for app codes, registered). */
  statusOf: string | null;
  requireRegistered: boolean;
  /** Check that this OneTouch request was approved by this Authy user. */
  approval: { uuid: string; authyId: string } | null;
  /** Verify only (absent for Authy): ask Twilio, with `provider.confirm`, about what the result names. */
  verify?: VerifyConfirmation;
}

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
  | 'method-not-enrolled';

export type ContinueDecision =
  | { kind: 'deny'; why: ContinueDenyWhy; reason: string; store: StoredEnrollment | null }
  | { kind: 'allow'; store: StoredEnrollment; method: SecondFactorMethod; enrolledNow: boolean; confirm: Confirmation };

function stored(enrollment: EnrollmentState, patch: Partial<StoredEnrollment>, enrolledAt: string | null): StoredEnrollment {
  const value: StoredEnrollment = { v: 1, failures: enrollment.failures };
  if (enrollment.provider === 'verify') value.provider = 'verify';
  if (enrollment.authyId) value.authy_id = enrollment.authyId;
  if (enrollment.verifyFactorSid) value.verify_factor_sid = enrollment.verifyFactorSid;
  if (enrolledAt) value.enrolled_at = enrolledAt;
  return { ...value, ...migratedFields(enrollment), ...patch };
}

/** What a record moved from Authy keeps on every write: the Authy id and when it moved (see lib/enrollment.ts). */
function migratedFields(enrollment: EnrollmentState): Partial<StoredEnrollment> {
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

/**
 * A Verify success: the same rules as Authy's (the user's own factor, "enrolled now" as sent, no
 * lock since), the provider the login uses, and what Twilio is asked to confirm. Only authenticator
 * app results pass: a Verify user has no phone on record, and Twilio deletes approved SMS and
 * voice verifications, so such a result could not be confirmed (it would rest on the signature alone).
 */
function decideVerifyResult(
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

export interface ConfirmationFacts {
  status: { exists: boolean; registered: boolean; disabled: boolean } | null;
  approval: { status: string; authyId: string | null } | null;
  /** Verify's answer to `provider.confirm` (absent or null: not asked, or the asking failed). */
  verify?: ProviderConfirmation | null;
}

/** The provider of an allowed result, as the ID-token claim and the audit line name it. */
export function allowedProvider(decision: Extract<ContinueDecision, { kind: 'allow' }>): TokenProvider {
  return decision.store.provider ?? 'authy';
}

/** True when the provider confirmed everything the decision asked for. */
export function confirmed(confirm: Confirmation, facts: ConfirmationFacts): boolean {
  if (confirm.verify && facts.verify?.confirmed !== true) return false;
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

/** What one audit line of the Action says: the event and its extra fields (lib/audit.ts adds tenant and user). */
export interface AuditNote {
  event: ActionAuditEvent;
  fields: AuditFields;
}

/** A decision's code as an audit field value: snake_case, as every event name and code is. */
function code(why: string): string {
  return why.replace(/-/g, '_');
}

/** The `reason` of an `exempt` line: what let the login through without a second factor. */
const EXEMPT_REASON: Record<Exclude<ExecuteAllowWhy, 'verified-in-session'>, string> = {
  'refresh-token': 'refresh_token',
  'exempt-client': 'client',
  'exempt-connection': 'connection',
  'non-interactive-allowed': 'non_interactive',
};

/** Auth0's protocol names are a fixed set of short words; anything else is written as `other`. */
function protocolField(protocol: string | undefined): string {
  return protocol !== undefined && /^[a-z0-9-]{1,40}$/.test(protocol) ? protocol : 'other';
}

/** The audit line of a decision at the start of a login. */
export function executeAudit(decision: ExecuteDecision, facts: ExecuteFacts): AuditNote {
  if (decision.kind === 'redirect') {
    const fields: AuditFields = { enrolled: isEnrolled(facts.enrollment) };
    if (facts.enrollment.provider === 'verify') fields.provider = 'verify';
    return { event: 'redirected', fields };
  }
  if (decision.kind === 'allow') {
    if (decision.why === 'verified-in-session') return { event: 'session_reused', fields: {} };
    return { event: 'exempt', fields: { reason: EXEMPT_REASON[decision.why] } };
  }
  switch (decision.why) {
    case 'non-interactive':
      return { event: 'non_interactive_denied', fields: { protocol: protocolField(facts.protocol) } };
    case 'unverified-email':
      return { event: 'verified_email_required', fields: {} };
    case 'locked': {
      const until = facts.enrollment.lockedUntilMs;
      return { event: 'login_denied', fields: { reason: 'locked', ...(until !== null ? { locked_until: msToSec(until) } : {}) } };
    }
    default:
      return { event: 'login_denied', fields: { reason: code(decision.why) } };
  }
}

/** The audit line of a decision on a result token (an allow is written once Authy confirmed it: see index.ts). */
export function continueAudit(decision: ContinueDecision): AuditNote {
  if (decision.kind === 'allow') {
    const fields: AuditFields = { method: decision.method };
    if (decision.confirm.verify) fields.provider = 'verify';
    return { event: decision.enrolledNow ? 'enrolled' : 'verified', fields };
  }
  const store = decision.store;
  switch (decision.why) {
    case 'cancelled':
      return { event: 'login_denied', fields: { reason: 'cancelled', ...(store ? { failures: store.failures } : {}) } };
    case 'locked': {
      const until = store?.locked_until;
      return {
        event: 'locked',
        fields: { ...(store ? { failures: store.failures } : {}), ...(until ? { locked_until: msToSec(Date.parse(until)) } : {}) },
      };
    }
    default:
      return { event: 'result_refused', fields: { reason: code(decision.why) } };
  }
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
