/**
 * Authy's errors as the product knows them: stable codes, AuthyError, and the one table from an
 * Authy error answer (HTTP status and `error_code`) to a code. lib/authy-client.ts raises them and
 * re-exports them; the forms server's readiness check reads its probe's answer with the table.
 */
import { isRecord } from './is-record';

/** Stable codes for what went wrong with an Authy call. */
export type AuthyErrorCode =
  /** The code was wrong (401 + 60020). The user's fault. */
  | 'WRONG_CODE'
  /** The code was right but already used once (60019). */
  | 'CODE_REUSED'
  /** The API key is wrong (401 + 60001): a configuration error, not the user's. */
  | 'BAD_API_KEY'
  /** Authy's rate limit (429 / 60003). */
  | 'RATE_LIMITED'
  /** The phone number was refused as invalid (60027 on users/new, 60033). */
  | 'INVALID_PHONE'
  /** The number cannot receive codes: landline, toll-free, VoIP (60082, 60083). */
  | 'UNSUPPORTED_PHONE'
  /** The country is not supported (60078). */
  | 'UNSUPPORTED_COUNTRY'
  /** The Authy user does not exist (60026, or 404). */
  | 'USER_NOT_FOUND'
  /** A parameter was refused (60002, 60004). */
  | 'INVALID_REQUEST'
  /** No answer within the timeout. */
  | 'TIMEOUT'
  /** Network failure or 5xx. */
  | 'UNAVAILABLE'
  /** An answer that is not what Authy documents. */
  | 'BAD_RESPONSE';

/** An Authy call failed. The message is safe to log: it never holds the API key, a code or a phone number. */
export class AuthyError extends Error {
  constructor(
    readonly code: AuthyErrorCode,
    message: string,
    readonly status?: number,
    readonly authyErrorCode?: string,
  ) {
    super(message);
    this.name = 'AuthyError';
  }
}

/** Maps an Authy error answer to an AuthyError. One table for the whole product. */
export function authyErrorFrom(status: number, body: unknown): AuthyError {
  const code =
    isRecord(body) && (typeof body.error_code === 'string' || typeof body.error_code === 'number') ? String(body.error_code) : undefined;
  const by = (c: AuthyErrorCode, message: string) => new AuthyError(c, message, status, code);
  switch (code) {
    case '60001':
      return by('BAD_API_KEY', 'Authy refused the API key');
    case '60003':
      return by('RATE_LIMITED', 'Authy rate limit reached');
    case '60019':
      return by('CODE_REUSED', 'the code was already used');
    case '60020':
      return by('WRONG_CODE', 'the code is not valid');
    // 60027 ("User was not valid") is what users/new answers for a phone (or email) Authy refuses.
    case '60033':
    case '60027':
      return by('INVALID_PHONE', 'the phone number is not valid');
    case '60078':
      return by('UNSUPPORTED_COUNTRY', 'the country is not supported');
    case '60082':
    case '60083':
      return by('UNSUPPORTED_PHONE', 'the phone number cannot receive codes');
    case '60026':
      return by('USER_NOT_FOUND', 'the Authy user does not exist');
    case '60002':
    case '60004':
    case '60005':
      return by('INVALID_REQUEST', 'Authy refused a parameter');
    default:
      break;
  }
  if (status === 429) return by('RATE_LIMITED', 'Authy rate limit reached');
  if (status === 404) return by('USER_NOT_FOUND', 'the Authy user does not exist');
  if (status >= 500) return by('UNAVAILABLE', `Authy answered ${status}`);
  // A 401 without a known code is most likely the key: treat it as configuration, never as the user's code.
  if (status === 401) return by('BAD_API_KEY', 'Authy answered 401');
  return by('BAD_RESPONSE', `Authy answered ${status}`);
}
