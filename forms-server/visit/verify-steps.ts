/**
 * The visit machine's Twilio Verify steps (machine.ts dispatches to them for a visit whose
 * outbound token names Verify). Pure: no Fastify, no I/O, no clock.
 *
 * - enroll: `enroll` creates a TOTP factor (`createFactor`); `factorCreated` keeps its URI and
 *   secret in the visit, and the step becomes `code` (the page shows the QR code and the secret).
 * - code: `submitCode` checks the code (`verifyCode`: the factor's first code while enrolling,
 *   else a Challenge), reserve-call-settle like every check; `verifyApproved` ends the visit with
 *   a `verify-verified` outcome naming the factor (enrollment) or the challenge (code).
 * - `changeNumber` (shown as "set up again") drops a factor not yet proved; SMS, voice and push
 *   are not offered with Verify (a Verify user has no phone on record), so `send` and `startPush` stay.
 */
import type { MessageKey } from '../i18n';
import type { Counter } from '../store/types';
import { isLocked, normalizeCode, parseChannel, triesLeft } from './attempts';
import type { EffectOutcome, Transition, UserAction } from './events';
import { codeTarget, enrolledBefore, stepOf, type Visit } from './visit';

const stay = (visit: Visit): Transition => ({ visit, effects: [] });

function notice(visit: Visit, key: MessageKey, params?: Record<string, number>): Visit {
  return { ...visit, notice: params ? { key, kind: 'error', params } : { key, kind: 'error' } };
}

/** A Verify visit's user actions; null: the action means the same as with Authy (cancel, pushBack, checkPush). */
export function onVerifyAction(visit: Visit, action: UserAction): Transition | null {
  const step = stepOf(visit);
  switch (action.type) {
    case 'enroll':
      return step === 'enroll' ? { visit, effects: [{ type: 'createFactor' }] } : stay(visit);
    case 'changeNumber':
      // Only a factor created in this visit and not proved yet can be set up again here.
      return step === 'code' && visit.pendingFactor ? stay({ ...visit, pendingFactor: null }) : stay(visit);
    case 'submitCode': {
      const factorSid = codeTarget(visit);
      if (step !== 'code' || !factorSid) return stay(visit);
      const code = normalizeCode(action.code);
      if (!code) return { visit: notice(visit, 'codeFormat'), effects: [], status: 422 };
      return { visit, effects: [{ type: 'verifyCode', factorSid, code, enrolling: !enrolledBefore(visit) }] };
    }
    case 'send':
      // No SMS or voice with Verify; an unknown channel is still an unreadable form.
      return parseChannel(action.channel) ? stay(visit) : { ...stay(visit), badForm: 'unknown channel' };
    case 'startPush':
      return stay(visit);
    default:
      return null;
  }
}

function afterLimit(visit: Visit, counter: Counter, dropFactor: boolean, nowMs: number, lock: (v: Visit) => Visit): Visit {
  const next = dropFactor ? { ...visit, pendingFactor: null } : visit;
  if (isLocked(counter, nowMs)) return lock(next);
  return notice(next, dropFactor ? 'verifyFactorSpent' : 'verifyTooManyChecks', { left: triesLeft(counter, visit.maxFailures) });
}

/** A Verify visit's effect outcomes; null: the outcome means the same as with Authy (wrong code, refusals, cancel). */
export function onVerifyOutcome(visit: Visit, event: EffectOutcome, nowMs: number, lock: (v: Visit, c: Counter) => Visit): Visit | null {
  switch (event.type) {
    case 'factorCreated':
      if (stepOf(visit) !== 'enroll') return visit;
      return { ...visit, pendingFactor: { sid: event.factorSid, uri: event.uri, secret: event.secret } };
    case 'verifyApproved':
      return {
        ...visit,
        push: null,
        pendingFactor: null,
        outcome: {
          kind: 'verify-verified',
          method: 'app',
          enrolledNow: !enrolledBefore(visit),
          result: event.result,
          ...(visit.movedFromAuthy ? { fromAuthy: visit.movedFromAuthy } : {}),
        },
      };
    case 'providerLimit':
      return afterLimit(visit, event.counter, event.dropFactor, nowMs, (v) => lock(v, event.counter));
    case 'registered':
    case 'codeRight':
    case 'pushStarted':
    case 'pushApproved':
      // Authy's outcomes mean nothing to a Verify visit.
      return visit;
    default:
      return null;
  }
}
