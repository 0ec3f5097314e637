/**
 * Seals a short text (the user's email, which Authy needs at registration) so it can travel
 * in the outbound token's URL without being readable: AES-256-GCM with a key derived from the
 * shared secret by HKDF. Only the Action and the forms server hold that secret.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { randomBuffer } from './random';

const INFO = 'authy-2fa seal v1';

/** Keys already derived, by secret: HKDF runs once per process, not once per seal. A process holds one or two secrets. */
const KEYS = new Map<string, Buffer>();

function key(sharedSecret: string): Buffer {
  let derived = KEYS.get(sharedSecret);
  if (!derived) {
    derived = Buffer.from(hkdfSync('sha256', Buffer.from(sharedSecret, 'utf8'), Buffer.alloc(0), INFO, 32));
    if (KEYS.size >= 8) KEYS.clear();
    KEYS.set(sharedSecret, derived);
  }
  return derived;
}

/** base64url(iv | ciphertext | tag). */
export function seal(plaintext: string, sharedSecret: string): string {
  const iv = randomBuffer(12);
  const cipher = createCipheriv('aes-256-gcm', key(sharedSecret), iv);
  const body = cipher.update(plaintext, 'utf8');
  const rest = cipher.final();
  return Buffer.concat([iv, body, rest, cipher.getAuthTag()]).toString('base64url');
}

/** Returns the plaintext, or null when the sealed text was altered or sealed with another secret. */
export function unseal(sealed: string, sharedSecret: string): string | null {
  if (!/^[A-Za-z0-9_-]{38,2048}$/.test(sealed)) return null;
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 12 + 16 + 1) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(sharedSecret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
