/**
 * A result token's outcome: what the user did on the forms server's pages (verified with Authy
 * or with Twilio Verify, cancelled, locked, typed a recovery code, presented a remembered
 * device), the claims that carry it, and their reader.
 */
import type { JwtClaims } from '../jwt-hs256';
import { RECOVERY_CODE } from '../recovery-codes';
import { DEVICE_ID, DEVICE_SECRET } from '../remembered-devices';
import { SID } from '../providers/verify-http';
import { ContractError, METHODS, providerClaim, type SecondFactorMethod } from './common';
import { authyIdClaim, int, optionalStr, str } from './claims';

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

/** The two successes, Authy's and Verify's. */
export type SuccessOutcome = Extract<ResultOutcome, { kind: 'verified' | 'verify-verified' }>;

export function isSuccess(outcome: ResultOutcome): outcome is SuccessOutcome {
  return outcome.kind === 'verified' || outcome.kind === 'verify-verified';
}

/** The claims of an outcome: `result` (both successes are `verified`), `failures` and what the kind carries. */
export function outcomeClaims(outcome: ResultOutcome): JwtClaims {
  const claims: JwtClaims = { result: outcome.kind === 'verify-verified' ? 'verified' : outcome.kind };
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
  return claims;
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

/** An Authy `verified` result: no Verify claims, an Authy id, and with a push, its approval. */
function authyOutcome(claims: JwtClaims, method: SecondFactorMethod): ResultOutcome {
  for (const name of ['result_kind', 'result_id']) {
    if (claims[name] !== undefined) throw new ContractError(name, `an Authy result has no ${name}`);
  }
  const authyId = authyIdClaim(claims, 'authy_id');
  if (!authyId) throw new ContractError('authy_id', 'claim authy_id is missing');
  if (typeof claims.enrolled !== 'boolean') throw new ContractError('enrolled', 'claim enrolled is malformed');
  const approvalUuid = optionalStr(claims, 'approval_uuid', /^[0-9a-fA-F-]{8,64}$/);
  if (method === 'push' && !approvalUuid) throw new ContractError('approval_uuid', 'a push result needs approval_uuid');
  return { kind: 'verified', method, authyId, enrolledNow: claims.enrolled, approvalUuid };
}

/** Reads a result's outcome claims. Throws ContractError. */
export function parseOutcome(claims: JwtClaims): ResultOutcome {
  const failures = int(claims, 'failures', 0, 10_000);
  switch (claims.result) {
    case 'verified': {
      const method = claims.method;
      if (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method)) {
        throw new ContractError('method', 'claim method is malformed');
      }
      if (providerClaim(claims) === 'verify') return verifyOutcome(claims, method as SecondFactorMethod);
      return authyOutcome(claims, method as SecondFactorMethod);
    }
    case 'cancelled':
      return { kind: 'cancelled', failures };
    case 'locked':
      return { kind: 'locked', failures, lockedUntilSec: int(claims, 'locked_until', 0, Number.MAX_SAFE_INTEGER) };
    case 'recovery':
      return { kind: 'recovery', code: str(claims, 'recovery_code', RECOVERY_CODE), failures };
    case 'remembered':
      return {
        kind: 'remembered',
        deviceId: str(claims, 'device_id', DEVICE_ID),
        deviceSecret: str(claims, 'device_secret', DEVICE_SECRET),
      };
    default:
      throw new ContractError('result', 'claim result is missing or unknown');
  }
}
