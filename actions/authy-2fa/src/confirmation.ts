/**
 * What the provider must confirm before an allowed result lets the login pass (Confirmation, set
 * by the decisions on a result token), what it answered (ConfirmationFacts, asked by confirm.ts),
 * and whether that answer is enough (confirmed). Pure: no Auth0 objects, no I/O.
 */
import type { Approved, Confirmation as ProviderConfirmation } from '../../../lib/providers/types';

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

export interface ConfirmationFacts {
  status: { exists: boolean; registered: boolean; disabled: boolean } | null;
  approval: { status: string; authyId: string | null } | null;
  /** Verify's answer to `provider.confirm` (absent or null: not asked, or the asking failed). */
  verify?: ProviderConfirmation | null;
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
