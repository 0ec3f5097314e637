/**
 * The outbound token (Action → forms server): the payload the Action gives to Auth0's
 * `api.redirect.encodeToken`, and the forms server's reader of the verified claims. Auth0 sets
 * `sub`, `iss`, `exp` and `ip`; the payload adds what the pages need and no readable PII (the
 * email is sealed).
 */
import { randomBase64url } from '../random';
import type { JwtClaims } from '../jwt-hs256';
import { RECOVERY_CODE_COUNT } from '../recovery-codes';
import { DEVICE_ID, MAX_DEVICES, MAX_REMEMBER_DAYS, MIN_REMEMBER_DAYS } from '../remembered-devices';
import { SID } from '../providers/verify-http';
import { CONTRACT_VERSION, ContractError, providerClaim, type TokenProvider } from './common';
import { HOST, USER_ID, authyIdClaim, int, optionalStr, str } from './claims';

/** What the Action passes to `encodeToken({ payload })`. */
export interface OutboundInput {
  /** `event.request.hostname`: where the browser must return (`https://{host}/continue`). */
  continueHost: string;
  /** Present when the user is enrolled with Authy. */
  authyId: string | null;
  /**
   * Who the user is (or, not enrolled yet, will be) enrolled with; default authy. For an unenrolled
   * user it is the tenant's PROVIDER; for an enrolled one, the provider the stored record names.
   */
  provider?: TokenProvider;
  /** Verify: the user's TOTP factor (YF...), present when enrolled with Verify. */
  verifyFactorSid?: string | null;
  /** Sealed email (lib/seal.ts), present when the user must enroll. */
  sealedEmail: string | null;
  failures: number;
  maxFailures: number;
  lockSeconds: number;
  /** First of the login's `ui_locales`, or "". */
  locale: string;
  /** Recovery codes the user has left (lib/recovery-codes.ts); absent = 0. */
  recoveryLeft?: number;
  /** REMEMBER_DAYS when "remember this device" is on (the page offers it), else absent. */
  rememberDays?: number | null;
  /** The ids (never the hashes) of the user's live remembered devices that may skip the page, else absent. */
  deviceIds?: readonly string[];
  /**
   * MOVE_TO_VERIFY: this Authy user, once past the Authy step, sets up an authenticator app with
   * Verify in the same visit (claim `move_to_verify: true`; only with an Authy id).
   */
  moveToVerify?: boolean;
}

/**
 * The outbound token as the forms server reads it. `provider` and `verifyFactorSid` are there
 * only for Verify (absent = Authy, as in every token before Verify): read them with tokenProvider.
 */
export interface OutboundToken extends Omit<OutboundInput, 'provider' | 'verifyFactorSid' | 'moveToVerify' | 'rememberDays' | 'deviceIds'> {
  /** `remember_days`: absent when "remember this device" is off. */
  rememberDays?: number;
  /** `devices`: ids of the remembered devices the Action would accept; absent: none. */
  deviceIds?: string[];
  provider?: 'verify';
  /** Present (true) only when the Action asks this Authy user to move to Verify. */
  moveToVerify?: true;
  verifyFactorSid?: string;
  userId: string;
  /** Tenant host as Auth0 set it in `iss`. */
  tenantIssuer: string;
  /** `exp`, epoch seconds. */
  expiresAtSec: number;
}

export function outboundPayload(input: OutboundInput): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    v: CONTRACT_VERSION,
    continue_host: input.continueHost,
    failures: input.failures,
    max_failures: input.maxFailures,
    lock_seconds: input.lockSeconds,
    locale: input.locale,
    // Random per redirect: Auth0's tokens are otherwise the same for two logins of one user in
    // one second, and the forms server opens one visit per token.
    nonce: randomBase64url(16),
  };
  if (input.authyId) payload.authy_id = input.authyId;
  if (input.provider === 'verify') {
    payload.provider = 'verify';
    if (input.verifyFactorSid) payload.verify_factor_sid = input.verifyFactorSid;
  }
  if (input.sealedEmail) payload.sealed_email = input.sealedEmail;
  if (input.recoveryLeft) payload.recovery_left = input.recoveryLeft;
  if (input.rememberDays) payload.remember_days = input.rememberDays;
  if (input.deviceIds && input.deviceIds.length > 0) payload.devices = input.deviceIds.slice(0, MAX_DEVICES);
  if (input.moveToVerify) {
    if (!input.authyId || input.provider === 'verify') throw new RangeError('only an Authy user moves to Verify');
    payload.move_to_verify = true;
  }
  return payload;
}

const LOCALE = /^([a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*)?$/;
const SEALED = /^[A-Za-z0-9_-]{38,2048}$/;

/** The `devices` claim: at most MAX_DEVICES well-formed ids, or none. */
function deviceIdsClaim(claims: JwtClaims): string[] {
  const value = claims.devices;
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_DEVICES || !value.every((id) => typeof id === 'string' && DEVICE_ID.test(id))) {
    throw new ContractError('devices', 'claim devices is malformed');
  }
  return value as string[];
}

/** The provider an outbound token names: authy unless it says verify. */
export function tokenProvider(token: Pick<OutboundToken, 'provider'>): TokenProvider {
  return token.provider ?? 'authy';
}

/** Reads verified outbound claims (signature and expiry already checked). Throws ContractError. */
export function parseOutboundClaims(claims: JwtClaims): OutboundToken {
  if (claims.v !== CONTRACT_VERSION) throw new ContractError('v', 'unsupported token version');
  const token: OutboundToken = {
    userId: str(claims, 'sub', USER_ID),
    tenantIssuer: str(claims, 'iss', HOST),
    expiresAtSec: int(claims, 'exp', 0, Number.MAX_SAFE_INTEGER),
    continueHost: str(claims, 'continue_host', HOST),
    authyId: authyIdClaim(claims, 'authy_id'),
    sealedEmail: optionalStr(claims, 'sealed_email', SEALED),
    failures: int(claims, 'failures', 0, 10_000),
    maxFailures: int(claims, 'max_failures', 1, 100),
    lockSeconds: int(claims, 'lock_seconds', 1, 7 * 24 * 3600),
    locale: str(claims, 'locale', LOCALE),
  };
  if (claims.recovery_left !== undefined) token.recoveryLeft = int(claims, 'recovery_left', 0, RECOVERY_CODE_COUNT);
  if (claims.remember_days !== undefined) token.rememberDays = int(claims, 'remember_days', MIN_REMEMBER_DAYS, MAX_REMEMBER_DAYS);
  const deviceIds = deviceIdsClaim(claims);
  if (deviceIds.length > 0) token.deviceIds = deviceIds;
  const factorSid = optionalStr(claims, 'verify_factor_sid', SID.factor);
  if (providerClaim(claims) === 'verify') {
    if (token.authyId) throw new ContractError('authy_id', 'a Verify user has no Authy id');
    token.provider = 'verify';
    if (factorSid) token.verifyFactorSid = factorSid;
  } else if (factorSid) {
    throw new ContractError('verify_factor_sid', 'an Authy user has no Verify factor');
  }
  if (claims.move_to_verify !== undefined) {
    if (claims.move_to_verify !== true) throw new ContractError('move_to_verify', 'claim move_to_verify is malformed');
    if (!token.authyId || token.provider === 'verify') throw new ContractError('move_to_verify', 'only an Authy user moves to Verify');
    token.moveToVerify = true;
  }
  if (!token.authyId && !token.verifyFactorSid && !token.sealedEmail) {
    throw new ContractError('sealed_email', 'an unenrolled user needs sealed_email');
  }
  return token;
}
