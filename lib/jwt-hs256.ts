/**
 * Minimal HS256 JSON Web Tokens on node:crypto, so that the bundled Action and the forms
 * server share one implementation with no npm dependency. Only HS256 is accepted: a token
 * whose header names any other algorithm (including "none") is refused before any check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord } from './is-record';
import { nowSec } from './time';

/** Why a token was refused. Stable codes that callers may switch on. */
export type JwtErrorCode =
  'ERR_JWT_MALFORMED' | 'ERR_JWT_ALG' | 'ERR_JWT_SIGNATURE' | 'ERR_JWT_EXPIRED' | 'ERR_JWT_NOT_YET_VALID' | 'ERR_JWT_CLAIM';

/** A token failed verification; `code` says which check, the message never contains the token. */
export class JwtError extends Error {
  constructor(
    readonly code: JwtErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

export type JwtClaims = Record<string, unknown>;

/** Tokens longer than this are refused unread (a URL or form field carrying megabytes is an attack). */
export const MAX_TOKEN_LENGTH = 8192;

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Signs `claims` as an HS256 JWT. */
export function signHs256(claims: JwtClaims, secret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const signature = b64url(hmac(secret, `${header}.${body}`));
  return `${header}.${body}.${signature}`;
}

function parseSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new JwtError('ERR_JWT_MALFORMED', 'token segment is not base64url');
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError('ERR_JWT_MALFORMED', 'token segment is not JSON');
  }
}

export interface VerifyOptions {
  /** Current time, epoch seconds; defaults to the clock. */
  nowSec?: number;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. */
  clockToleranceSeconds?: number;
}

/**
 * Verifies an HS256 JWT: header, signature (constant time), `exp` (required), `nbf` and `iat`
 * (when present). Returns the claims; throws JwtError otherwise.
 */
export function verifyHs256(token: unknown, secret: string, options: VerifyOptions = {}): JwtClaims {
  if (typeof token !== 'string' || token.length === 0) throw new JwtError('ERR_JWT_MALFORMED', 'token is missing');
  if (token.length > MAX_TOKEN_LENGTH) throw new JwtError('ERR_JWT_MALFORMED', 'token is too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('ERR_JWT_MALFORMED', 'token does not have three parts');
  const [headerPart, bodyPart, signaturePart] = parts as [string, string, string];

  const header = parseSegment(headerPart);
  if (!isRecord(header) || header.alg !== 'HS256') throw new JwtError('ERR_JWT_ALG', 'token algorithm is not HS256');

  if (!/^[A-Za-z0-9_-]+$/.test(signaturePart)) throw new JwtError('ERR_JWT_SIGNATURE', 'token signature is malformed');
  const expected = hmac(secret, `${headerPart}.${bodyPart}`);
  const given = Buffer.from(signaturePart, 'base64url');
  // One spelling per signature: base64url ignores the last character's spare bits, so four
  // strings would decode to the same bytes (and name four different links).
  if (given.toString('base64url') !== signaturePart) throw new JwtError('ERR_JWT_SIGNATURE', 'token signature is not in canonical form');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new JwtError('ERR_JWT_SIGNATURE', 'token signature does not match');
  }

  const claims = parseSegment(bodyPart);
  if (!isRecord(claims)) throw new JwtError('ERR_JWT_MALFORMED', 'token claims are not an object');

  const currentSec = options.nowSec ?? nowSec();
  const tolerance = options.clockToleranceSeconds ?? 5;
  if (typeof claims.exp !== 'number') throw new JwtError('ERR_JWT_CLAIM', 'token has no expiry');
  if (claims.exp + tolerance <= currentSec) throw new JwtError('ERR_JWT_EXPIRED', 'token has expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf - tolerance > currentSec)) {
    throw new JwtError('ERR_JWT_NOT_YET_VALID', 'token is not valid yet');
  }
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat - tolerance > currentSec)) {
    throw new JwtError('ERR_JWT_NOT_YET_VALID', 'token was issued in the future');
  }
  return claims;
}
