/**
 * Trust in the link Auth0 sends the browser with: `GET /2fa?state=…&session_token=…`. The
 * outbound token must be signed with the shared secret, unexpired, issued by a trusted tenant
 * and name a trusted tenant to return to; an unenrolled user's email must unseal. The link's
 * key is the token's signature alone (never the `state` beside it, which anyone can change).
 */
import { createHash } from 'node:crypto';
import { verifyHs256 } from '../lib/jwt-hs256';
import { unseal } from '../lib/seal';
import { msToSec, secToMs } from '../lib/time';
import { SESSION_TOKEN_PARAM, parseOutboundClaims, type OutboundToken } from '../lib/token-contract';
import type { FormsServerConfig } from './config';
import { ExpiredLinkError, InvalidLinkError } from './errors';
import { JwtError } from '../lib/jwt-hs256';

const STATE = /^[\x21-\x7e]{1,2048}$/;

export interface Link {
  outbound: OutboundToken;
  state: string;
  /** The tenant the browser goes back to. */
  tenant: URL;
  /** Unsealed email of a user who must enroll; null for an enrolled user. Never logged. */
  email: string | null;
  /** One visit per link: a hash of the token's signature. */
  key: string;
  expiresAtMs: number;
}

/** The trusted tenant whose host or hostname is `host`; never a host taken from the request. */
export function trustedTenant(config: Pick<FormsServerConfig, 'trustedTenants'>, host: string): URL | undefined {
  const wanted = host.toLowerCase();
  return config.trustedTenants.find((tenant) => tenant.host === wanted || tenant.hostname === wanted);
}

function readOutbound(config: FormsServerConfig, token: unknown, nowMs: number, graceSeconds: number): OutboundToken {
  let outbound: OutboundToken;
  try {
    const claims = verifyHs256(token, config.sharedSecret, { nowSec: msToSec(nowMs), clockToleranceSeconds: 5 + graceSeconds });
    outbound = parseOutboundClaims(claims);
  } catch (error) {
    if (error instanceof JwtError && error.code === 'ERR_JWT_EXPIRED') throw new ExpiredLinkError('outbound token expired');
    throw new InvalidLinkError(`outbound token refused: ${error instanceof Error ? error.message : 'unknown'}`);
  }
  if (!trustedTenant(config, outbound.tenantIssuer)) throw new InvalidLinkError('outbound token issuer is not a trusted tenant');
  return outbound;
}

/**
 * Reads and checks the link's query; throws InvalidLinkError (a 400 page) for anything off, and
 * ExpiredLinkError for a genuine link past its expiry. `graceSeconds` (error pages only) accepts
 * a link that long after its expiry, to find the way back to its login.
 */
export function readLink(config: FormsServerConfig, query: Record<string, unknown>, nowMs: number, graceSeconds = 0): Link {
  if (typeof query.state !== 'string' || !STATE.test(query.state)) throw new InvalidLinkError('state missing or malformed');
  const token = query[SESSION_TOKEN_PARAM];
  const outbound = readOutbound(config, token, nowMs, graceSeconds);
  const tenant = trustedTenant(config, outbound.continueHost);
  if (!tenant) throw new InvalidLinkError('continue host is not a trusted tenant');
  const email = outbound.sealedEmail ? unseal(outbound.sealedEmail, config.sharedSecret) : null;
  if (!outbound.authyId && !outbound.verifyFactorSid && !email) throw new InvalidLinkError('sealed email refused');
  const signature = String(token).split('.')[2] ?? '';
  // The signature's bytes, not its text: base64url spells the last byte of 32 four ways, and the
  // verifier accepts all four, so hashing the text would let one token open four visits.
  const key = createHash('sha256').update(Buffer.from(signature, 'base64url')).digest('base64url');
  return { outbound, state: query.state, tenant, email, key, expiresAtMs: secToMs(outbound.expiresAtSec) };
}
