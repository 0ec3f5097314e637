/** The providers' errors in plain words: the catalogue key of the notice a page shows for each. The one place that maps them. */
import { AuthyError } from '../../lib/authy-client';
import { isProviderError } from '../../lib/providers/types';
import type { MessageKey } from '../i18n';

export function providerNotice(error: unknown): MessageKey {
  if (!(error instanceof AuthyError)) return 'authyUnavailable';
  switch (error.code) {
    case 'INVALID_PHONE':
    case 'INVALID_REQUEST':
      return 'authyInvalidPhone';
    case 'UNSUPPORTED_PHONE':
      return 'authyUnsupportedPhone';
    case 'UNSUPPORTED_COUNTRY':
      return 'authyUnsupportedCountry';
    case 'RATE_LIMITED':
      return 'authyRateLimited';
    case 'BAD_API_KEY':
      return 'authyConfig';
    case 'USER_NOT_FOUND':
      return 'authyUserMissing';
    default:
      return 'authyUnavailable';
  }
}

/**
 * Twilio Verify's errors (ProviderError codes, lib/providers/types.ts) in plain words. Verify's own
 * attempt limits (MAX_ATTEMPTS: 60202, 60308, 60310) are told apart by the caller (effects.ts), as
 * they count as a failure; BAD_CREDENTIALS (Twilio 20003) is a configuration error, never the user's.
 */
export function verifyNotice(error: unknown): MessageKey {
  if (!isProviderError(error)) return 'verifyUnavailable';
  switch (error.code) {
    case 'RATE_LIMITED':
      return 'verifyRateLimited';
    case 'BAD_CREDENTIALS':
    case 'INVALID_REQUEST':
    case 'UNSUPPORTED':
      return 'verifyConfig';
    case 'NOT_FOUND':
      return 'verifyFactorMissing';
    case 'MAX_ATTEMPTS':
      return 'verifyTooManyChecks';
    default:
      return 'verifyUnavailable';
  }
}
