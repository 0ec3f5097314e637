/**
 * What both tokens of the contract share: its version, the parameter that carries a token, the
 * tokens' lifetimes, ContractError, the second-factor methods and the providers a token may name.
 */
import type { JwtClaims } from '../jwt-hs256';

export const CONTRACT_VERSION = 1;
/** Query parameter of the outbound token, and form field of the result token (validateToken's default). */
export const SESSION_TOKEN_PARAM = 'session_token';
/** How long the Action's outbound token lives: long enough to enroll, short enough to limit replay. */
export const OUTBOUND_TTL_SECONDS = 600;
/** How long a result token lives: only the hop from the browser back to Auth0. */
export const RESULT_TTL_SECONDS = 120;

/** The token broke the contract: a claim is missing, of the wrong type or out of range. */
export class ContractError extends Error {
  constructor(
    readonly claim: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

export type SecondFactorMethod = 'app' | 'sms' | 'call' | 'push';
export const METHODS: readonly SecondFactorMethod[] = ['app', 'sms', 'call', 'push'];

/** The providers a token may name. The `provider` claim absent means Authy (tokens of earlier versions). */
export type TokenProvider = 'authy' | 'verify';
export const PROVIDERS: readonly TokenProvider[] = ['authy', 'verify'];

/** Reads the `provider` claim: absent = authy; anything but the known names is refused. */
export function providerClaim(claims: JwtClaims): TokenProvider {
  const value = claims.provider;
  if (value === undefined) return 'authy';
  if (typeof value !== 'string' || !(PROVIDERS as readonly string[]).includes(value)) {
    throw new ContractError('provider', 'claim provider is unknown');
  }
  return value as TokenProvider;
}
