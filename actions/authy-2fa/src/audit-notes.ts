/**
 * The audit line of each decision (lib/audit.ts writes it): the event, and the fields that say
 * why, for a decision at the start of a login (executeAudit) and on a result token (continueAudit).
 */
import type { ActionAuditEvent, AuditFields } from '../../../lib/audit';
import { isEnrolled } from '../../../lib/enrollment';
import { msToSec } from '../../../lib/time';
import type { ContinueDecision } from './continue-decision';
import type { ExecuteAllowWhy, ExecuteDecision, ExecuteFacts } from './decide-execute';

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
