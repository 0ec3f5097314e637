/**
 * RFC 6238 time-based one-time passwords (HMAC-SHA1, the variant Authy documents), so the
 * emulator's "Authy app" codes are real codes that change every period and can be checked
 * against the RFC's own test vectors.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** The HMAC-SHA1 key size RFC 4226 recommends (160 bits). */
export const SEED_BYTES = 20;

/** A fresh random per-user seed. */
export function newSeed(): Buffer {
  return randomBytes(SEED_BYTES);
}

/** RFC 4226 HOTP: HMAC-SHA1 of the 8-byte counter, dynamic truncation, `digits` decimal digits. */
export function hotp(seed: Buffer, counter: number, digits: number): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('counter must be a non-negative integer');
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new RangeError('digits must be 6 to 10');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', seed).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** The RFC 6238 time step counter for a Unix time in milliseconds. */
export function timeStep(nowMs: number, periodSeconds: number): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/** The TOTP code at a Unix time in milliseconds. */
export function totp(seed: Buffer, nowMs: number, digits: number, periodSeconds: number): string {
  return hotp(seed, timeStep(nowMs, periodSeconds), digits);
}

/** Seconds until the current code changes (1..period). */
export function secondsLeft(nowMs: number, periodSeconds: number): number {
  const elapsed = Math.floor(nowMs / 1000) % periodSeconds;
  return periodSeconds - elapsed;
}

/**
 * Whether `code` is the TOTP code of the current step or of one step either side (clock skew
 * between a phone and the server, as Authy allows).
 */
export function totpMatches(seed: Buffer, code: string, nowMs: number, digits: number, periodSeconds: number): boolean {
  const step = timeStep(nowMs, periodSeconds);
  for (const candidate of [step - 1, step, step + 1]) {
    if (candidate >= 0 && hotp(seed, candidate, digits) === code) return true;
  }
  return false;
}
