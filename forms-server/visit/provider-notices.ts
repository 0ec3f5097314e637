/** Authy's errors in plain words: the catalogue key of the notice a page shows for each. */
import { AuthyError } from '../../lib/authy-client';
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
