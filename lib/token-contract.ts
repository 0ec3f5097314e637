/**
 * The token contract between the Action and the forms server. Every claim name lives here;
 * both sides build and read tokens only through these functions.
 *
 * Outbound (Action → forms server): made by Auth0's `api.redirect.encodeToken`, which sets
 *   `sub` (user id), `iss` (tenant host), `exp` and `ip`, and adds our payload as top-level
 *   claims. It carries what the pages need and no readable PII (the email is sealed).
 * Result (forms server → Auth0 `/continue`, POSTed as `session_token`): HS256 with the shared
 *   secret; `iss` = forms server origin, `aud` = the tenant host the login runs on, `sub`,
 *   `state` (checked by `api.redirect.validateToken`), `iat`, `exp` (two minutes), `jti`,
 *   and the outcome.
 */
import { randomUUID } from 'node:crypto';
import { randomBase64url } from './random';
import { signHs256, type JwtClaims } from './jwt-hs256';
import { normalizeAuthyId } from './enrollment';
import { RECOVERY_CODE, RECOVERY_CODE_COUNT, hashRecoveryCodes, isRecoveryHashList } from './recovery-codes';
import {
  DEVICE_HASH,
  DEVICE_ID,
  DEVICE_LABEL,
  DEVICE_SECRET,
  MAX_DEVICES,
  MAX_REMEMBER_DAYS,
  MIN_REMEMBER_DAYS,
} from './remembered-devices';
import { SID } from './providers/verify-http';
import { nowSec } from './time';

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
function providerClaim(claims: JwtClaims): TokenProvider {
  const value = claims.provider;
  if (value === undefined) return 'authy';
  if (typeof value !== 'string' || !(PROVIDERS as readonly string[]).includes(value)) {
    throw new ContractError('provider', 'claim provider is unknown');
  }
  return value as TokenProvider;
}

// ---------------------------------------------------------------- outbound

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

