/**
 * Twilio Verify v2 replies shaped as Twilio documents them: every field of the example responses
 * of the API reference, as recorded in Twilio's own client tests (twilio-python
 * tests/integration/verify/v2/service/: entity/test_new_factor.py, entity/test_factor.py,
 * entity/test_challenge.py, test_verification.py, test_verification_check.py), with the values a
 * test needs swapped in. Plus the provider options the tests share.
 */
import { isProviderError } from '../../lib/providers/types';
import type { VerifyProviderOptions } from '../../lib/providers/verify';

export const ACCOUNT_SID = 'AC' + 'a'.repeat(32);
export const AUTH_TOKEN = 'test-auth-token';
export const SERVICE_SID = 'VA' + 'b'.repeat(32);
export const IDENTITY_SECRET = 'identity-secret-of-at-least-32-bytes!!';
export const FACTOR_SID = 'YF' + 'c'.repeat(32);
export const CHALLENGE_SID = 'YC' + 'd'.repeat(32);
export const VERIFICATION_SID = 'VE' + 'e'.repeat(32);
export const ENTITY_SID = 'YE' + 'f'.repeat(32);
export const PHONE = '+15017122661';
export const API = 'https://verify.twilio.com';
export const SERVICE_PATH = `/v2/Services/${SERVICE_SID}`;
/** Twilio's own example secret (the RFC 6238 SHA1 seed in base32). */
export const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

export function options(extra: Partial<VerifyProviderOptions> = {}): VerifyProviderOptions {
  return {
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    serviceSid: SERVICE_SID,
    identitySecret: IDENTITY_SECRET,
    timeoutMs: 300,
    ...extra,
  };
}

function url(path: string): string {
  return `https://verify.twilio.com/v2/Services/${SERVICE_SID}${path}`;
}

type Fields = Record<string, unknown>;

/** entity/test_new_factor.py test_create_totp_response. */
export function newTotpFactor(identity: string, extra: Fields = {}): Fields {
  return {
    sid: FACTOR_SID,
    account_sid: ACCOUNT_SID,
    service_sid: SERVICE_SID,
    entity_sid: ENTITY_SID,
    identity,
    binding: {
      secret: SECRET,
      uri: `otpauth://totp/The%20Issuer:My%20Account?secret=${SECRET}&issuer=The%20Issuer&algorithm=SHA1&digits=6&period=30`,
    },
    date_created: '2015-07-30T20:00:00Z',
    date_updated: '2015-07-30T20:00:00Z',
    friendly_name: 'friendly_name',
    status: 'unverified',
    factor_type: 'totp',
    config: { alg: 'sha1', skew: 1, code_length: 6, time_step: 30 },
    url: url(`/Entities/${identity}/Factors/${FACTOR_SID}`),
    ...extra,
  };
}

/** entity/test_factor.py test_verify_push_response, as a TOTP factor (no binding after creation). */
export function factor(identity: string, extra: Fields = {}): Fields {
  const created = newTotpFactor(identity, { status: 'verified', ...extra });
  delete created.binding;
  return created;
}

/** entity/test_challenge.py test_create_totp_with_auth_payload_response. */
export function challenge(identity: string, extra: Fields = {}): Fields {
  return {
    sid: CHALLENGE_SID,
    account_sid: ACCOUNT_SID,
    service_sid: SERVICE_SID,
    entity_sid: ENTITY_SID,
    identity,
    factor_sid: FACTOR_SID,
    date_created: '2015-07-30T20:00:00Z',
    date_updated: '2015-07-30T20:00:00Z',
    date_responded: '2015-07-30T20:00:00Z',
    expiration_date: '2015-07-30T20:05:00Z',
    status: 'approved',
    responded_reason: 'none',
    details: { message: 'Hi! Mr. John Doe, would you like to sign up?', date: '2020-07-01T12:13:14Z', fields: [] },
    hidden_details: { ip: '172.168.1.234' },
    metadata: null,
    factor_type: 'totp',
    url: url(`/Entities/${identity}/Challenges/${CHALLENGE_SID}`),
    links: { notifications: url(`/Entities/${identity}/Challenges/${CHALLENGE_SID}/Notifications`) },
    ...extra,
  };
}

/** test_verification.py test_create_verification_response (create, fetch). */
export function verification(extra: Fields = {}): Fields {
  return {
    sid: VERIFICATION_SID,
    service_sid: SERVICE_SID,
    account_sid: ACCOUNT_SID,
    to: PHONE,
    channel: 'sms',
    status: 'pending',
    valid: false,
    date_created: '2015-07-30T20:00:00Z',
    date_updated: '2015-07-30T20:00:00Z',
    lookup: {
      carrier: { error_code: null, name: 'Carrier Name', mobile_country_code: '310', mobile_network_code: '150', type: 'mobile' },
    },
    amount: null,
    payee: null,
    send_code_attempts: [{ time: '2015-07-30T20:00:00Z', channel: 'SMS', channel_id: null }],
    url: url(`/Verifications/${VERIFICATION_SID}`),
    ...extra,
  };
}

/** test_verification_check.py test_verification_checks_response. */
export function verificationCheck(extra: Fields = {}): Fields {
  return {
    sid: VERIFICATION_SID,
    service_sid: SERVICE_SID,
    account_sid: ACCOUNT_SID,
    to: PHONE,
    channel: 'sms',
    status: 'approved',
    valid: true,
    amount: null,
    payee: null,
    date_created: '2015-07-30T20:00:00Z',
    date_updated: '2015-07-30T20:00:00Z',
    ...extra,
  };
}

/** Twilio's error body (twilio.com/docs/api/errors/60200 shows `{ code, message, more_info, status }`). */
export function twilioError(code: number, status: number, message: string): Fields {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** The ProviderError code a call fails with, 'resolved' when it does not fail. */
export async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return isProviderError(error) ? error.code : `not a ProviderError: ${String(error)}`;
  }
  return 'resolved';
}

/** The Basic `Authorization` header of a SID and secret. */
export function basic(sid: string, secret: string): string {
  return `Basic ${Buffer.from(`${sid}:${secret}`).toString('base64')}`;
}

/** An `inject` request with Twilio's auth and a form body. */
export function twilioForm(method: 'POST' | 'GET' | 'DELETE', url: string, fields?: Record<string, string>) {
  return {
    method,
    url,
    headers: {
      authorization: basic(ACCOUNT_SID, AUTH_TOKEN),
      ...(fields ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(fields ? { payload: new URLSearchParams(fields).toString() } : {}),
  };
}
