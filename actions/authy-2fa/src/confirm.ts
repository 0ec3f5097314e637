/**
 * The Action's server-to-server questions: what the pure decision (confirmation.ts `Confirmation`)
 * asks to be confirmed, asked of Authy (a new enrollment's user status, a push approval) or of
 * Twilio Verify (`provider.confirm`: the factor of a new enrollment, the challenge of a code).
 * Any failure to ask leaves the fact unconfirmed (so the login is denied) and is named in
 * `failure` for the audit line: an error code, never a message, a secret or an id.
 */
import type { Settings, VerifySettings } from '../../../lib/action-settings';
import { AuthyError, createAuthyClient } from '../../../lib/authy-client';
import { isProviderError } from '../../../lib/providers/types';
import { createVerifyConfirmer, verifyIdentity } from '../../../lib/providers/verify';
import type { Confirmation, ConfirmationFacts, VerifyConfirmation } from './confirmation';

export interface Answers extends ConfirmationFacts {
  /** Why a question could not be asked or answered (the provider's error code), or null. */
  failure: string | null;
  /** Verify's reason when it did not confirm (pending, rejected, not_found, mismatch, stale), or null. */
  unconfirmed: string | null;
}

async function askAuthy(confirm: Confirmation, settings: Settings, answers: Answers): Promise<void> {
  if (!confirm.statusOf && !confirm.approval) return;
  if (settings.authyApiKey === null) {
    answers.failure = 'AUTHY_API_KEY_UNSET';
    return;
  }
  const authy = createAuthyClient({ apiKey: settings.authyApiKey, baseUrl: settings.authyApiUrl, timeoutMs: settings.authyTimeoutMs });
  if (confirm.statusOf) {
    const status = await authy.userStatus(confirm.statusOf);
    answers.status = { exists: true, registered: status.registered, disabled: status.accountDisabled };
  }
  if (confirm.approval) {
    const approval = await authy.approvalStatus(confirm.approval.uuid);
    answers.approval = { status: approval.status, authyId: approval.authyId };
  }
}

/** Twilio Verify, for this user: the identity is recomputed from the user id (never stored), the factor comes from the decision. */
async function askVerify(confirm: VerifyConfirmation, verify: VerifySettings, userId: string, timeoutMs: number, answers: Answers) {
  const confirmWithTwilio = createVerifyConfirmer({
    accountSid: verify.username,
    authToken: verify.password,
    serviceSid: verify.serviceSid,
    identitySecret: verify.identityKey,
    baseUrl: `${verify.apiUrl}/v2`,
    timeoutMs,
  });
  const enrollment = {
    provider: 'verify',
    identity: verifyIdentity(userId, verify.identityKey),
    factorSid: confirm.factorSid,
    phone: null,
  } as const;
  const answer = await confirmWithTwilio(enrollment, confirm.approved, { maxAgeSeconds: confirm.maxAgeSeconds });
  answers.verify = answer;
  if (!answer.confirmed) answers.unconfirmed = answer.reason;
}

/** Asks every provider what the decision needs confirmed. */
export async function askProviders(confirm: Confirmation, settings: Settings, userId: string): Promise<Answers> {
  const answers: Answers = { status: null, approval: null, verify: null, failure: null, unconfirmed: null };
  try {
    await askAuthy(confirm, settings, answers);
    if (confirm.verify) {
      if (!settings.verify) answers.failure = 'VERIFY_UNSET';
      else await askVerify(confirm.verify, settings.verify, userId, settings.authyTimeoutMs, answers);
    }
  } catch (error) {
    answers.failure = error instanceof AuthyError || isProviderError(error) ? error.code : 'error';
  }
  return answers;
}
