/**
 * One Twilio Verify v2 call: HTTP Basic auth (Account SID + Auth Token, or API key SID + secret),
 * form-encoded bodies, a timeout per call, JSON answers; and the ONE mapping of Twilio's errors
 * to ProviderError codes (`verifyErrorFrom`).
 *
 * Twilio's error body is `{ code, message, more_info, status }` (e.g. twilio.com/docs/api/errors/60200:
 * `{ "code": 60200, "message": "Invalid parameter: To", "more_info": "...", "status": 400 }`).
 * Codes and statuses below are from Twilio's error pages (twilio.com/docs/api/errors/<code>).
 */
import { isRecord } from '../is-record';
import { ProviderError, type ProviderErrorCode } from './types';

export const VERIFY_BASE_URL = 'https://verify.twilio.com/v2';

/** Twilio SIDs: two letters and 32 hex digits (the `^YF[0-9a-fA-F]{32}$` patterns of the API reference). */
export const SID = {
  account: /^(AC|SK)[0-9a-fA-F]{32}$/,
  service: /^VA[0-9a-fA-F]{32}$/,
  factor: /^YF[0-9a-fA-F]{32}$/,
  challenge: /^YC[0-9a-fA-F]{32}$/,
  verification: /^VE[0-9a-fA-F]{32}$/,
} as const;

/** Entity identity: "length between 8 and 64 characters ... dash (-) separated alphanumeric" (entity/factor.ts of twilio-node). */
export const IDENTITY = /^(?=.{8,64}$)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;

/** Twilio error code -> ProviderError code. Anything not here falls back on the HTTP status. */
const BY_TWILIO_CODE: Record<number, ProviderErrorCode> = {
  20003: 'BAD_CREDENTIALS', // 401 Authenticate: wrong Account SID / Auth Token
  20404: 'NOT_FOUND', // 404: unknown, or expired / approved / used-up verification (Twilio deletes those)
  20429: 'RATE_LIMITED', // 429 Too Many Requests
  60006: 'INVALID_PHONE', // Invalid Phone Number (well formed, refused downstream)
  60202: 'MAX_ATTEMPTS', // 429 Max (5) verification check attempts reached
  60203: 'RATE_LIMITED', // 429 Max send attempts reached (wait for the verification to expire)
  60205: 'UNSUPPORTED_PHONE', // 403 SMS is not supported by landline phone number
  60308: 'MAX_ATTEMPTS', // 429 Challenge verification attempts limit reached (5 for TOTP)
  60310: 'MAX_ATTEMPTS', // 429 Factor verification attempts reached (5 for TOTP)
  60311: 'WRONG_CODE', // 403 Factor verification failed (before 2021-10-27 a wrong first code; now status unverified)
  60312: 'RATE_LIMITED', // 429 Challenge creation limit reached (per factor, per hour / day)
  60318: 'NOT_FOUND', // 403 Factor is unverified: there is no active factor to challenge
  60324: 'WRONG_CODE', // 403 Challenge verification failed: AuthPayload is invalid
};

function byStatus(status: number): ProviderErrorCode {
  if (status === 401 || status === 403) return 'BAD_CREDENTIALS';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 400 && status < 500) return 'INVALID_REQUEST';
  return 'UNAVAILABLE';
}

/** Maps a Twilio error answer to a ProviderError: the one table for Verify. */
export function verifyErrorFrom(status: number, body: unknown): ProviderError {
  const raw = isRecord(body) ? body.code : undefined;
  const twilioCode = typeof raw === 'number' || (typeof raw === 'string' && /^\d{5,6}$/.test(raw)) ? Number(raw) : undefined;
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : '';
  let code: ProviderErrorCode =
    twilioCode !== undefined && Object.hasOwn(BY_TWILIO_CODE, twilioCode) ? BY_TWILIO_CODE[twilioCode] : byStatus(status);
  // 60200 "Invalid parameter": the message names the parameter; `To` is the phone number.
  if (twilioCode === 60200) code = /[Pp]arameter\W+To\b/.test(message) ? 'INVALID_PHONE' : 'INVALID_REQUEST';
  // A 5xx is an outage whatever code it carries.
  if (status >= 500) code = 'UNAVAILABLE';
  const label = twilioCode === undefined ? `HTTP ${status}` : `${twilioCode} (HTTP ${status})`;
  return new ProviderError(
    code,
    `Twilio Verify answered ${label}`,
    'verify',
    status,
    twilioCode === undefined ? undefined : String(twilioCode),
  );
}

/** A reply that is not what Twilio documents: never a success. */
export function malformed(what: string): ProviderError {
  return new ProviderError('UNAVAILABLE', `Twilio Verify answered with a malformed ${what}`, 'verify');
}

const MAX_BODY_CHARS = 256 * 1024;

export interface VerifyHttpOptions {
  username: string;
  password: string;
  /** `${base}/Services/${serviceSid}`, no trailing slash. */
  serviceUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export type VerifyCall = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  form?: Record<string, string>,
) => Promise<Record<string, unknown> | null>;

/** Errors may come from another realm (vm contexts, test runners): look at the name, not the class. */
function isTimeout(error: unknown): boolean {
  const name = isRecord(error) ? error.name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

function unreachable(error: unknown, timeoutMs: number): ProviderError {
  if (isTimeout(error)) {
    return new ProviderError('UNAVAILABLE', `Twilio Verify did not answer within ${timeoutMs} ms`, 'verify', undefined, undefined, true);
  }
  return new ProviderError('UNAVAILABLE', 'Twilio Verify could not be reached', 'verify');
}

/** One call: the answer's JSON object, null for 204 No Content (deletes), or a ProviderError. */
export function createVerifyCall(options: VerifyHttpOptions): VerifyCall {
  const doFetch = options.fetch ?? fetch;
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
  return async function call(method, path, form) {
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${options.serviceUrl}${path}`, {
        method,
        headers: {
          Authorization: authorization,
          Accept: 'application/json',
          ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: form ? new URLSearchParams(form).toString() : undefined,
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
      text = await response.text();
    } catch (error) {
      throw unreachable(error, options.timeoutMs);
    }
    if (response.status === 204 && method === 'DELETE') return null;
    // Verify's answers are a few hundred bytes: anything huge is not one.
    if (text.length > MAX_BODY_CHARS) throw response.ok ? malformed('body (too large)') : verifyErrorFrom(response.status, undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (!response.ok) throw verifyErrorFrom(response.status, undefined);
      throw malformed('body (not JSON)');
    }
    if (!response.ok) throw verifyErrorFrom(response.status, body);
    if (!isRecord(body)) throw malformed('body (not an object)');
    return body;
  };
}
