/**
 * The token contract between the Action and the forms server. Every claim name lives in this
 * folder; both sides build and read tokens only through the functions this file exports, and the
 * rest of the code imports this file only.
 *
 * Outbound (Action → forms server, ./outbound.ts): made by Auth0's `api.redirect.encodeToken`,
 *   which sets `sub` (user id), `iss` (tenant host), `exp` and `ip`, and adds our payload as
 *   top-level claims. It carries what the pages need and no readable PII (the email is sealed).
 * Result (forms server → Auth0 `/continue`, POSTed as `session_token`, ./result.ts): HS256 with
 *   the shared secret; `iss` = forms server origin, `aud` = the tenant host the login runs on,
 *   `sub`, `state` (checked by `api.redirect.validateToken`), `iat`, `exp` (two minutes), `jti`,
 *   and the outcome (./outcome.ts); a success may add a device to remember and recovery codes
 *   (./result-extras.ts).
 * What both share (the version, the lifetimes, ContractError, methods and providers) is in
 * ./common.ts, and the readers of single claims in ./claims.ts.
 */
export {
  CONTRACT_VERSION,
  ContractError,
  METHODS,
  OUTBOUND_TTL_SECONDS,
  PROVIDERS,
  RESULT_TTL_SECONDS,
  SESSION_TOKEN_PARAM,
  type SecondFactorMethod,
  type TokenProvider,
} from './common';
export { outboundPayload, parseOutboundClaims, tokenProvider, type OutboundInput, type OutboundToken } from './outbound';
export type { MovedFromAuthy, ResultOutcome, VerifyResultRef } from './outcome';
export type { DeviceRegistration, ResultRecovery } from './result-extras';
export { parseResultClaims, signResultToken, type ResultContext, type ResultToken } from './result';
