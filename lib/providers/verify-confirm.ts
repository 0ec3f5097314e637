/**
 * `confirm` for Twilio Verify: the Action asks Twilio, server to server, about what a result token
 * names, and checks that it is this user's, approved and recent.
 *
 * - `app` enrollment: `GET Entities/{Identity}/Factors/{YF}`: the enrollment's factor, `verified`.
 * - `app` code: `GET Entities/{Identity}/Challenges/{YC}`: this identity and factor, `approved`.
 * - `sms` / `call`: `GET Verifications/{VE}`: to the enrollment's phone, `approved`. Twilio "deletes
 *   the verification SID once it's expired (10 minutes), approved, or when the max attempts to check
 *   a code have been reached" (verification-check reference), so an approved verification may well
 *   answer 404: that is 'not_found', never a confirmation.
 * Recency is `date_updated` (the moment of approval) within `maxAgeMs` of now, and not later than
 * now plus clock skew.
 */
import { SID, type VerifyCall } from './verify-http';
import { readChallenge, readFactor, readVerification } from './verify-replies';
import { ProviderError, isProviderError, type Approved, type Confirmation, type Enrollment } from './types';

/** Clock skew tolerated between Twilio and us (ms). */
export const CLOCK_SKEW_MS = 60_000;

type VerifyEnrollment = Extract<Enrollment, { provider: 'verify' }>;

interface Clock {
  maxAgeMs: number;
  nowMs: number;
}

function recent(dateUpdatedMs: number, clock: Clock): Confirmation {
  if (dateUpdatedMs > clock.nowMs + CLOCK_SKEW_MS || clock.nowMs - dateUpdatedMs > clock.maxAgeMs)
    return { confirmed: false, reason: 'stale' };
  return { confirmed: true };
}

/** Runs one lookup; Twilio's 404 (or an unverified factor, 60318) is an answer ('not_found'), other failures throw. */
async function lookup(work: () => Promise<Confirmation>): Promise<Confirmation> {
  try {
    return await work();
  } catch (error) {
    if (isProviderError(error) && error.code === 'NOT_FOUND') return { confirmed: false, reason: 'not_found' };
    throw error;
  }
}

export async function confirmVerify(call: VerifyCall, user: VerifyEnrollment, approved: Approved, clock: Clock): Promise<Confirmation> {
  if (!Number.isFinite(clock.maxAgeMs) || clock.maxAgeMs <= 0)
    throw new ProviderError('INVALID_REQUEST', 'maxAgeSeconds must be positive', 'verify');
  const mismatch: Confirmation = { confirmed: false, reason: 'mismatch' };
  const { kind, id } = approved.result;
  if ((kind !== 'enrollment' && kind !== 'code') || typeof id !== 'string') return mismatch;

  if (approved.method === 'app') {
    const factorSid = user.factorSid;
    if (factorSid === null) return mismatch;
    if (kind === 'enrollment') {
      if (id !== factorSid) return mismatch;
      return lookup(async () => {
        const factor = readFactor(await call('GET', `/Entities/${user.identity}/Factors/${factorSid}`), {
          identity: user.identity,
          sid: id,
        });
        return factor.status === 'verified' ? recent(factor.dateUpdatedMs, clock) : { confirmed: false, reason: 'pending' };
      });
    }
    if (!SID.challenge.test(id)) return mismatch;
    return lookup(async () => {
      const reply = await call('GET', `/Entities/${user.identity}/Challenges/${id}`);
      const challenge = readChallenge(reply, { identity: user.identity, factorSid, sid: id });
      if (challenge.status === 'approved') return recent(challenge.dateUpdatedMs, clock);
      return { confirmed: false, reason: challenge.status === 'pending' ? 'pending' : 'rejected' };
    });
  }

  if (approved.method !== 'sms' && approved.method !== 'call') return mismatch;
  const to = user.phone;
  if (to === null || !SID.verification.test(id)) return mismatch;
  return lookup(async () => {
    const verification = readVerification(await call('GET', `/Verifications/${id}`), { to, sid: id });
    if (verification.status === 'approved') return recent(verification.dateUpdatedMs, clock);
    return { confirmed: false, reason: verification.status === 'pending' ? 'pending' : 'rejected' };
  });
}
