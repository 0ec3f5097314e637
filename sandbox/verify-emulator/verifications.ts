/**
 * What the emulated Verify does with SMS and voice codes: start a verification (or, within its
 * 10 minutes, send the same code again, 5 sends at most), check a code (5 checks at most), and
 * forget a verification once it is approved, canceled, expired or used up, as Twilio does ("Twilio
 * deletes the verification SID once it's expired (10 minutes), approved, or when the max attempts
 * to check a code have been reached"): later checks and fetches answer 404.
 * Codes are "delivered" to the phone page instead of a phone.
 */
import { randomInt } from 'node:crypto';
import * as errors from './errors';
import { LIMITS, newSid, type Channel, type VerificationRecord, type VerifyStore } from './store';

export interface VerificationSettings {
  now: () => number;
  /** Digits of SMS and voice codes (a Service's code_length, 4 to 10; Twilio's default 6). */
  codeLength: number;
  /** How long a verification lives (Twilio: 10 minutes). */
  ttlMs: number;
  /** E.164 prefix of landlines: SMS to them is refused with 60205 (voice calls work). */
  landlinePrefix: string;
  /** Keep approved verifications readable by GET (200, approved) instead of 404, to try both behaviours. */
  keepApproved: boolean;
}

export const MAX_SENDS = 5;
export const MAX_CHECKS = 5;

export class Verifications {
  constructor(
    private readonly store: VerifyStore,
    readonly settings: VerificationSettings,
  ) {}

  /** The verification as Twilio still shows it: pending ones until they expire (approved ones when kept). */
  private live(record: VerificationRecord | undefined): VerificationRecord | undefined {
    if (!record) return undefined;
    if (this.settings.now() >= record.expiresAtMs) return undefined;
    if (record.state === 'pending' || record.state === 'max_attempts_reached') return record;
    return record.state === 'approved' && this.settings.keepApproved ? record : undefined;
  }

  private pendingFor(to: string): VerificationRecord | undefined {
    for (const record of this.store.verifications.values()) {
      const live = this.live(record);
      if (live && live.to === to && live.state !== 'approved') return live;
    }
    return undefined;
  }

  start(to: string, channel: Channel): VerificationRecord {
    if (channel === 'sms' && to.startsWith(this.settings.landlinePrefix)) throw errors.landline();
    const now = this.settings.now();
    this.store.prune(now);
    let record = this.pendingFor(to);
    if (record?.state === 'max_attempts_reached') throw errors.maxCheckAttempts();
    if (record) {
      if (record.sends.length >= MAX_SENDS) throw errors.maxSendAttempts();
    } else {
      if (this.store.verifications.size >= LIMITS.verifications) throw errors.tooManyRequests();
      const code = randomInt(0, 10 ** this.settings.codeLength)
        .toString()
        .padStart(this.settings.codeLength, '0');
      record = {
        sid: newSid('VE'),
        to,
        channel,
        code,
        state: 'pending',
        createdAtMs: now,
        updatedAtMs: now,
        expiresAtMs: now + this.settings.ttlMs,
        sends: [],
        checks: 0,
      };
      this.store.verifications.set(record.sid, record);
    }
    // "The token remains the same during its validity period": a resend carries the same code.
    record.channel = channel;
    record.updatedAtMs = now;
    record.sends.push({ timeMs: now, channel });
    this.store.deliver(to, { channel, code: record.code, atMs: now });
    return record;
  }

  /** VerificationCheck by `To` or `VerificationSid`. */
  check(by: { to?: string; sid?: string }, code: string, path: string): VerificationRecord {
    const record =
      by.sid !== undefined ? this.live(this.store.verifications.get(by.sid)) : by.to !== undefined ? this.pendingFor(by.to) : undefined;
    if (!record || record.state === 'approved' || (by.to !== undefined && record.to !== by.to)) throw errors.notFound(path);
    if (record.state === 'max_attempts_reached' || record.checks >= MAX_CHECKS) {
      record.state = 'max_attempts_reached';
      throw errors.maxCheckAttempts();
    }
    record.checks += 1;
    record.updatedAtMs = this.settings.now();
    if (code === record.code) record.state = 'approved';
    return record;
  }

  fetch(sid: string, path: string): VerificationRecord {
    const record = this.live(this.store.verifications.get(sid));
    if (!record || record.state === 'max_attempts_reached') throw errors.notFound(path);
    return record;
  }

  /** POST Verifications/{sid} Status=canceled|approved (Twilio's "Update a Verification Status"). */
  update(sid: string, status: 'canceled' | 'approved', path: string): VerificationRecord {
    const record = this.fetch(sid, path);
    if (record.state !== 'pending') throw errors.notFound(path);
    record.state = status;
    record.updatedAtMs = this.settings.now();
    return record;
  }
}