function str(claims: JwtClaims, name: string, pattern: RegExp): string {
  const value = claims[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new ContractError(name, `claim ${name} is missing or malformed`);
  return value;
}

function optionalStr(claims: JwtClaims, name: string, pattern: RegExp): string | null {
  return claims[name] === undefined ? null : str(claims, name, pattern);
}

function int(claims: JwtClaims, name: string, min: number, max: number): number {
  const value = claims[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ContractError(name, `claim ${name} is missing or out of range`);
  }
  return value;
}

const USER_ID = /^[^\s]{1,200}$/;
const HOST = /^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$/i;
const LOCALE = /^([a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*)?$/;
const SEALED = /^[A-Za-z0-9_-]{38,2048}$/;

function authyIdClaim(claims: JwtClaims, name: string): string | null {
  if (claims[name] === undefined) return null;
  const id = normalizeAuthyId(claims[name]);
  if (!id) throw new ContractError(name, `claim ${name} is malformed`);
  return id;
}

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

// ---------------------------------------------------------------- result

/**
 * What a Verify result names for the Action to confirm with Twilio (`result_kind`, `result_id`):
 * an app enrollment: the factor (YF...); an app code: the challenge (YC...); an SMS or voice
 * code: the verification (VE...), which Twilio deletes once approved (so it cannot be confirmed).
 */
export interface VerifyResultRef {
  kind: 'enrollment' | 'code';
  id: string;
}

/** The Authy step of a move to Verify. */
export interface MovedFromAuthy {
  authyId: string;
  method: SecondFactorMethod;
}

/**
 * A result's outcome. `verified` is Authy's (claims `provider: "authy"`, `authy_id`, ...);
 * `verify-verified` is a success with Twilio Verify (claims `result: "verified"`, `provider:
 * "verify"`, `result_kind`, `result_id`): two kinds, so that each provider's success has its own shape.
 */
export type ResultOutcome =
  | { kind: 'verified'; method: SecondFactorMethod; authyId: string; enrolledNow: boolean; approvalUuid: string | null }
  | {
      kind: 'verify-verified';
      method: 'app' | 'sms' | 'call';
      enrolledNow: boolean;
      result: VerifyResultRef;
      /** A move from Authy (move_to_verify): the Authy id whose step was passed first, and how (claims `from_authy_id`, `from_method`). */
      fromAuthy?: MovedFromAuthy;
    }
  | { kind: 'cancelled'; failures: number }
  /**
   * A recovery code as typed (canonical form), for the Action to check against its stored hashes
   * and burn; `failures` counts it already (the forms server cannot check it, so it counts as a try).
   */
  | { kind: 'recovery'; code: string; failures: number }
  /** `lockedUntilSec`: the `locked_until` claim, epoch seconds. */
  | { kind: 'locked'; failures: number; lockedUntilSec: number }
  /** The browser presented a remembered device (claims `device_id`, `device_secret`): the Action checks it against its stored hash. */
  | { kind: 'remembered'; deviceId: string; deviceSecret: string };

/**
 * A device to remember, carried by a success (claims `remember_device_id`, `remember_device_hash`,
 * `remember_device_label`): its hash, never its secret, and the label an admin sees (browser family and date).
 */
export interface DeviceRegistration {
  id: string;
  hash: string;
  label: string;
}

/**
 * What a result carries of recovery codes besides a `recovery` outcome, only with a success:
 * `codes`, new codes shown to the user (sent as their salted hashes, `recovery_hashes`), and
 * `code`, with a new enrollment: the recovery code that let the user set up this new phone or app
 * (`recovery_code`), which the Action checks and burns before the new enrollment replaces the old.
 */
export interface ResultRecovery {
  codes?: readonly string[] | null;
  code?: string | null;
}

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
    result: outcome.kind === 'verify-verified' ? 'verified' : outcome.kind,
  };
  if (outcome.kind === 'verified') {
    claims.provider = 'authy';
    claims.method = outcome.method;
    claims.authy_id = outcome.authyId;
    claims.enrolled = outcome.enrolledNow;
    claims.failures = 0;
    if (outcome.approvalUuid) claims.approval_uuid = outcome.approvalUuid;
  } else if (outcome.kind === 'verify-verified') {
    claims.provider = 'verify';
    claims.method = outcome.method;
    claims.enrolled = outcome.enrolledNow;
    claims.failures = 0;
    claims.result_kind = outcome.result.kind;
    claims.result_id = outcome.result.id;
    if (outcome.fromAuthy) {
      if (outcome.result.kind !== 'enrollment') throw new RangeError('a move to Verify ends with an enrollment');
      claims.from_authy_id = outcome.fromAuthy.authyId;
      claims.from_method = outcome.fromAuthy.method;
    }
  } else if (outcome.kind === 'remembered') {
    claims.failures = 0;
    claims.device_id = outcome.deviceId;
    claims.device_secret = outcome.deviceSecret;
  } else {
    claims.failures = outcome.failures;
    if (outcome.kind === 'locked') claims.locked_until = outcome.lockedUntilSec;
    if (outcome.kind === 'recovery') claims.recovery_code = outcome.code;
  }
  if (context.rememberDevice && (outcome.kind === 'verified' || outcome.kind === 'verify-verified')) {
    claims.remember_device_id = context.rememberDevice.id;
    claims.remember_device_hash = context.rememberDevice.hash;
    claims.remember_device_label = context.rememberDevice.label;
  }
  if (outcome.kind === 'verified' || outcome.kind === 'verify-verified') {
    if (recovery.codes && recovery.codes.length > 0) claims.recovery_hashes = hashRecoveryCodes(recovery.codes);
    if (recovery.code && outcome.enrolledNow) claims.recovery_code = recovery.code;
  }
  return signHs256(claims, context.secret);
}

/** What a Verify result may name, by method and kind: the SID pattern of the record Twilio keeps (or kept). */
function verifyResultPattern(method: SecondFactorMethod, kind: VerifyResultRef['kind']): RegExp {
  if (method !== 'app') return SID.verification;
  return kind === 'enrollment' ? SID.factor : SID.challenge;
}

