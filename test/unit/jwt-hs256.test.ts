import { JwtError, signHs256, verifyHs256 } from '../../lib/jwt-hs256';

const secret = 'a-shared-secret-of-at-least-32-bytes!!';
const now = 1_800_000_000;

function forge(header: object, claims: object, signature = ''): string {
  const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc(header)}.${enc(claims)}.${signature}`;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof JwtError ? error.code : 'other';
  }
  return 'none';
}

describe('HS256 JWT', () => {
  test('round-trips claims', () => {
    const token = signHs256({ sub: 'u1', exp: now + 60 }, secret);
    expect(verifyHs256(token, secret, { nowSec: now })).toEqual({ sub: 'u1', exp: now + 60 });
  });

  test('refuses a wrong secret, a changed body, alg none and other algorithms', () => {
    const token = signHs256({ sub: 'u1', exp: now + 60 }, secret);
    expect(code(() => verifyHs256(token, 'another-secret-of-at-least-32-bytes!!', { nowSec: now }))).toBe('ERR_JWT_SIGNATURE');
    const [h, , s] = token.split('.');
    const body = Buffer.from(JSON.stringify({ sub: 'admin', exp: now + 60 })).toString('base64url');
    expect(code(() => verifyHs256(`${h}.${body}.${s}`, secret, { nowSec: now }))).toBe('ERR_JWT_SIGNATURE');
    expect(code(() => verifyHs256(forge({ alg: 'none', typ: 'JWT' }, { sub: 'u1', exp: now + 60 }), secret, { nowSec: now }))).toBe(
      'ERR_JWT_ALG',
    );
    expect(code(() => verifyHs256(forge({ alg: 'RS256' }, { sub: 'u1', exp: now + 60 }, 'abc'), secret, { nowSec: now }))).toBe(
      'ERR_JWT_ALG',
    );
  });

  test('refuses a signature spelled another way that decodes to the same bytes (base64url spare bits)', () => {
    const token = signHs256({ sub: 'u1', exp: now + 60 }, secret);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = token.at(-1) ?? 'A';
    // 32 bytes are 43 characters; the last one carries 4 bits and 2 spare ones.
    const twin = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1] ?? 'A'}`;
    expect(Buffer.from(twin.split('.')[2] ?? '', 'base64url')).toEqual(Buffer.from(token.split('.')[2] ?? '', 'base64url'));
    expect(code(() => verifyHs256(token, secret, { nowSec: now }))).toBe('none');
    expect(code(() => verifyHs256(twin, secret, { nowSec: now }))).toBe('ERR_JWT_SIGNATURE');
  });

  test('refuses expired, future and expiry-less tokens', () => {
    expect(code(() => verifyHs256(signHs256({ exp: now - 10 }, secret), secret, { nowSec: now }))).toBe('ERR_JWT_EXPIRED');
    expect(code(() => verifyHs256(signHs256({ exp: now + 60, iat: now + 600 }, secret), secret, { nowSec: now }))).toBe(
      'ERR_JWT_NOT_YET_VALID',
    );
    expect(code(() => verifyHs256(signHs256({ sub: 'x' }, secret), secret, { nowSec: now }))).toBe('ERR_JWT_CLAIM');
  });

  test('refuses garbage without throwing anything but JwtError', () => {
    for (const bad of [undefined, '', 'abc', 'a.b', 'a.b.c.d', '!!!.###.$$$', 'x'.repeat(9000), 42]) {
      expect(code(() => verifyHs256(bad, secret, { nowSec: now }))).toMatch(/^ERR_JWT_/);
    }
  });
});
