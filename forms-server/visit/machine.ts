/**
 * The visit as a state machine: `next(visit, event, nowMs)` says, for the visit's step and
 * one event, what the visit becomes and which effects (provider calls, store steps) the
 * handler must perform. Each effect's outcome comes back as another event. Pure: no Fastify,
 * no I/O, no clock; the caller passes the time.
 *
 * Two kinds of event:
 * - user actions (a form posted): `enroll`, `changeNumber`, `submitCode`, `send`, `startPush`,
 *   `checkPush`, `pushBack`, `cancel`;
 * - effect outcomes, which never ask for further effects, so a handler can apply them again to
 *   a fresher copy of the visit when another request saved it first.
 *
 * Attempts: every effect that asks the provider to check something (`checkCode`, `startPush`)
 * is performed as "reserve an attempt for the user, call, settle"; the outcome events carry the
 * user's counter after settling, and a refused reservation comes back as `attemptRefused`.
 */
import { msToSecCeil } from '../../lib/time';
import type { MessageKey } from '../i18n';
import type { Counter } from '../store/types';
import { MAX_PUSHES_PER_VISIT, checkSend, isLocked, normalizeCode, parseChannel, triesLeft } from './attempts';
import { isCountry, parsePhone } from './phone';
import type { EffectOutcome, SendUndo, Transition, UserAction, VisitEvent } from './events';
import { onVerifyAction, onVerifyOutcome } from './verify-steps';
import { RECOVERY_ACTIONS, onRecoveryAction, onRecoverySent } from './recovery-steps';
import { codeTarget, stepOf, type Channel, type Notice, type Visit } from './visit';

export type { Effect, EffectOutcome, SendUndo, Transition, UserAction, VisitEvent } from './events';

const stay = (visit: Visit): Transition => ({ visit, effects: [] });

function withNotice(visit: Visit, key: MessageKey, kind: Notice['kind'], params?: Notice['params']): Visit {
  return { ...visit, notice: params ? { key, kind, params } : { key, kind } };
}

function lockedOutcome(visit: Visit, counter: Counter, nowMs: number): Visit {
  const lockedUntilSec = msToSecCeil(counter.lockedUntilMs ?? nowMs);
  const verify = visit.provider === 'verify' ? { pendingFactor: null } : {};
  return { ...visit, ...verify, push: null, outcome: { kind: 'locked', failures: counter.failures, lockedUntilSec } };
}

/** After a failure: the lock page if the counter locked, else the notice with the tries left. */
function afterFailure(visit: Visit, counter: Counter, key: MessageKey, nowMs: number): Visit {
  if (isLocked(counter, nowMs)) return lockedOutcome(visit, counter, nowMs);
  const params: Record<string, number> = { left: triesLeft(counter, visit.maxFailures) };
  if (visit.earlierFailures) params.earlier = 1;
  return withNotice(visit, key, 'error', params);
}

/** A push claimed but never sent is given back (not counted, not pending). */
function withoutStartingPush(visit: Visit): Visit {
  if (!visit.push || visit.push.uuid !== null) return visit;
  return { ...visit, push: null, pushes: Math.max(0, visit.pushes - 1) };
}

function reportedMethod(channel: Channel): 'app' | 'sms' | 'call' {
  return channel === 'push' ? 'app' : channel;
}

/**
 * The end of an Authy step: the login's result, or, for a user moving to Verify (MOVE_TO_VERIFY),
 * the same visit going on as a Verify enrollment (the enroll step: set up an authenticator app),
 * whose result will name the Authy step passed.
 */
function authyPassed(visit: Visit, outcome: Extract<Visit['outcome'], { kind: 'verified' }>): Visit {
  if (!visit.moveToVerify || outcome.enrolledNow) return { ...visit, push: null, outcome };
  const { moveToVerify: _asked, ...rest } = visit;
  return {
    ...rest,
    push: null,
    channel: 'app',
    provider: 'verify',
    verifyFactorSid: null,
    pendingFactor: null,
    movedFromAuthy: { authyId: outcome.authyId, method: outcome.method },
    notice: { key: 'moveToVerify', kind: 'info' },
  };
}

// ---------------------------------------------------------------- user actions

