/**
 * The visit machine's vocabulary: the user actions (forms posted), the effects a handler performs
 * for them, the outcomes those effects report, and a transition. Types only.
 */
import type { MessageKey } from '../i18n';
import type { Counter } from '../store/types';
import type { VerifyResultRef } from '../../lib/token-contract';
import type { Channel, Visit } from './visit';
import type { RecoveryAction } from './recovery-steps';

export type UserAction =
  /** Authy: register the phone. Verify: set up an authenticator app (the phone fields are not read). */
  | { type: 'enroll'; country: unknown; phone: unknown }
  | { type: 'changeNumber' }
  /** `remember`: the "remember this device" box ("on" when ticked). */
  | { type: 'submitCode'; code: unknown; remember?: unknown }
  | { type: 'send'; channel: unknown }
  | { type: 'startPush' }
  | { type: 'checkPush' }
  | { type: 'pushBack' }
  | { type: 'cancel' }
  | RecoveryAction;

export type EffectOutcome =
  /** The phone is registered; `smsSent`: the user has no Authy app, so the first code went by SMS. */
  | { type: 'registered'; authyId: string; smsSent?: boolean }
  | { type: 'providerFailed'; notice: MessageKey }
  | { type: 'codeRight'; authyId: string }
  | { type: 'codeWrong'; counter: Counter }
  /** Authy's 60019: the code was right but already used. Not a guess: no try is lost. */
  | { type: 'codeReused' }
  | { type: 'attemptRefused'; reason: 'locked' | 'busy'; counter: Counter }
  | { type: 'sent'; channel: 'sms' | 'call' }
  /** The send failed: the pacing and count claimed for it are given back. */
  | { type: 'sendFailed'; notice: MessageKey; undo: SendUndo }
  | { type: 'pushStarted'; uuid: string; reservationId: string }
  /** The approval request could not be sent: the claimed push is given back. */
  | { type: 'pushFailed'; notice: MessageKey }
  | { type: 'pushApproved'; uuid: string }
  | { type: 'pushPending' }
  /** The request was denied on the phone, expired, or withdrawn by the user: a failure each. */
  | { type: 'pushEnded'; how: 'denied' | 'expired' | 'withdrawn'; counter: Counter }
  | { type: 'cancelled'; failures: number }
  /** Verify: an unverified TOTP factor was created; the page shows its URI (QR) and secret. */
  | { type: 'factorCreated'; factorSid: string; uri: string; secret: string }
  /** Verify: the code was right (the factor verified, or the challenge approved). */
  | { type: 'verifyApproved'; result: VerifyResultRef }
  /**
   * Verify's own limit was reached (60202, 60308, 60310): the check counted as a failure; a factor
   * still being set up is spent (`dropFactor`), so the user starts the setup again.
   */
  | { type: 'providerLimit'; counter: Counter; dropFactor: boolean }
  /** A recovery code passed the attempt check (not locked, not at the limit): it goes to the Action, which checks and counts it. */
  | { type: 'recoverySent'; code: string; counter: Counter };

export type VisitEvent = UserAction | EffectOutcome;

/** What a send claimed, to give back when it fails. */
export interface SendUndo {
  sends: number;
  lastSendAtMs: number;
  channel: Channel;
}

export type Effect =
  | { type: 'registerPhone'; countryCallingCode: string; nationalNumber: string }
  | { type: 'checkCode'; authyId: string; code: string }
  | { type: 'sendCode'; channel: 'sms' | 'call'; authyId: string; undo: SendUndo }
  | { type: 'startPush'; authyId: string }
  | { type: 'pollPush'; authyId: string; uuid: string; reservationId: string }
  /** Settles the pending push's attempt as a failure and reports `pushEnded` withdrawn. */
  | { type: 'withdrawPush'; reservationId: string }
  /** Ends the visit as cancelled (withdrawing a pending push first) and reports the failures. */
  | { type: 'finishCancel'; pushReservationId: string | null }
  /** Verify: create a TOTP factor for an authenticator app. */
  | { type: 'createFactor' }
  /** Verify: check a code, reserve-call-settle: the first code of a new factor (`enrolling`), else a Challenge. */
  | { type: 'verifyCode'; factorSid: string; code: string; enrolling: boolean }
  /** A recovery code: the attempt check (reserve, then release: only the Action can check and count it). */
  | { type: 'reserveRecovery'; code: string };

export interface Transition {
  visit: Visit;
  effects: Effect[];
  /** Set when the page is shown again at once with this status (input refused outright) rather than after a redirect. */
  status?: 422;
  /** What the user typed on the enrollment page, shown again when it is refused. */
  typed?: { phone?: string; country?: string };
  /** The form itself is unreadable (an unknown channel): a 400 page. */
  badForm?: string;
}
