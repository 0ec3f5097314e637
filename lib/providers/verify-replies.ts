/**
 * Strict readers of the Twilio Verify v2 replies the provider uses. Every field read is checked
 * (type, pattern, allowed values) and must name what was asked for; anything else is a malformed
 * reply, thrown as UNAVAILABLE, never taken as a success. Field names and statuses are those of
 * twilio-node src/rest/verify/v2/service/: entity/newFactor.ts (create: `binding` only then),
 * entity/factor.ts, entity/challenge.ts, verification.ts, verificationCheck.ts.
 */
import { isRecord } from '../is-record';
import { base32Decode } from '../totp';
import { SID, malformed } from './verify-http';

/** entity/factor.ts FactorFactorStatuses. */
export type FactorStatus = 'unverified' | 'verified';
/** entity/challenge.ts ChallengeChallengeStatuses. */
export type ChallengeStatus = 'pending' | 'expired' | 'approved' | 'denied';
/** The verification-check reference: "pending, approved, canceled, max_attempts_reached, deleted, failed or expired". */
export type VerificationStatus = 'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'deleted' | 'failed' | 'expired';

const FACTOR_STATUSES: readonly FactorStatus[] = ['unverified', 'verified'];
const CHALLENGE_STATUSES: readonly ChallengeStatus[] = ['pending', 'expired', 'approved', 'denied'];
const VERIFICATION_STATUSES: readonly VerificationStatus[] = [
  'pending',
  'approved',
  'canceled',
  'max_attempts_reached',
  'deleted',
  'failed',
  'expired',
];

/** ISO 8601 in UTC as Twilio writes it ("2015-07-30T20:00:00Z"), to epoch ms. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

function text(body: Record<string, unknown>, field: string, what: string, pattern?: RegExp): string {
  const value = body[field];
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) throw malformed(`${what} (${field})`);
  return value;
}

function oneOf<T extends string>(body: Record<string, unknown>, field: string, allowed: readonly T[], what: string): T {
  const value = body[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw malformed(`${what} (${field})`);
  return value as T;
}

function same(value: string, expected: string | null | undefined, field: string, what: string): void {
  if (expected !== undefined && expected !== null && value !== expected) throw malformed(`${what} (${field} of another record)`);
}

function dateMs(body: Record<string, unknown>, field: string, what: string): number {
  const value = text(body, field, what, ISO_UTC);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw malformed(`${what} (${field})`);
  return ms;
}

function record(body: Record<string, unknown> | null, what: string): Record<string, unknown> {
  if (!body) throw malformed(`${what} (empty)`);
  return body;
}

export interface FactorReply {
  sid: string;
  status: FactorStatus;
  dateUpdatedMs: number;
}

/** A TOTP factor (fetch or verify) of this identity; `sid` when one was asked for. */
export function readFactor(reply: Record<string, unknown> | null, expected: { identity: string; sid?: string }): FactorReply {
  const body = record(reply, 'factor');
  const sid = text(body, 'sid', 'factor', SID.factor);
  same(sid, expected.sid, 'sid', 'factor');
  same(text(body, 'identity', 'factor'), expected.identity, 'identity', 'factor');
  same(text(body, 'factor_type', 'factor'), 'totp', 'factor_type', 'factor');
  return {
    sid,
    status: oneOf(body, 'status', FACTOR_STATUSES, 'factor'),
    dateUpdatedMs: dateMs(body, 'date_updated', 'factor'),
  };
}

/** What authenticator apps read: the base32 secret and the otpauth URI carrying that same secret. */
export interface TotpBinding {
  secret: string;
  uri: string;
}

/** A new TOTP factor: unverified, of this identity, with its `binding` (returned only on creation). */
export function readNewTotpFactor(reply: Record<string, unknown> | null, identity: string): { sid: string; binding: TotpBinding } {
  const factor = readFactor(reply, { identity });
  if (factor.status !== 'unverified') throw malformed('factor (a new factor that is not unverified)');
  const binding = record(reply, 'factor').binding;
  if (!isRecord(binding)) throw malformed('factor (binding)');
  const secret = text(binding, 'secret', 'factor binding', /^[A-Z2-7]{26,128}=*$/);
  let seed: Buffer;
  try {
    seed = base32Decode(secret);
  } catch {
    throw malformed('factor binding (secret not base32)');
  }
  // RFC 4226 asks for at least 128 bits of seed.
  if (seed.length < 16) throw malformed('factor binding (secret too short)');
  const uri = text(binding, 'uri', 'factor binding');
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw malformed('factor binding (uri)');
  }
  if (parsed.protocol !== 'otpauth:' || parsed.host !== 'totp' || parsed.searchParams.get('secret') !== secret) {
    throw malformed('factor binding (uri does not carry the secret)');
  }
  return { sid: factor.sid, binding: { secret, uri } };
}

export interface ChallengeReply {
  sid: string;
  status: ChallengeStatus;
  dateUpdatedMs: number;
}

/** A challenge of this identity and factor; `sid` when one was asked for. */
export function readChallenge(
  reply: Record<string, unknown> | null,
  expected: { identity: string; factorSid: string; sid?: string },
): ChallengeReply {
  const body = record(reply, 'challenge');
  const sid = text(body, 'sid', 'challenge', SID.challenge);
  same(sid, expected.sid, 'sid', 'challenge');
  // The challenge names its entity `identity` (entity/challenge.ts ChallengeResource), not `entity_identity`.
  same(text(body, 'identity', 'challenge'), expected.identity, 'identity', 'challenge');
  same(text(body, 'factor_sid', 'challenge', SID.factor), expected.factorSid, 'factor_sid', 'challenge');
  return {
    sid,
    status: oneOf(body, 'status', CHALLENGE_STATUSES, 'challenge'),
    dateUpdatedMs: dateMs(body, 'date_updated', 'challenge'),
  };
}

export interface VerificationReply {
  sid: string;
  channel: 'sms' | 'call';
  status: VerificationStatus;
  dateUpdatedMs: number;
}

/**
 * A verification or verification check to this phone; `sid` when one was asked for. The channel
 * must be one this product sends (sms, call). A check must say `valid: true` exactly when approved.
 */
export function readVerification(
  reply: Record<string, unknown> | null,
  expected: { to: string; sid?: string; check?: boolean },
): VerificationReply {
  const body = record(reply, 'verification');
  const sid = text(body, 'sid', 'verification', SID.verification);
  same(sid, expected.sid, 'sid', 'verification');
  same(text(body, 'to', 'verification'), expected.to, 'to', 'verification');
  const channel = oneOf<'sms' | 'call'>(body, 'channel', ['sms', 'call'], 'verification');
  const status = oneOf(body, 'status', VERIFICATION_STATUSES, 'verification');
  if (expected.check && body.valid !== (status === 'approved')) throw malformed('verification check (valid and status disagree)');
  return { sid, channel, status, dateUpdatedMs: dateMs(body, 'date_updated', 'verification') };
}