function onEnroll(visit: Visit, action: Extract<UserAction, { type: 'enroll' }>): Transition {
  if (stepOf(visit) !== 'enroll') return stay(visit);
  const phone = parsePhone(action.country, action.phone);
  if (phone.ok)
    return {
      visit,
      effects: [{ type: 'registerPhone', countryCallingCode: phone.countryCallingCode, nationalNumber: phone.nationalNumber }],
    };
  const typed = {
    ...(typeof action.phone === 'string' && action.phone.length <= 32 ? { phone: action.phone } : {}),
    ...(isCountry(action.country) ? { country: action.country } : {}),
  };
  return { visit: withNotice(visit, phone.error, 'error'), effects: [], status: 422, typed };
}

function onSubmitCode(visit: Visit, code: unknown): Transition {
  const step = stepOf(visit);
  const authyId = codeTarget(visit);
  if ((step !== 'code' && step !== 'push') || !authyId) return stay(visit);
  const normalized = normalizeCode(code);
  if (!normalized) return { visit: withNotice(visit, 'codeFormat', 'error'), effects: [], status: 422 };
  return { visit, effects: [{ type: 'checkCode', authyId, code: normalized }] };
}

function onSend(visit: Visit, rawChannel: unknown, nowMs: number): Transition {
  const channel = parseChannel(rawChannel);
  if (!channel) return { ...stay(visit), badForm: 'unknown channel' };
  const step = stepOf(visit);
  const authyId = codeTarget(visit);
  if ((step !== 'code' && step !== 'push') || !authyId) return stay(visit);
  const check = checkSend(visit, nowMs);
  if (!check.ok) return stay(withNotice(visit, check.key, 'error', check.key === 'sendTooSoon' ? { seconds: check.seconds } : undefined));
  // Counted and paced now, before the call: the visit is saved with this before Authy is asked.
  const undo: SendUndo = { sends: visit.sends, lastSendAtMs: visit.lastSendAtMs, channel: visit.channel };
  return {
    visit: { ...visit, sends: visit.sends + 1, lastSendAtMs: nowMs, channel },
    effects: [{ type: 'sendCode', channel, authyId, undo }],
  };
}

function onStartPush(visit: Visit): Transition {
  // Push only for enrolled users: a number registered a minute ago has no app to approve on.
  if (stepOf(visit) !== 'code' || !visit.authyId) return stay(visit);
  if (visit.pushes >= MAX_PUSHES_PER_VISIT) return stay(withNotice(visit, 'pushLimit', 'error'));
  // Claimed now (counted, and pending with no uuid yet): a second press finds a push pending.
  return {
    visit: { ...visit, pushes: visit.pushes + 1, push: { uuid: null, reservationId: null } },
    effects: [{ type: 'startPush', authyId: visit.authyId }],
  };
}

function onCheckPush(visit: Visit): Transition {
  const push = visit.push;
  if (stepOf(visit) !== 'push' || !push || !visit.authyId) return stay(visit);
  if (push.uuid === null || push.reservationId === null) return stay(withNotice(visit, 'pushPending', 'info'));
  return { visit, effects: [{ type: 'pollPush', authyId: visit.authyId, uuid: push.uuid, reservationId: push.reservationId }] };
}

function onUserAction(given: Visit, action: UserAction, nowMs: number): Transition {
  // The "remember this device" box rides with each code; only a success uses it (render.ts).
  const remember =
    action.type === 'submitCode' && given.remember && !given.outcome ? { ...given.remember, chosen: action.remember === 'on' } : null;
  const visit = remember ? { ...given, remember } : given;
  const step = stepOf(visit);
  const verify = visit.provider === 'verify' ? onVerifyAction(visit, action) : null;
  if (verify) return verify;
  switch (action.type) {
    case 'enroll':
      return onEnroll(visit, action);
    case 'changeNumber':
      // Only a number registered in this visit can be changed here; an enrolled user is reset by support.
      return step === 'code' && !visit.authyId ? stay({ ...visit, pendingAuthyId: null, channel: 'app' }) : stay(visit);
    case 'submitCode':
      return onSubmitCode(visit, action.code);
    case 'send':
      return onSend(visit, action.channel, nowMs);
    case 'startPush':
      return onStartPush(visit);
    case 'checkPush':
      return onCheckPush(visit);
    case 'pushBack':
      if (step !== 'push' || !visit.push) return stay(visit);
      // A request still being sent (or whose sending failed unseen) holds nothing yet: just leave it.
      if (!visit.push.reservationId) return stay(withoutStartingPush(visit));
      return { visit, effects: [{ type: 'withdrawPush', reservationId: visit.push.reservationId }] };
    case 'cancel':
      if (visit.outcome) return stay(visit);
      return { visit, effects: [{ type: 'finishCancel', pushReservationId: visit.push?.reservationId ?? null }] };
    default:
      return onRecoveryAction(visit, action);
  }
}

