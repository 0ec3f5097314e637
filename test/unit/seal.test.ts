/** lib/seal.ts: AES-256-GCM under a key derived from the shared secret (kept per secret), a fresh IV per seal. */
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { seal, unseal } from '../../lib/seal';

const SECRET = 'lib-seal-test-shared-secret-0123456789abcdef';
const OTHER = 'lib-seal-test-other-secret-0123456789abcdef';

test('base64url(iv | ciphertext | tag) under HKDF-SHA256(secret, "authy-2fa seal v1"), read back by unseal', () => {
  const sealed = seal('ada@example.com', SECRET);
  const raw = Buffer.from(sealed, 'base64url');
  expect(raw.length).toBe(12 + 'ada@example.com'.length + 16);
  const key = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'authy-2fa seal v1', 32));
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  expect(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8')).toBe('ada@example.com');
  expect(unseal(sealed, SECRET)).toBe('ada@example.com');
});

test('a fresh IV each time: the same text sealed twice gives two different texts', () => {
  const a = Buffer.from(seal('ada@example.com', SECRET), 'base64url');
  const b = Buffer.from(seal('ada@example.com', SECRET), 'base64url');
  expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
  expect(a.equals(b)).toBe(false);
});

test('the key is per secret: another secret neither reads nor is read, however many secrets came before', () => {
  const sealed = seal('ada@example.com', SECRET);
  expect(unseal(sealed, OTHER)).toBeNull();
  expect(unseal(seal('ada@example.com', OTHER), SECRET)).toBeNull();
  // More secrets than the process keeps keys for: the first is derived again, the same.
  for (let i = 0; i < 20; i++) expect(unseal(seal(`user${i}@example.com`, `${OTHER}-${i}`), `${OTHER}-${i}`)).toBe(`user${i}@example.com`);
  expect(unseal(sealed, SECRET)).toBe('ada@example.com');
});
