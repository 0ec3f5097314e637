/**
 * The decision at the start of a login (onExecutePostLogin), as a pure function of plain facts:
 * let it pass, deny it, or send it to the forms server. Also which provider a login uses, whether
 * an Authy user is asked to move to Verify, and the method URL recorded in the session.
 * Every branch that is not a clear "yes" is a deny (fail closed).
 */
import type { Settings } from '../../../lib/action-settings';
import { enrollmentProvider, isEnrolled, type EnrollmentState } from '../../../lib/enrollment';
import type { TokenProvider } from '../../../lib/token-contract';
import { DENY } from './deny';

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
export const VERIFY_SETTING = 'VERIFY_SERVICE_SID';

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