// ---------------------------------------------------------------- effect outcomes

function onOutcome(visit: Visit, event: EffectOutcome, nowMs: number): Visit {
  // A final visit stays final, whatever a slower parallel request reports later.
  if (visit.outcome) return visit;
  if (event.type === 'recoverySent') return onRecoverySent(visit, event.code, event.counter);
  const verify =
    visit.provider === 'verify' ? onVerifyOutcome(visit, event, nowMs, (v, counter) => lockedOutcome(v, counter, nowMs)) : null;
  if (verify) return verify;
  switch (event.type) {
    case 'registered':
      if (stepOf(visit) !== 'enroll') return visit;
      if (!event.smsSent) return { ...visit, pendingAuthyId: event.authyId };
      return { ...visit, pendingAuthyId: event.authyId, channel: 'sms', sends: visit.sends + 1, lastSendAtMs: nowMs };
    case 'providerFailed':
      return withNotice(visit, event.notice, 'error');
    case 'codeRight':
      return authyPassed(visit, {
        kind: 'verified',
        method: reportedMethod(visit.channel),
        authyId: event.authyId,
        enrolledNow: !visit.authyId,
        approvalUuid: null,
      });
    case 'codeWrong':
      return afterFailure(visit, event.counter, 'wrongCode', nowMs);
    case 'codeReused':
      return withNotice(visit, 'codeReused', 'error');
    case 'attemptRefused':
      if (event.reason === 'locked') return lockedOutcome(visit, event.counter, nowMs);
      return withNotice(withoutStartingPush(visit), 'attemptBusy', 'error');
    case 'sent':
      return withNotice(visit, event.channel === 'sms' ? 'smsSent' : 'callStarted', 'info');
    case 'sendFailed':
      return withNotice({ ...visit, ...event.undo }, event.notice, 'error');
    case 'pushStarted':
      return { ...visit, push: { uuid: event.uuid, reservationId: event.reservationId }, notice: null };
    case 'pushFailed':
      return withNotice(withoutStartingPush(visit), event.notice, 'error');
    case 'pushApproved':
      if (!visit.authyId || visit.push?.uuid !== event.uuid) return visit;
      return authyPassed(visit, { kind: 'verified', method: 'push', authyId: visit.authyId, enrolledNow: false, approvalUuid: event.uuid });
    case 'pushPending':
      return withNotice(visit, 'pushPending', 'info');
    case 'pushEnded': {
      const key: MessageKey = event.how === 'denied' ? 'pushDenied' : event.how === 'expired' ? 'pushExpired' : 'pushWithdrawn';
      return afterFailure({ ...visit, push: null }, event.counter, key, nowMs);
    }
    case 'cancelled':
      return { ...visit, push: null, outcome: { kind: 'cancelled', failures: event.failures } };
    default:
      // Verify's own outcomes: nothing for an Authy visit.
      return visit;
  }
}

function isUserAction(event: VisitEvent): event is UserAction {
  const types: readonly string[] = ['enroll', 'changeNumber', 'submitCode', 'send', 'startPush', 'checkPush', 'pushBack', 'cancel'];
  return types.includes(event.type) || (RECOVERY_ACTIONS as readonly string[]).includes(event.type);
}

/** The one transition function of a visit. */
export function next(visit: Visit, event: VisitEvent, nowMs: number): Transition {
  if (isUserAction(event)) return onUserAction(visit, event, nowMs);
  return stay(onOutcome(visit, event, nowMs));
}
