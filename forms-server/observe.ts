/**
 * Where what happens becomes metrics (metrics.ts) and audit lines (audit.ts): one call per
 * touch point. Effect outcomes come from effects.ts (`perform`), visits opened and refused from
 * the entry route, 429s from the rate-limit plugin, 503s and refused links from the error
 * handler. Whether an effect ended the visit is read from the visit machine itself, so the
 * counts follow exactly what the pages show.
 */
import type { FastifyBaseLogger } from 'fastify';
import { subjectOfKey, type AuditEvent, type AuditFields, type AuditLog, type AuditSubject } from './audit';
import type { Metrics, CodeChannel, CodeResult, PushResult } from './metrics';
import { isLocked } from './visit/attempts';
import { next, type Effect, type EffectOutcome } from './visit/machine';
import { enrolledBefore, type Visit } from './visit/visit';

export interface Observer {
  /** After each effect: its outcome, against the visit it was performed on. */
  effect(effect: Effect, visit: Visit, outcome: EffectOutcome, log: FastifyBaseLogger): void;
  /** A new visit was opened (it may start at its end: locked). */
  visitStarted(visit: Visit, log: FastifyBaseLogger): void;
  linkReused(subject: AuditSubject, log: FastifyBaseLogger): void;
  storeFull(subject: AuditSubject, log: FastifyBaseLogger): void;
  storeUnavailable(log: FastifyBaseLogger): void;
  rateLimited(log: FastifyBaseLogger): void;
  /** A link or form refused outright (forged or expired link, CSRF token missing or wrong). */
  refused(kind: 'link' | 'csrf', log: FastifyBaseLogger, fields?: AuditFields): void;
}

type Audit = (event: AuditEvent, fields?: AuditFields) => void;

function codeChannel(visit: Visit): CodeChannel {
  return visit.channel === 'push' ? 'app' : visit.channel;
}

function codeResult(outcome: EffectOutcome): CodeResult | null {
  switch (outcome.type) {
    case 'codeRight':
    case 'verifyApproved':
      return 'right';
    case 'codeWrong':
    case 'providerLimit':
      return 'wrong';
    case 'codeReused':
      return 'already_used';
    case 'providerFailed':
      return 'provider_error';
    case 'attemptRefused':
      return outcome.reason === 'locked' ? 'refused_locked' : 'refused_busy';
    default:
      return null;
  }
}

function pushResult(outcome: EffectOutcome): PushResult | null {
  switch (outcome.type) {
    case 'pushStarted':
      return 'started';
    case 'pushApproved':
      return 'approved';
    case 'pushEnded':
      return outcome.how;
    case 'providerFailed':
    case 'pushFailed':
      return 'error';
    case 'attemptRefused':
      return 'refused';
    default:
      return null;
  }
}

/** The provider call an effect makes, as audit lines name it. */
function providerCall(effect: Effect): string {
  switch (effect.type) {
    case 'registerPhone':
      return 'register';
    case 'checkCode':
    case 'verifyCode':
      return 'verify';
    case 'createFactor':
      return 'factor_create';
    case 'sendCode':
      return effect.channel;
    case 'startPush':
      return 'push_create';
    case 'pollPush':
      return 'push_status';
    default:
      return 'none';
  }
}

const ACTION_OF: Partial<Record<Effect['type'], string>> = {
  checkCode: 'code',
  verifyCode: 'code',
  sendCode: 'send',
  startPush: 'push',
  reserveRecovery: 'recovery',
};

/** Verify visits' lines say so (Authy's stay as they were). */
function withProvider(visit: Visit, fields: AuditFields = {}): AuditFields {
  return visit.provider === 'verify' ? { ...fields, provider: 'verify' } : fields;
}

