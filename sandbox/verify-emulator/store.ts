/**
 * The Verify emulator's state, in memory only (it holds TOTP seeds and codes; a restart forgets
 * everything, as a fresh Verify Service would have nothing). Bounded: past a limit, new records
 * are refused with Twilio's 429 and expired ones are dropped as time passes.
 */
import { randomBytes } from 'node:crypto';
import type { TotpAlgorithm } from '../../lib/totp';

export type FactorStatus = 'unverified' | 'verified';
export type ChallengeStatus = 'pending' | 'approved' | 'denied';
export type Channel = 'sms' | 'call';
export type VerificationState = 'pending' | 'approved' | 'canceled' | 'max_attempts_reached';

export interface FactorRecord {
  sid: string;
  identity: string;
  friendlyName: string;
  /** The seed, and its base32 form as the binding shows it. */
  seed: Buffer;
  secret: string;
  timeStep: number;
  skew: number;
  codeLength: number;
  alg: TotpAlgorithm;
  status: FactorStatus;
  createdAtMs: number;
  updatedAtMs: number;
  /** Wrong first codes while unverified (5 allowed, then 60310). */
  verifyAttempts: number;
  /** When challenges were created (for 60312), newest last. */
  challengeTimesMs: number[];
  /** Time steps whose code already approved something: refused afterwards (no replay). */
  usedSteps: number[];
}

export interface EntityRecord {
  sid: string;
  identity: string;
  createdAtMs: number;
  factors: Map<string, FactorRecord>;
}

export interface ChallengeRecord {
  sid: string;
  identity: string;
  factorSid: string;
  status: ChallengeStatus;
  createdAtMs: number;
  updatedAtMs: number;
  respondedAtMs: number | null;
  expiresAtMs: number;
  /** Codes checked against it (5 allowed, then 60308). */
  attempts: number;
}

export interface VerificationRecord {
  sid: string;
  to: string;
  channel: Channel;
  code: string;
  state: VerificationState;
  createdAtMs: number;
  updatedAtMs: number;
  expiresAtMs: number;
  sends: { timeMs: number; channel: Channel }[];
  checks: number;
}

export interface DeliveredMessage {
  channel: Channel;
  code: string;
  atMs: number;
}

export const LIMITS = {
  entities: 10_000,
  factorsPerEntity: 20,
  challenges: 50_000,
  verifications: 10_000,
  phones: 10_000,
  messagesPerPhone: 20,
} as const;

/** A Twilio SID: two letters and 32 hex digits. */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export class VerifyStore {
  readonly entities = new Map<string, EntityRecord>();
  readonly challenges = new Map<string, ChallengeRecord>();
  readonly verifications = new Map<string, VerificationRecord>();
  /** Messages "delivered" to each phone (E.164), oldest first. */
  readonly phones = new Map<string, DeliveredMessage[]>();

  /** Drops challenges and verifications past their expiry (and a grace period for reading them back). */
  prune(nowMs: number): void {
    const graceMs = 10 * 60_000;
    for (const [sid, challenge] of this.challenges) if (challenge.expiresAtMs + graceMs < nowMs) this.challenges.delete(sid);
    for (const [sid, verification] of this.verifications) if (verification.expiresAtMs + graceMs < nowMs) this.verifications.delete(sid);
  }

  deliver(to: string, message: DeliveredMessage): void {
    const list = this.phones.get(to) ?? [];
    if (!this.phones.has(to) && this.phones.size >= LIMITS.phones) return;
    this.phones.set(to, [...list, message].slice(-LIMITS.messagesPerPhone));
  }

  reset(): void {
    this.entities.clear();
    this.challenges.clear();
    this.verifications.clear();
    this.phones.clear();
  }
}
