/**
 * RFC 6238 time-based one-time passwords (on RFC 4226 HOTP) with HMAC-SHA1, -SHA256 or -SHA512,
 * and RFC 4648 base32, the encoding of TOTP seeds in `otpauth://` URIs. The one implementation in
 * the product: the Authy emulator's app codes, the Verify emulator's TOTP factors and the tests.
 * Node built-ins only (lib/ may be bundled into the Action).
 */
import { createHmac, randomBytes } from 'node:crypto';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export const TOTP_ALGORITHMS: readonly TotpAlgorithm[] = ['sha1', 'sha256', 'sha512'];

/** The HMAC-SHA1 key size RFC 4226 recommends (160 bits). */
export const SEED_BYTES = 20;

/** Fewest and most digits a code may have: Twilio Verify allows 3 to 8, RFC 4226 shows up to 10. */
export const MIN_DIGITS = 3;
export const MAX_DIGITS = 10;

/** A fresh random seed. */
export function newSeed(bytes: number = SEED_BYTES): Buffer {
  return randomBytes(bytes);
}

function checkDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < MIN_DIGITS || digits > MAX_DIGITS) {
    throw new RangeError(`digits must be ${MIN_DIGITS} to ${MAX_DIGITS}`);
  }
}

function checkPeriod(periodSeconds: number): void {
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1) throw new RangeError('periodSeconds must be a positive integer');
}

/** RFC 4226 HOTP: HMAC of the 8-byte big-endian counter, dynamic truncation, `digits` decimal digits. */
export function hotp(seed: Buffer, counter: number, digits: number, algorithm: TotpAlgorithm = 'sha1'): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('counter must be a non-negative integer');
  checkDigits(digits);
  if (!TOTP_ALGORITHMS.includes(algorithm)) throw new RangeError('algorithm must be sha1, sha256 or sha512');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, seed).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** The RFC 6238 time step counter T for a Unix time in milliseconds (T0 = 0). */
export function timeStep(nowMs: number, periodSeconds: number): number {
  checkPeriod(periodSeconds);
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/** The TOTP code at a Unix time in milliseconds. */
export function totp(seed: Buffer, nowMs: number, digits: number, periodSeconds: number, algorithm: TotpAlgorithm = 'sha1'): string {
  return hotp(seed, timeStep(nowMs, periodSeconds), digits, algorithm);
}

/** Seconds until the current code changes (1..period). */
export function secondsLeft(nowMs: number, periodSeconds: number): number {
  checkPeriod(periodSeconds);
  const elapsed = Math.floor(nowMs / 1000) % periodSeconds;
  return periodSeconds - elapsed;
}

export interface TotpMatchOptions {
  /** Steps accepted either side of the current one (clock skew); default 1. */
  skew?: number;
  algorithm?: TotpAlgorithm;
}

/**
 * The time step whose code `code` is, within `skew` steps of the current one, or null. Callers that
 * refuse a replayed code remember the step. Compares every candidate (no early exit on a match).
 */
export function matchingStep(
  seed: Buffer,
  code: string,
  nowMs: number,
  digits: number,
  periodSeconds: number,
  options: TotpMatchOptions = {},
): number | null {
  const skew = options.skew ?? 1;
  if (!Number.isInteger(skew) || skew < 0 || skew > 10) throw new RangeError('skew must be an integer from 0 to 10');
  const step = timeStep(nowMs, periodSeconds);
  let found: number | null = null;
  for (let candidate = step - skew; candidate <= step + skew; candidate += 1) {
    if (candidate >= 0 && hotp(seed, candidate, digits, options.algorithm) === code && found === null) found = candidate;
  }
  return found;
}

/** Whether `code` is the code of the current step or of one within `skew` steps (default 1) either side. */
export function totpMatches(
  seed: Buffer,
  code: string,
  nowMs: number,
  digits: number,
  periodSeconds: number,
  options: TotpMatchOptions = {},
): boolean {
  return matchingStep(seed, code, nowMs, digits, periodSeconds, options) !== null;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Valid lengths of the last quantum without padding, and the "=" each needs (RFC 4648 section 6). */
const PAD_FOR_TAIL: Record<number, number> = { 0: 0, 2: 6, 4: 4, 5: 3, 7: 1 };

/** RFC 4648 base32 (upper case); with `=` padding unless `padding: false` (otpauth URIs leave it out). */
export function base32Encode(bytes: Uint8Array, options: { padding?: boolean } = {}): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  if (options.padding === false) return out;
  return out + '='.repeat(PAD_FOR_TAIL[out.length % 8] ?? 0);
}

/**
 * RFC 4648 base32 to bytes. Accepts lower case and missing padding (as authenticator apps do);
 * refuses other characters, impossible lengths, wrong padding and non-zero trailing bits
 * (non-canonical text), with a RangeError.
 */
export function base32Decode(text: string): Buffer {
  const upper = text.toUpperCase();
  const body = upper.replace(/=+$/, '');
  const padding = upper.length - body.length;
  const tail = body.length % 8;
  if (!Object.hasOwn(PAD_FOR_TAIL, tail)) throw new RangeError('base32: impossible length');
  if (padding > 0 && (padding !== PAD_FOR_TAIL[tail] || upper.length % 8 !== 0)) throw new RangeError('base32: wrong padding');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of body) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) throw new RangeError('base32: invalid character');
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) throw new RangeError('base32: non-zero trailing bits');
  return Buffer.from(bytes);
}
