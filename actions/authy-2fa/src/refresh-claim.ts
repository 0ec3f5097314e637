/**
 * The second_factor claim of a refresh-token exchange. Auth0 runs the Action there
 * (`oauth2-refresh-token`) and cannot redirect; the refresh token was issued by a login that
 * passed this Action, so the new ID token says so: `method: "refresh"`, and `login_method`, how
 * the user's latest second-factor login gave its factor (`last_method` of the stored record),
 * which is the original login's unless the user has signed in again since. Absent when unknown.
 */
import { isRecord } from '../../../lib/is-record';
import { ENROLLMENT_KEY } from '../../../lib/enrollment';

const METHODS: readonly string[] = ['app', 'sms', 'call', 'push'];

export interface RefreshClaim {
  provider: 'authy' | 'verify';
  method: 'refresh';
  login_method?: string;
}

export function refreshClaim(provider: 'authy' | 'verify', appMetadata: Record<string, unknown> | undefined): RefreshClaim {
  const record = appMetadata?.[ENROLLMENT_KEY];
  const last = isRecord(record) ? record.last_method : undefined;
  const claim: RefreshClaim = { provider, method: 'refresh' };
  if (typeof last === 'string' && METHODS.includes(last)) claim.login_method = last;
  return claim;
}
