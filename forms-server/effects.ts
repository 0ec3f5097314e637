/**
 * Performs the visit machine's effects: the only place the forms server calls Authy, Twilio
 * Verify (through the SecondFactorProvider interface) and the store's attempt counters. Every
 * check that could let a guess through is "reserve, call, settle": the reservation is taken
 * atomically before the provider is asked, so parallel requests, visits and replicas together
 * never send more than `maxFailures` guesses per lock period.
 */
import type { FastifyBaseLogger } from 'fastify';
import { AuthyError, type AuthyClient } from '../lib/authy-client';
import type { Enrollment, SecondFactorProvider } from '../lib/providers/types';
import { firstCodeBySms } from './first-code';
import { AUTHY_USER_ANSWERS, VERIFY_USER_ANSWERS, authyCode, providerCode, refusedLevel } from './step-log';
import { PUSH_TTL_SECONDS } from './visit/attempts';
import type { Effect, EffectOutcome } from './visit/machine';
import { providerNotice, verifyNotice } from './visit/provider-notices';
import { attemptLimits, type Visit } from './visit/visit';
import type { AttemptResult, Counter, Store } from './store/types';
import { secToMs } from '../lib/time';

export interface EffectDeps {
  store: Store;
  authy: AuthyClient;
  /** Twilio Verify, when configured (VERIFY_SERVICE_SID); null: Verify visits are refused at entry. */
  verify?: VerifyDeps | null;
  now: () => number;
  log: FastifyBaseLogger;
  /** How long a code check may hold its attempt: Authy's timeout and a margin. */
  codeHoldMs: number;
  /** The text of the push request shown on the phone, in the visit's language. */
  pushMessage: (locale: string) => string;
  /** Told every outcome (metrics and audit lines, observe.ts). */
  observe?: (effect: Effect, visit: Visit, outcome: EffectOutcome, log: FastifyBaseLogger) => void;
}

/** The Verify provider and how a user id becomes its Entity identity (HMAC with VERIFY_IDENTITY_KEY). */
export interface VerifyDeps {
  provider: SecondFactorProvider;
  identity: (userId: string) => string;
}

/** What the provider said: how to settle the attempt (null: keep holding it) and the event to report. */
interface Answer {
  result: AttemptResult | null;
  outcome: (counter: Counter) => EffectOutcome;
}

/** Reserve an attempt, run `call`, settle it with the result `call` reports (void if it throws). */
async function guarded(
  deps: EffectDeps,
  visit: Visit,
  holdMs: number,
  call: (reservationId: string) => Promise<Answer>,
): Promise<EffectOutcome> {
  const reservation = await deps.store.reserveAttempt(visit.userKey, { ...attemptLimits(visit, deps.now()), holdMs });
  if (!reservation.ok) return { type: 'attemptRefused', reason: reservation.reason, counter: reservation.counter };
  let done: Answer;
  try {
    done = await call(reservation.id);
  } catch (error) {
    await deps.store.settleAttempt(visit.userKey, reservation.id, 'void', attemptLimits(visit, deps.now()));
    throw error;
  }
  const counter = done.result
    ? await deps.store.settleAttempt(visit.userKey, reservation.id, done.result, attemptLimits(visit, deps.now()))
    : reservation.counter;
  return done.outcome(counter);
}

async function checkCode(deps: EffectDeps, visit: Visit, authyId: string, code: string): Promise<EffectOutcome> {
  return guarded(deps, visit, deps.codeHoldMs, async () => {
    try {
      await deps.authy.verifyToken(authyId, code);
    } catch (error) {
      const kind = authyCode(error);
      deps.log[refusedLevel(kind, AUTHY_USER_ANSWERS)]({ step: 'verify', authy: kind }, 'code refused');
      if (kind === 'WRONG_CODE') return { result: 'wrong', outcome: (counter) => ({ type: 'codeWrong', counter }) };
      if (kind === 'CODE_REUSED') return { result: 'void', outcome: () => ({ type: 'codeReused' }) };
      return { result: 'void', outcome: () => ({ type: 'providerFailed', notice: providerNotice(error) }) };
    }
    deps.log.debug({ step: 'verify', method: visit.channel }, 'code accepted');
    return { result: 'right', outcome: () => ({ type: 'codeRight', authyId }) };
  });
}

