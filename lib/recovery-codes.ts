/**
 * Recovery codes: one-time codes a user keeps for the day their phone is lost.
 *
 * - A code is 12 characters of Crockford's base32 (60 random bits), shown as `XXXX-XXXX-XXXX`.
 *   Typed codes are read case-blind, with spaces and dashes ignored, and I/L read as 1, O as 0.
 * - Only salted hashes are stored, in `app_metadata.authy_2fa.recovery` (StoredRecovery): each
 *   entry is `<salt>.<hash>`, both base64url, hash = SHA-256(label, salt, code). 60 bits of
 *   entropy per code make a slow password hash unnecessary: a fast hash with a salt per code is
 *   enough against a leaked copy of app_metadata.
 * - The forms server generates the codes and shows them once; the Action stores the hashes that a
 *   signed result carries (only with a code the provider accepted) and checks a typed code against
 *   them, burning it (removing its entry) when it matches. The comparison is constant time.
 *
 * The Action, the forms server and the admin tools all read and write the record through here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isRecord } from './is-record';
import { randomBuffer } from './random';

/** How many codes a user is given at a time. */
export const RECOVERY_CODE_COUNT = 10;
/** At or below this many codes left, the report counts the user as running low. */
export const RECOVERY_LOW_AT = 3;
export const RECOVERY_FORMAT_VERSION = 1;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 12;
/** A code in its canonical form: 12 symbols of Crockford's base32, upper case, no dashes. */
export const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{12}$/;
const SALT_BYTES = 16;
const HASH_LABEL = 'authy2fa recovery code v1\n';
/** One stored entry: base64url salt (16 bytes) and base64url SHA-256 (32 bytes). */
export const RECOVERY_HASH = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/** What `app_metadata.authy_2fa.recovery` holds. */
export interface StoredRecovery {
  v: 1;
  alg: 'sha256';
  /** The codes not used yet, as `<salt>.<hash>`. A used code's entry is removed. */
  hashes: string[];
  /** ISO time the codes were issued. */
  issued_at: string;
}

/**
 * One new code, formatted for display. 60 bits from the CSPRNG (lib/random.ts: its pooled bytes,
 * not a call per code), no modulo bias (32 symbols); the bytes are wiped once used.
 */
function newCode(): string {
  const bytes = randomBuffer(CODE_CHARS);
  let code = '';
  for (let i = 0; i < CODE_CHARS; i++) {
    if (i === 4 || i === 8) code += '-';
    code += ALPHABET[bytes[i] & 31];
  }
  bytes.fill(0);
  return code;
}

/** A fresh set of codes, formatted for display (all different). */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(newCode());
  return [...codes];
}

/** A typed or displayed code in its canonical form (12 symbols, upper case), or null when it cannot be one. */
export function normalizeRecoveryCode(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 64) return null;
  const code = raw.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  return RECOVERY_CODE.test(code) ? code : null;
}

function digest(salt: Buffer, code: string): Buffer {
  return createHash('sha256').update(HASH_LABEL).update(salt).update(code, 'utf8').digest();
}

/** The stored entry of one code (a new random salt each call). Throws on a code that is not well formed. */
export function hashRecoveryCode(code: string): string {
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) throw new RangeError('not a recovery code');
  const salt = randomBuffer(SALT_BYTES);
  return `${salt.toString('base64url')}.${digest(salt, canonical).toString('base64url')}`;
}

export function hashRecoveryCodes(codes: readonly string[]): string[] {
  return codes.map(hashRecoveryCode);
}

/**
 * The index of the entry `code` (canonical, or as shown: dashes are dropped) matches, or -1. Every
 * entry is hashed and compared in constant time, whatever matched before, so the time taken says
 * nothing about which (or whether) one did. Typed input is read with normalizeRecoveryCode first.
 */
export function matchRecoveryCode(hashes: readonly string[], code: string): number {
  const plain = code.replace(/-/g, '');
  // The format is no secret: only a well-formed code is compared.
  if (!RECOVERY_CODE.test(plain)) return -1;
  let found = -1;
  hashes.forEach((entry, i) => {
    const [salt = '', hash = ''] = entry.split('.');
    const expected = Buffer.from(hash, 'base64url');
    const actual = digest(Buffer.from(salt, 'base64url'), plain);
    // A malformed entry (not 32 bytes) matches nothing; the others are all compared, in constant time.
    if (expected.length === actual.length && timingSafeEqual(actual, expected) && found < 0) found = i;
  });
  return found;
}

/** A list of entries: `min` (1 in a result token, 0 in a stored record) to 10 well-formed, distinct entries. */
export function isRecoveryHashList(value: unknown, min = 1): value is string[] {
  if (!Array.isArray(value) || value.length < min || value.length > RECOVERY_CODE_COUNT) return false;
  return value.every((entry) => typeof entry === 'string' && RECOVERY_HASH.test(entry)) && new Set(value).size === value.length;
}

/**
 * Reads `authy_2fa.recovery` (the enrollment record, not app_metadata). Null when there is none;
 * a record of another version or shape reads as none too (fail closed: no code matches it).
 */
export function readRecovery(enrollmentRecord: unknown): StoredRecovery | null {
  const stored = isRecord(enrollmentRecord) ? enrollmentRecord.recovery : null;
  if (!isRecord(stored) || stored.v !== RECOVERY_FORMAT_VERSION || stored.alg !== 'sha256' || !isRecoveryHashList(stored.hashes, 0))
    return null;
  return stored as unknown as StoredRecovery;
}

/** A new record for freshly issued codes' entries. */
export function newRecovery(hashes: readonly string[], issuedAtIso: string): StoredRecovery {
  return { v: 1, alg: 'sha256', hashes: [...hashes], issued_at: issuedAtIso };
}

/** The record with entry `index` burned. */
export function burnRecoveryCode(recovery: StoredRecovery, index: number): StoredRecovery {
  return { ...recovery, hashes: recovery.hashes.filter((_, i) => i !== index) };
}

/** The codes as the downloaded text file has them. */
export function recoveryCodesText(codes: readonly string[], heading: string): string {
  return `${heading}\n\n${codes.join('\n')}\n`;
}
