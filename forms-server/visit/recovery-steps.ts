/**
 * Recovery codes in a visit (machine.ts dispatches to these). Pure: no Fastify, no I/O, no clock.
 *
 * - New codes: an enrolling visit starts with a set (entry generates it); an enrolled user asks
 *   for one on the code page (`newRecoveryCodes`, the route generates it). The page shows them
 *   (copy, download) until the visit ends; they go to the Action, as salted hashes, only with the
 *   next right code, so they replace the old ones only then.
 * - Using one: "Lost your phone?" (`openRecovery`) shows the recovery page; `submitRecovery` checks
 *   the format, then `reserveRecovery` passes the attempt check of any code (refused while locked
 *   or at the limit), and the visit ends with a `recovery` result that carries the code to the
 *   Action, which alone holds the hashes: it checks the code, burns it, and counts a wrong one.
 * - A new phone: on the page after a recovery code, `replacePhone` starts an enrollment in the same
 *   visit (with new codes); its first right code ends the visit with that enrollment's result,
 *   carrying the recovery code too: the Action stores the new phone only if that code is right.
 *   `skipReplace` goes back to the plain recovery result.
 */
import type { Counter } from '../store/types';
import { normalizeRecoveryCode } from '../../lib/recovery-codes';
import type { ResultRecovery } from '../../lib/token-contract';
import type { Transition, UserAction } from './events';
import { enrolledBefore, stepOf, type Visit } from './visit';

/** What a visit knows of recovery codes. */
export interface RecoveryVisit {
  /** Codes the user has left (from the Action, through the outbound token). */
  left: number;
  /** New codes shown in this visit, not stored yet (never logged). */
  codes: string[] | null;
  /** The user is on the recovery page. */
  entering: boolean;
  /** A recovery code counted in this visit while the user sets up a new phone (never logged). */
  used?: { code: string; failures: number } | null;
}

export type RecoveryAction =
  | { type: 'openRecovery' }
  | { type: 'closeRecovery' }
  | { type: 'submitRecovery'; code: unknown }
  | { type: 'newRecoveryCodes'; codes: string[] }
  | { type: 'replacePhone'; codes: string[] }
  | { type: 'skipReplace' };

export const RECOVERY_ACTIONS: readonly RecoveryAction['type'][] = [
  'openRecovery',
  'closeRecovery',
  'submitRecovery',
  'newRecoveryCodes',
  'replacePhone',
  'skipReplace',
];

const stay = (visit: Visit): Transition => ({ visit, effects: [] });

function withRecovery(visit: Visit, patch: Partial<RecoveryVisit>): Visit {
  const current = visit.recovery ?? { left: 0, codes: null, entering: false };
  return { ...visit, recovery: { ...current, ...patch } };
}

/** True when the recovery page is what the visit shows. */
export function onRecoveryPage(visit: Visit): boolean {
  return visit.recovery?.entering === true && stepOf(visit) === 'code' && enrolledBefore(visit);
}

/** May the user use a recovery code in this visit? Enrolled, on the code page, with codes left. */
function canRecover(visit: Visit): boolean {
  return stepOf(visit) === 'code' && enrolledBefore(visit) && (visit.recovery?.left ?? 0) > 0;
}

export function onRecoveryAction(visit: Visit, action: Extract<UserAction, RecoveryAction>): Transition {
  switch (action.type) {
    case 'openRecovery':
      return canRecover(visit) ? stay(withRecovery({ ...visit, notice: null }, { entering: true })) : stay(visit);
    case 'closeRecovery':
      return visit.recovery?.entering ? stay(withRecovery(visit, { entering: false })) : stay(visit);
    case 'submitRecovery': {
      if (!onRecoveryPage(visit) || !canRecover(visit)) return stay(visit);
      const code = normalizeRecoveryCode(action.code);
      if (!code) return { visit: { ...visit, notice: { key: 'recoveryFormat', kind: 'error' } }, effects: [], status: 422 };
      return { visit, effects: [{ type: 'reserveRecovery', code }] };
    }
    case 'newRecoveryCodes':
      // Only an enrolled user at the code page, and one set per visit (a second press keeps the first).
      if (stepOf(visit) !== 'code' || !enrolledBefore(visit) || visit.recovery?.codes) return stay(visit);
      return stay(withRecovery(visit, { codes: action.codes, entering: false }));
    case 'replacePhone':
      return stay(replacing(visit, action.codes) ?? visit);
    case 'skipReplace': {
      const used = visit.recovery?.used;
      if (!used || visit.outcome) return stay(visit);
      return stay({ ...withRecovery(visit, { used: null, codes: null }), push: null, outcome: { kind: 'recovery', ...used } });
    }
  }
}

/** Can this visit set up a new phone? Verify needs nothing more; Authy needs the email to register it. */
export function canReplace(visit: Visit): boolean {
  return visit.provider === 'verify' || visit.email !== null;
}

/** The visit after a recovery code, turned into an enrollment of a new phone (or app), or null when it cannot be. */
function replacing(visit: Visit, codes: string[]): Visit | null {
  const outcome = visit.outcome;
  if (outcome?.kind !== 'recovery' || !canReplace(visit)) return null;
  const used = { code: outcome.code, failures: outcome.failures };
  const fresh = withRecovery(visit, { used, codes, entering: false });
  const target = visit.provider === 'verify' ? { verifyFactorSid: null, pendingFactor: null } : { authyId: null, pendingAuthyId: null };
  return { ...fresh, ...target, channel: 'app', outcome: null, notice: null };
}

/** The recovery code passed the attempt check: the visit ends with it, for the Action to check. */
export function onRecoverySent(visit: Visit, code: string, counter: Counter): Visit {
  return { ...withRecovery(visit, { entering: false }), push: null, outcome: { kind: 'recovery', code, failures: counter.failures } };
}

/**
 * What the result carries of recovery codes, only with a success: the new codes shown (sent as
 * hashes), and, for a new phone set up after a recovery code, that code (its enrollment is the result).
 */
export function resultRecovery(visit: Visit): ResultRecovery {
  const outcome = visit.outcome;
  if (outcome?.kind !== 'verified' && outcome?.kind !== 'verify-verified') return {};
  const used = outcome.enrolledNow ? visit.recovery?.used : null;
  return { codes: visit.recovery?.codes ?? null, code: used?.code ?? null };
}
