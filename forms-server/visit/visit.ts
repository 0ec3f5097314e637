/**
 * One visit of one login to the forms server (Auth0 allows one redirect per Action, so
 * enrollment, codes, resends and push all happen inside it), and the step it is at.
 * Pure: no Fastify, no I/O.
 */
import type { MovedFromAuthy, ResultOutcome } from '../../lib/token-contract';
import type { VisitRecord } from '../store/types';
import type { MessageKey } from '../i18n';
import type { RecoveryVisit } from './recovery-steps';

export type Channel = 'app' | 'sms' | 'call' | 'push';

/** A message for the next page (an error or a confirmation), as a catalogue key. */
export interface Notice {
  key: MessageKey;
  kind: 'error' | 'info';
  params?: Record<string, string | number>;
}

/**
 * The pending push (OneTouch approval request) and the attempt it holds; both null while the
 * request is being sent (the visit is claimed for it first, so a second press sends nothing).
 */
export interface PendingPush {
  uuid: string | null;
  reservationId: string | null;
}

export interface Visit extends VisitRecord {
  /** Synchronizer token echoed by every form (CSRF). */
  csrf: string;
  userId: string;
  /** Auth0's state for this login, echoed to /continue. */
  state: string;
  /** Where the browser goes back to: https://{trusted tenant host}/continue. */
  continueUrl: string;
  /** The result token's audience (the outbound token's continue_host). */
  audience: string;
  locale: string;
  /** Enrolled Authy id from the outbound token, or null. */
  authyId: string | null;
  /** Authy id registered during this visit, not yet proved by a code. */
  pendingAuthyId: string | null;
  /** Needed to register with Authy; only for users who are not enrolled. Never logged. */
  email: string | null;
  maxFailures: number;
  lockSeconds: number;
  /** Last channel the user asked a code by; decides the reported method. */
  channel: Channel;
  sends: number;
  lastSendAtMs: number;
  /** Approval requests sent in this visit. */
  pushes: number;
  push: PendingPush | null;
  notice: Notice | null;
  /** Set when the visit is over: the result to send to /continue. */
  outcome: ResultOutcome | null;
  /** Wrong codes of earlier logins still counted when the visit started (absent: none); the pages say they count. */
  earlierFailures?: number;
  /** 'verify': the outbound token names Twilio Verify (absent: Authy, as for every visit before Verify). */
  provider?: 'verify';
  /** Verify: the enrolled TOTP factor (YF...) from the outbound token, or null. */
  verifyFactorSid?: string | null;
  /**
   * Verify: the factor created in this visit, not yet proved by a first code, with what the page
   * shows to add it to an app (the otpauth URI as a QR code, the secret for manual entry). Twilio
   * returns these once; they live only here, server side, until the first code is right or the
   * visit ends. Never logged.
   */
  pendingFactor?: PendingFactor | null;
  /** Recovery codes: how many are left, new ones shown in this visit, the recovery page (recovery-steps.ts). */
  recovery?: RecoveryVisit;
  /** Present when the code page offers "remember this device". */
  remember?: VisitRemember | null;
  /** MOVE_TO_VERIFY: once past the Authy step, this Authy user sets up an authenticator app with Verify in this visit. */
  moveToVerify?: true;
  /** Set when the Authy step of a move is passed: the visit then goes on as a Verify enrollment, and its result says so. */
  movedFromAuthy?: MovedFromAuthy;
}

/** "Remember this device" (forms-server/plugins/device-cookie.ts): the days offered, this user's cookie name, the box ticked. */
export interface VisitRemember {
  days: number;
  cookie: string;
  chosen: boolean;
}

export interface PendingFactor {
  sid: string;
  uri: string;
  secret: string;
}

/**
 * The steps of a visit. A visit starts at `enroll` (no Authy id yet) or `code` (enrolled);
 * `push` while an approval request is pending; `verified`, `cancelled` and `locked` are final.
 */
export type Step = 'enroll' | 'code' | 'push' | 'verified' | 'cancelled' | 'locked';
export const STEPS: readonly Step[] = ['enroll', 'code', 'push', 'verified', 'cancelled', 'locked'];