/** A Verify `verified` result: no Authy claims, a result kind that matches `enrolled`, a SID of the right kind. */
function verifyOutcome(claims: JwtClaims, method: SecondFactorMethod): ResultOutcome {
  for (const name of ['authy_id', 'approval_uuid']) {
    if (claims[name] !== undefined) throw new ContractError(name, `a Verify result has no ${name}`);
  }
  if (method === 'push') throw new ContractError('method', 'Verify has no push');
  if (typeof claims.enrolled !== 'boolean') throw new ContractError('enrolled', 'claim enrolled is malformed');
  const kind = claims.result_kind;
  if (kind !== 'enrollment' && kind !== 'code') throw new ContractError('result_kind', 'claim result_kind is missing or unknown');
  if ((kind === 'enrollment') !== claims.enrolled) throw new ContractError('result_kind', 'claim result_kind does not match enrolled');
  const id = str(claims, 'result_id', verifyResultPattern(method, kind));
  const outcome: ResultOutcome = { kind: 'verify-verified', method, enrolledNow: claims.enrolled, result: { kind, id } };
  const fromAuthyId = authyIdClaim(claims, 'from_authy_id');
  const fromMethod = claims.from_method;
  if (fromAuthyId === null) {
    if (fromMethod !== undefined) throw new ContractError('from_method', 'claim from_method needs from_authy_id');
    return outcome;
  }
  if (kind !== 'enrollment') throw new ContractError('from_authy_id', 'a move to Verify ends with an enrollment');
  if (typeof fromMethod !== 'string' || !(METHODS as readonly string[]).includes(fromMethod)) {
    throw new ContractError('from_method', 'claim from_method is malformed');
  }
  return { ...outcome, fromAuthy: { authyId: fromAuthyId, method: fromMethod as SecondFactorMethod } };
}

/** The device a success asks to remember: both claims or neither, and only on a success. */
function rememberDeviceClaims(claims: JwtClaims, outcome: ResultOutcome): DeviceRegistration | null {
  if (claims.remember_device_id === undefined && claims.remember_device_hash === undefined) return null;
  if (outcome.kind !== 'verified' && outcome.kind !== 'verify-verified') {
    throw new ContractError('remember_device_id', 'not a success');
  }
  return {
    id: str(claims, 'remember_device_id', DEVICE_ID),
    hash: str(claims, 'remember_device_hash', DEVICE_HASH),
    label: str(claims, 'remember_device_label', DEVICE_LABEL),
  };
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
  const failures = int(claims, 'failures', 0, 10_000);
  let outcome: ResultOutcome;
  switch (claims.result) {
    case 'verified': {
      const method = claims.method;
      if (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method)) {
        throw new ContractError('method', 'claim method is malformed');
      }
      if (providerClaim(claims) === 'verify') {
        outcome = verifyOutcome(claims, method as SecondFactorMethod);
        break;
      }
      for (const name of ['result_kind', 'result_id']) {
        if (claims[name] !== undefined) throw new ContractError(name, `an Authy result has no ${name}`);
      }
      const authyId = authyIdClaim(claims, 'authy_id');
      if (!authyId) throw new ContractError('authy_id', 'claim authy_id is missing');
      if (typeof claims.enrolled !== 'boolean') throw new ContractError('enrolled', 'claim enrolled is malformed');
      const approvalUuid = optionalStr(claims, 'approval_uuid', /^[0-9a-fA-F-]{8,64}$/);
      if (method === 'push' && !approvalUuid) throw new ContractError('approval_uuid', 'a push result needs approval_uuid');
      outcome = { kind: 'verified', method: method as SecondFactorMethod, authyId, enrolledNow: claims.enrolled, approvalUuid };
      break;
    }
    case 'cancelled':
      outcome = { kind: 'cancelled', failures };
      break;
    case 'locked':
      outcome = { kind: 'locked', failures, lockedUntilSec: int(claims, 'locked_until', 0, Number.MAX_SAFE_INTEGER) };
      break;
    case 'recovery': {
      outcome = { kind: 'recovery', code: str(claims, 'recovery_code', RECOVERY_CODE), failures };
      break;
    }
    case 'remembered':
      outcome = {
        kind: 'remembered',
        deviceId: str(claims, 'device_id', DEVICE_ID),
        deviceSecret: str(claims, 'device_secret', DEVICE_SECRET),
      };
      break;
    default:
      throw new ContractError('result', 'claim result is missing or unknown');
  }
  // Recovery codes besides the outcome, only with a success: new codes (`recovery_hashes`, a list of
  // well-formed distinct entries), and with a new enrollment, the recovery code that allowed it.
  const success = outcome.kind === 'verified' || outcome.kind === 'verify-verified';
  const recoveryHashes = claims.recovery_hashes ?? null;
  if (recoveryHashes !== null && !(success && isRecoveryHashList(recoveryHashes))) throw new ContractError('recovery_hashes', 'bad');
  const recoveryCode = outcome.kind === 'recovery' ? null : optionalStr(claims, 'recovery_code', RECOVERY_CODE);
  if (recoveryCode && !('enrolledNow' in outcome && outcome.enrolledNow)) throw new ContractError('recovery_code', 'bad');
  return {
    ...base,
    outcome,
    recoveryHashes,
    recoveryCode,
    rememberDevice: rememberDeviceClaims(claims, outcome),
  };
}
