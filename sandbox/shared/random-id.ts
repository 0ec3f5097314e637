/** Opaque random ids (sessions, login transactions, codes, refresh tokens), base64url. */
import { randomBytes } from 'node:crypto';

export function randomId(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
