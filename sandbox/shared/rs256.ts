/**
 * RS256 JSON Web Tokens on node:crypto: the stand-in tenant signs its ID and access tokens,
 * the demo application (and the tests) verify them against the tenant's JWKS. The signing key
 * is generated locally and may be kept in a file so that tokens stay verifiable across restarts.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { nowSec as currentSec } from '../../lib/time';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

function fromPrivateKey(privateKey: KeyObject): SigningKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  // RFC 7638 thumbprint: a stable key id derived from the key itself.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
    .digest('base64url');
  return { kid, privateKey, publicJwk: { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' } };
}

/** Loads the key from `file` (PKCS#8 PEM), or generates one and writes it there (mode 0600). */
export function loadOrCreateSigningKey(file?: string): SigningKey {
  if (file && existsSync(file)) return fromPrivateKey(createPrivateKey(readFileSync(file, 'utf8')));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return fromPrivateKey(privateKey);
}

const b64json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signRs256(claims: Record<string, unknown>, key: SigningKey): string {
  const signingInput = `${b64json({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${b64json(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** A token failed RS256 verification; the message names the check, never the token. */
export class IdTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdTokenError';
  }
}

export interface VerifyRs256Options {
  issuer: string;
  audience: string;
  nonce?: string;
  nowSeconds?: number;
  clockToleranceSeconds?: number;
}

function decodeSegment(segment: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new IdTokenError('token segment is not base64url');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new IdTokenError('token segment is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new IdTokenError('token segment is not an object');
  return value as Record<string, unknown>;
}

/** Verifies an RS256 ID token against the keys of a JWKS: signature, iss, aud, exp, iat, nonce. */
export function verifyRs256(token: string, jwks: { keys: unknown[] }, options: VerifyRs256Options): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new IdTokenError('token does not have three parts');
  const [headerPart, bodyPart, signaturePart] = parts as [string, string, string];
  const header = decodeSegment(headerPart);
  if (header.alg !== 'RS256') throw new IdTokenError('token algorithm is not RS256');
  const jwk = jwks.keys.find(
    (k): k is JsonWebKey & { kid: string } => typeof k === 'object' && k !== null && (k as { kid?: unknown }).kid === header.kid,
  );
  if (!jwk) throw new IdTokenError('no key in the JWKS matches the token kid');
  const publicKey = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${headerPart}.${bodyPart}`), publicKey, Buffer.from(signaturePart, 'base64url'));
  if (!ok) throw new IdTokenError('token signature does not match');
  const claims = decodeSegment(bodyPart);
  const nowSec = options.nowSeconds ?? currentSec();
  const tolerance = options.clockToleranceSeconds ?? 60;
  if (claims.iss !== options.issuer) throw new IdTokenError('token issuer is not the tenant');
  const aud = claims.aud;
  if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience)))) {
    throw new IdTokenError('token audience is not this application');
  }
  if (typeof claims.exp !== 'number' || claims.exp + tolerance <= nowSec) throw new IdTokenError('token has expired');
  if (typeof claims.iat !== 'number' || claims.iat - tolerance > nowSec) throw new IdTokenError('token was issued in the future');
  if (options.nonce !== undefined && claims.nonce !== options.nonce) throw new IdTokenError('token nonce does not match the login');
  return claims;
}