type TargetFields = 'authyId' | 'pendingAuthyId' | 'provider' | 'verifyFactorSid' | 'pendingFactor';

export function stepOf(visit: Pick<Visit, 'outcome' | 'push' | TargetFields>): Step {
  if (visit.outcome) {
    const kind = visit.outcome.kind;
    return kind === 'verify-verified' || kind === 'remembered' || kind === 'recovery' ? 'verified' : kind;
  }
  if (visit.push) return 'push';
  return codeTarget(visit) ? 'code' : 'enroll';
}

/**
 * What codes are checked against: the enrolled Authy id, else the one registered in this visit;
 * with Verify, the enrolled factor, else the one created in this visit.
 */
export function codeTarget(visit: Pick<Visit, TargetFields>): string | null {
  if (visit.provider === 'verify') return visit.verifyFactorSid ?? visit.pendingFactor?.sid ?? null;
  return visit.authyId ?? visit.pendingAuthyId;
}

/** True when the user was enrolled before this visit (with either provider). */
export function enrolledBefore(visit: Pick<Visit, 'authyId' | 'provider' | 'verifyFactorSid'>): boolean {
  return visit.provider === 'verify' ? Boolean(visit.verifyFactorSid) : Boolean(visit.authyId);
}

/** The visit's attempt limits at `nowMs`, as the store takes them. */
export function attemptLimits(visit: Pick<Visit, 'maxFailures' | 'lockSeconds'>, nowMs: number) {
  return { maxFailures: visit.maxFailures, lockSeconds: visit.lockSeconds, nowMs };
}

/** A visit ends with its link, and never lasts longer than this by default (VISIT_MAX_SECONDS). */
export const DEFAULT_VISIT_MAX_SECONDS = 600;

export interface VisitStart {
  id: string;
  csrf: string;
  userId: string;
  /** The tenant as the token's issuer names it: part of the user's key. */
  tenantIssuer: string;
  state: string;
  continueUrl: string;
  audience: string;
  locale: string;
  authyId: string | null;
  email: string | null;
  maxFailures: number;
  lockSeconds: number;
  linkExpiresAtMs: number;
  /** The longest a visit may last (VISIT_MAX_SECONDS). */
  maxVisitMs: number;
  /** Verify visits only: the provider and the enrolled factor, if any. */
  provider?: 'verify';
  verifyFactorSid?: string | null;
  recovery?: RecoveryVisit;
  /** "Remember this device" when offered. */
  remember?: VisitRemember | null;
  /** Authy visits the Action asks to move to Verify (and the forms server can: Verify is configured). */
  moveToVerify?: true;
}

/** The key of a user's counters and open visits. */
export function userKeyOf(tenantIssuer: string, userId: string): string {
  return `${tenantIssuer}|${userId}`;
}

/** A new visit at its first step (enroll or code). */
export function startVisit(start: VisitStart, nowMs: number): Visit {
  return {
    id: start.id,
    userKey: userKeyOf(start.tenantIssuer, start.userId),
    expiresAtMs: Math.min(start.linkExpiresAtMs, nowMs + start.maxVisitMs),
    version: 0,
    csrf: start.csrf,
    userId: start.userId,
    state: start.state,
    continueUrl: start.continueUrl,
    audience: start.audience,
    locale: start.locale,
    authyId: start.authyId,
    pendingAuthyId: null,
    email: start.email,
    maxFailures: start.maxFailures,
    lockSeconds: start.lockSeconds,
    channel: 'app',
    sends: 0,
    lastSendAtMs: 0,
    pushes: 0,
    push: null,
    notice: null,
    outcome: null,
    ...(start.provider === 'verify' ? { provider: 'verify', verifyFactorSid: start.verifyFactorSid ?? null, pendingFactor: null } : {}),
    ...(start.recovery ? { recovery: start.recovery } : {}),
    ...(start.remember ? { remember: start.remember } : {}),
    ...(start.moveToVerify && start.provider !== 'verify' && start.authyId ? { moveToVerify: true } : {}),
  };
}
