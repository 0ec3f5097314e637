/**
 * The result token (forms server → Auth0 `/continue`, POSTed as `session_token`): HS256 with the
 * shared secret; `iss` = forms server origin, `aud` = the tenant host the login runs on, `sub`,
 * `state` (checked by `api.redirect.validateToken`), `iat`, `exp` (two minutes), `jti`, then the
 * outcome (./outcome.ts) and, with a success, the extras (./result-extras.ts). The forms server
 * signs it; the Action reads it.
 */
import { randomUUID } from 'node:crypto';
import { signHs256, type JwtClaims } from '../jwt-hs256';
import { nowSec } from '../time';
import { CONTRACT_VERSION, ContractError, RESULT_TTL_SECONDS } from './common';
import { HOST, USER_ID, int, str } from './claims';
import { outcomeClaims, parseOutcome, type ResultOutcome } from './outcome';
import { extraClaims, parseExtras, type DeviceRegistration, type ResultRecovery } from './result-extras';

export interface ResultContext {
  formsOrigin: string;
  /** The outbound token's `continue_host`: the tenant host this result is for. */
  audience: string;
  userId: string;
  state: string;
  secret: string;
  /** Epoch seconds; defaults to the clock. */
  nowSec?: number;
  /** A success only: the device the user asked to remember. */
  rememberDevice?: DeviceRegistration | null;
}

/** The result token as the Action reads it. */
export interface ResultToken {
  issuer: string;
  audience: string;
  userId: string;
  state: string;
  /** `iat`, epoch seconds. */
  issuedAtSec: number;
  /** `exp`, epoch seconds. */
  expiresAtSec: number;
  id: string;
  outcome: ResultOutcome;
  /** A verified result's new recovery codes, as their stored entries (`recovery_hashes`), or null. */
  recoveryHashes?: string[] | null;
  /** A new enrollment after a recovery code: that code (canonical), or null. */
  recoveryCode?: string | null;
  /** A success only: the device to remember; null or absent: none. */
  rememberDevice?: DeviceRegistration | null;
}

/** Signs the forms server's result for Auth0's `/continue` (with `recovery`, see ResultRecovery). */
export function signResultToken(outcome: ResultOutcome, context: ResultContext, recovery: ResultRecovery = {}): string {
  const issuedAtSec = context.nowSec ?? nowSec();
  const claims: JwtClaims = {
    v: CONTRACT_VERSION,
    iss: context.formsOrigin,
    aud: context.audience,
    sub: context.userId,
    state: context.state,
    iat: issuedAtSec,
    exp: issuedAtSec + RESULT_TTL_SECONDS,
    jti: randomUUID(),
    ...outcomeClaims(outcome),
    ...extraClaims(outcome, context.rememberDevice, recovery),
  };
  return signHs256(claims, context.secret);
}

/** Reads verified result claims (signature, expiry and state already checked). Throws ContractError. */
export function parseResultClaims(claims: JwtClaims): ResultToken {
  if (claims.v !== CONTRACT_VERSION) throw new ContractError('v', 'unsupported token version');
  const base = {
    issuer: str(claims, 'iss', /^https?:\/\/[^\s/]+$/),
    audience: str(claims, 'aud', HOST),
    userId: str(claims, 'sub', USER_ID),
    state: str(claims, 'state', /^[^\s]{1,2048}$/),
    issuedAtSec: int(claims, 'iat', 0, Number.MAX_SAFE_INTEGER),
    expiresAtSec: int(claims, 'exp', 0, Number.MAX_SAFE_INTEGER),
    id: str(claims, 'jti', /^[0-9a-f-]{36}$/),
  };
  const outcome = parseOutcome(claims);
  return { ...base, outcome, ...parseExtras(claims, outcome) };
}