async function sendCode(deps: EffectDeps, visit: Visit, effect: Extract<Effect, { type: 'sendCode' }>): Promise<EffectOutcome> {
  const { channel, authyId } = effect;
  const counter = await deps.store.getCounter(visit.userKey, deps.now());
  if (counter.lockedUntilMs !== null && counter.lockedUntilMs > deps.now()) return { type: 'attemptRefused', reason: 'locked', counter };
  try {
    if (channel === 'sms') await deps.authy.requestSms(authyId);
    else await deps.authy.requestCall(authyId);
    return { type: 'sent', channel };
  } catch (error) {
    deps.log.warn({ step: 'send', channel, authy: authyCode(error) }, 'send failed');
    return { type: 'sendFailed', notice: providerNotice(error), undo: effect.undo };
  }
}

/** A push holds its attempt while it is pending; approving settles it right, anything else wrong. */
async function startPush(deps: EffectDeps, visit: Visit, authyId: string): Promise<EffectOutcome> {
  const holdMs = secToMs(PUSH_TTL_SECONDS) + deps.codeHoldMs;
  return guarded(deps, visit, holdMs, async (reservationId) => {
    try {
      const { uuid } = await deps.authy.createApprovalRequest(authyId, {
        message: deps.pushMessage(visit.locale),
        secondsToExpire: PUSH_TTL_SECONDS,
      });
      return { result: null, outcome: () => ({ type: 'pushStarted', uuid, reservationId }) };
    } catch (error) {
      deps.log.warn({ step: 'push', authy: authyCode(error) }, 'push failed');
      return { result: 'void', outcome: () => ({ type: 'pushFailed', notice: providerNotice(error) }) };
    }
  });
}

async function pollPush(deps: EffectDeps, visit: Visit, effect: Extract<Effect, { type: 'pollPush' }>): Promise<EffectOutcome> {
  let status: string;
  try {
    const approval = await deps.authy.approvalStatus(effect.uuid);
    if (approval.authyId !== null && approval.authyId !== effect.authyId) throw new AuthyError('BAD_RESPONSE', 'approval of another user');
    status = approval.status;
  } catch (error) {
    deps.log.warn({ step: 'push', authy: authyCode(error) }, 'push status unknown');
    return { type: 'providerFailed', notice: providerNotice(error) };
  }
  if (status === 'pending') return { type: 'pushPending' };
  const result: AttemptResult = status === 'approved' ? 'right' : 'wrong';
  const counter = await deps.store.settleAttempt(visit.userKey, effect.reservationId, result, attemptLimits(visit, deps.now()));
  if (status === 'approved') return { type: 'pushApproved', uuid: effect.uuid };
  return { type: 'pushEnded', how: status === 'denied' ? 'denied' : 'expired', counter };
}

function verifyOf(deps: EffectDeps): VerifyDeps {
  // Entry refuses Verify links when Verify is not configured, so a Verify effect always has it.
  if (!deps.verify) throw new Error('Verify is not configured');
  return deps.verify;
}

/** A Verify visit's enrollment, as the provider takes it (the identity is recomputed from the user id, never stored). */
function verifyEnrollment(verify: VerifyDeps, visit: Visit, factorSid: string): Enrollment {
  return { provider: 'verify', identity: verify.identity(visit.userId), factorSid, phone: null };
}

async function createFactor(deps: EffectDeps, visit: Visit): Promise<EffectOutcome> {
  try {
    const { enrollment, totp } = await verifyOf(deps).provider.enroll({ userId: visit.userId, email: '', app: true });
    if (enrollment.provider !== 'verify' || !enrollment.factorSid || !totp) throw new Error('no TOTP factor');
    deps.log.info({ step: 'enroll', provider: 'verify' }, 'factor created');
    return { type: 'factorCreated', factorSid: enrollment.factorSid, uri: totp.uri, secret: totp.secret };
  } catch (error) {
    deps.log.warn({ step: 'enroll', provider: 'verify', verify: providerCode(error) }, 'factor not created');
    return { type: 'providerFailed', notice: verifyNotice(error) };
  }
}

