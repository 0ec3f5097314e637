/** A visit's start for the visit machine's tests: an Authy user not yet enrolled, unless `overrides` say otherwise. */
import { startVisit, type Visit, type VisitStart } from '../../forms-server/visit/visit';

export function testVisit(nowMs: number, overrides: Partial<VisitStart> = {}): Visit {
  return startVisit(
    {
      id: 'v'.repeat(43),
      csrf: 'c'.repeat(43),
      userId: 'auth0|user',
      tenantIssuer: 'tenant.example.auth0.com',
      state: 'state-1',
      continueUrl: 'https://tenant.example.auth0.com/continue',
      audience: 'tenant.example.auth0.com',
      locale: '',
      authyId: null,
      email: 'user@example.com',
      maxFailures: 5,
      lockSeconds: 900,
      linkExpiresAtMs: nowMs + 600_000,
      maxVisitMs: 600_000,
      ...overrides,
    },
    nowMs,
  );
}