/** The audit line of one effect outcome, or null (the locks and endings are added by the caller). */
function auditOf(effect: Effect, visit: Visit, outcome: EffectOutcome): [AuditEvent, AuditFields?] | null {
  switch (outcome.type) {
    case 'registered':
      return ['phone_registered'];
    case 'codeRight':
      return [visit.authyId ? 'verified' : 'enrolled', { method: codeChannel(visit) }];
    case 'codeWrong':
      return ['code_wrong', withProvider(visit, { channel: codeChannel(visit), failures: outcome.counter.failures })];
    case 'verifyApproved':
      return [enrolledBefore(visit) ? 'verified' : 'enrolled', withProvider(visit, { method: 'app' })];
    case 'providerLimit':
      return ['code_wrong', withProvider(visit, { channel: 'app', failures: outcome.counter.failures, provider_limit: true })];
    case 'factorCreated':
      return null;
    case 'codeReused':
      return ['code_reused'];
    case 'attemptRefused':
      return ['attempt_refused', { reason: outcome.reason, action: ACTION_OF[effect.type] ?? effect.type }];
    case 'sent':
      return ['code_sent', { channel: outcome.channel }];
    case 'pushStarted':
      return ['push_started'];
    case 'pushApproved':
      return ['verified', { method: 'push' }];
    case 'pushEnded':
      return [`push_${outcome.how}`, { failures: outcome.counter.failures }];
    case 'providerFailed':
    case 'sendFailed':
    case 'pushFailed':
      return ['provider_error', withProvider(visit, { call: providerCall(effect), notice: outcome.notice })];
    case 'cancelled':
      return ['visit_cancelled', { failures: outcome.failures }];
    case 'pushPending':
      return null;
    case 'recoverySent':
      return ['recovery_submitted', { failures: outcome.counter.failures }];
  }
}

/** The metrics of one effect outcome. */
function countOutcome(metrics: Metrics, effect: Effect, visit: Visit, outcome: EffectOutcome): void {
  if (effect.type === 'registerPhone') metrics.registrations.inc({ result: outcome.type === 'registered' ? 'registered' : 'failed' });
  if (effect.type === 'createFactor') metrics.registrations.inc({ result: outcome.type === 'factorCreated' ? 'registered' : 'failed' });
  if (effect.type === 'checkCode' || effect.type === 'verifyCode') {
    const result = codeResult(outcome);
    if (result) metrics.codesChecked.inc({ result, channel: codeChannel(visit) });
  }
  if (effect.type === 'sendCode') {
    const result = outcome.type === 'sent' ? 'sent' : outcome.type === 'attemptRefused' ? 'refused_locked' : 'provider_error';
    metrics.sends.inc({ channel: effect.channel, result });
  }
  if (effect.type === 'startPush' || effect.type === 'pollPush' || effect.type === 'withdrawPush') {
    const result = pushResult(outcome);
    if (result) metrics.pushes.inc({ result });
  }
}

export function createObserver(metrics: Metrics, auditLog: AuditLog, now: () => number): Observer {
  return {
    effect(effect, visit, outcome, log) {
      const audit: Audit = (event, fields) => auditLog(log, event, subjectOfKey(visit.userKey), fields);
      countOutcome(metrics, effect, visit, outcome);
      const line = auditOf(effect, visit, outcome);
      if (line) audit(...line);
      const after = next(visit, outcome, now()).visit;
      if (visit.outcome || !after.outcome) return;
      metrics.visitsEnded.inc({ outcome: after.outcome.kind });
      // A wrong answer that reached the limit: this request locked the user.
      const failed = outcome.type === 'codeWrong' || outcome.type === 'pushEnded' || outcome.type === 'providerLimit';
      if (failed && isLocked(outcome.counter, now())) {
        metrics.locks.inc();
        const lockedUntilSec = after.outcome.kind === 'locked' ? after.outcome.lockedUntilSec : 0;
        audit('locked', { failures: outcome.counter.failures, locked_until: lockedUntilSec });
      }
    },
    visitStarted(visit, log) {
      const enrolled = enrolledBefore(visit);
      metrics.visitsStarted.inc({ enrolled: String(enrolled) });
      auditLog(log, 'visit_started', subjectOfKey(visit.userKey), { enrolled, locked: visit.outcome?.kind === 'locked' });
      if (visit.outcome) metrics.visitsEnded.inc({ outcome: visit.outcome.kind });
    },
    linkReused(subject, log) {
      metrics.linksReused.inc();
      auditLog(log, 'link_reused', subject);
    },
    storeFull(subject, log) {
      metrics.storeFull.inc();
      auditLog(log, 'store_full', subject);
    },
    storeUnavailable(log) {
      metrics.storeUnavailable.inc();
      auditLog(log, 'store_unavailable', null);
    },
    rateLimited(log) {
      metrics.rateLimited.inc();
      auditLog(log, 'rate_limited', null);
    },
    refused(kind, log, fields) {
      auditLog(log, kind === 'link' ? 'link_refused' : 'csrf_refused', null, fields);
    },
  };
}
