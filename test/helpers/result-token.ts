/**
 * A result token as the Action reads it after validateToken (lib/token-contract's ResultToken),
 * for the unit tests of the Action's decisions: issued `ageSec` before `nowMs` by the forms
 * server of the tests, for user auth0|1 on example.eu.auth0.com, with the given outcome.
 */
import type { ResultOutcome, ResultToken } from '../../lib/token-contract';

export function resultToken(outcome: ResultOutcome, nowMs: number, over: Partial<ResultToken> = {}, ageSec = 5): ResultToken {
  const iat = Math.floor(nowMs / 1000) - ageSec;
  return {
    issuer: 'https://2fa.example.com',
    audience: 'example.eu.auth0.com',
    userId: 'auth0|1',
    state: 's',
    issuedAtSec: iat,
    expiresAtSec: iat + 120,
    id: '00000000-0000-4000-8000-000000000000',
    outcome,
    ...over,
  };
}
