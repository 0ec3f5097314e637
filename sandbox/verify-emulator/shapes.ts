/**
 * The JSON Twilio answers for each resource, field for field as the API reference shows them
 * (twilio-node src/rest/verify/v2/service/: entity/newFactor.ts, entity/factor.ts,
 * entity/challenge.ts, verification.ts, verificationCheck.ts; example replies in twilio-python's
 * tests). Times are ISO 8601 in UTC to the second, as Twilio writes them.
 */
import { bindingUri, type TotpFactors } from './totp-factors';
import type { ChallengeRecord, FactorRecord, VerificationRecord } from './store';

export interface Account {
  accountSid: string;
  serviceSid: string;
  serviceName: string;
}

export function twilioTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const API = 'https://verify.twilio.com/v2';

/** A factor; `binding` only in the answer to its creation ("ONLY returned upon creation"). */
export function factorJson(factor: FactorRecord, entitySid: string, account: Account, withBinding = false): Record<string, unknown> {
  return {
    sid: factor.sid,
    account_sid: account.accountSid,
    service_sid: account.serviceSid,
    entity_sid: entitySid,
    identity: factor.identity,
    ...(withBinding ? { binding: { secret: factor.secret, uri: bindingUri(factor, account.serviceName) } } : {}),
    date_created: twilioTime(factor.createdAtMs),
    date_updated: twilioTime(factor.updatedAtMs),
    friendly_name: factor.friendlyName,
    status: factor.status,
    factor_type: 'totp',
    config: { alg: factor.alg, skew: factor.skew, code_length: factor.codeLength, time_step: factor.timeStep },
    metadata: null,
    url: `${API}/Services/${account.serviceSid}/Entities/${factor.identity}/Factors/${factor.sid}`,
  };
}

export function challengeJson(challenge: ChallengeRecord, entitySid: string, account: Account, totp: TotpFactors): Record<string, unknown> {
  const url = `${API}/Services/${account.serviceSid}/Entities/${challenge.identity}/Challenges/${challenge.sid}`;
  const status = totp.challengeStatus(challenge);
  return {
    sid: challenge.sid,
    account_sid: account.accountSid,
    service_sid: account.serviceSid,
    entity_sid: entitySid,
    identity: challenge.identity,
    factor_sid: challenge.factorSid,
    date_created: twilioTime(challenge.createdAtMs),
    date_updated: twilioTime(challenge.updatedAtMs),
    date_responded: challenge.respondedAtMs === null ? null : twilioTime(challenge.respondedAtMs),
    expiration_date: twilioTime(challenge.expiresAtMs),
    status,
    responded_reason: 'none',
    details: null,
    hidden_details: null,
    metadata: null,
    factor_type: 'totp',
    url,
    links: { notifications: `${url}/Notifications` },
  };
}

/** A verification (create, fetch, update). */
export function verificationJson(record: VerificationRecord, account: Account): Record<string, unknown> {
  return {
    sid: record.sid,
    service_sid: account.serviceSid,
    account_sid: account.accountSid,
    to: record.to,
    channel: record.channel,
    status: record.state,
    valid: record.state === 'approved',
    date_created: twilioTime(record.createdAtMs),
    date_updated: twilioTime(record.updatedAtMs),
    lookup: { carrier: { error_code: null, name: null, mobile_country_code: null, mobile_network_code: null, type: null } },
    amount: null,
    payee: null,
    send_code_attempts: record.sends.map((s) => ({ time: twilioTime(s.timeMs), channel: s.channel.toUpperCase(), channel_id: null })),
    sna: null,
    url: `${API}/Services/${account.serviceSid}/Verifications/${record.sid}`,
  };
}

/** A verification check: `sid` is the verification's; `valid` is true exactly when approved. */
export function verificationCheckJson(record: VerificationRecord, account: Account): Record<string, unknown> {
  return {
    sid: record.sid,
    service_sid: account.serviceSid,
    account_sid: account.accountSid,
    to: record.to,
    channel: record.channel,
    status: record.state,
    valid: record.state === 'approved',
    amount: null,
    payee: null,
    date_created: twilioTime(record.createdAtMs),
    date_updated: twilioTime(record.updatedAtMs),
    sna_attempts_error_codes: [],
  };
}