/** A Verify code check, reserve-call-settle; Verify's own attempt limit counts as a failure too (the stricter limit wins). */
async function verifyCode(deps: EffectDeps, visit: Visit, effect: Extract<Effect, { type: 'verifyCode' }>): Promise<EffectOutcome> {
  const verify = verifyOf(deps);
  const enrollment = verifyEnrollment(verify, visit, effect.factorSid);
  return guarded(deps, visit, deps.codeHoldMs, async () => {
    try {
      const approved = effect.enrolling
        ? await verify.provider.activate(enrollment, effect.code, 'app')
        : await verify.provider.checkCode(enrollment, effect.code, 'app');
      const { kind, id } = approved.result;
      if ((kind !== 'enrollment' && kind !== 'code') || id === null) throw new Error('no result to confirm');
      deps.log.debug({ step: 'verify', provider: 'verify', method: 'app' }, 'code accepted');
      return { result: 'right', outcome: () => ({ type: 'verifyApproved', result: { kind, id } }) };
    } catch (error) {
      const code = providerCode(error);
      deps.log[refusedLevel(code, VERIFY_USER_ANSWERS)]({ step: 'verify', provider: 'verify', verify: code }, 'code refused');
      if (code === 'WRONG_CODE') return { result: 'wrong', outcome: (counter) => ({ type: 'codeWrong', counter }) };
      if (code === 'MAX_ATTEMPTS') {
        return { result: 'wrong', outcome: (counter) => ({ type: 'providerLimit', counter, dropFactor: effect.enrolling }) };
      }
      return { result: 'void', outcome: () => ({ type: 'providerFailed', notice: verifyNotice(error) }) };
    }
  });
}

/**
 * A recovery code passes the same atomic check as any code (refused while locked or at the limit), then
 * is released: the Action, which alone holds the hashes, checks it and counts a wrong one (not here too).
 */
async function reserveRecovery(deps: EffectDeps, visit: Visit, code: string): Promise<EffectOutcome> {
  return guarded(deps, visit, deps.codeHoldMs, async () => {
    deps.log.debug({ step: 'recovery' }, 'recovery code sent to the Action');
    return { result: 'void', outcome: (counter) => ({ type: 'recoverySent', code, counter }) };
  });
}

async function settleWrong(deps: EffectDeps, visit: Visit, reservationId: string) {
  return deps.store.settleAttempt(visit.userKey, reservationId, 'wrong', attemptLimits(visit, deps.now()));
}

/** Performs one effect and reports its outcome as the event the machine takes next. */
export async function perform(effect: Effect, visit: Visit, deps: EffectDeps): Promise<EffectOutcome> {
  const outcome = await performEffect(effect, visit, deps);
  deps.observe?.(effect, visit, outcome, deps.log);
  return outcome;
}

async function performEffect(effect: Effect, visit: Visit, deps: EffectDeps): Promise<EffectOutcome> {
  switch (effect.type) {
    case 'registerPhone':
      try {
        const email = visit.email ?? '';
        const { authyId } = await deps.authy.registerUser({
          email,
          cellphone: effect.nationalNumber,
          countryCode: effect.countryCallingCode,
        });
        deps.log.info({ step: 'enroll' }, 'phone registered');
        return { type: 'registered', authyId, smsSent: await firstCodeBySms(deps.authy, authyId, deps.log) };
      } catch (error) {
        deps.log.warn({ step: 'enroll', authy: authyCode(error) }, 'registration failed');
        return { type: 'providerFailed', notice: providerNotice(error) };
      }
    case 'checkCode':
      return checkCode(deps, visit, effect.authyId, effect.code);
    case 'sendCode':
      return sendCode(deps, visit, effect);
    case 'startPush':
      return startPush(deps, visit, effect.authyId);
    case 'pollPush':
      return pollPush(deps, visit, effect);
    case 'withdrawPush':
      return { type: 'pushEnded', how: 'withdrawn', counter: await settleWrong(deps, visit, effect.reservationId) };
    case 'createFactor':
      return createFactor(deps, visit);
    case 'verifyCode':
      return verifyCode(deps, visit, effect);
    case 'reserveRecovery':
      return reserveRecovery(deps, visit, effect.code);
    case 'finishCancel': {
      const counter = effect.pushReservationId
        ? await settleWrong(deps, visit, effect.pushReservationId)
        : await deps.store.getCounter(visit.userKey, deps.now());
      return { type: 'cancelled', failures: counter.failures };
    }
  }
}
