/**
 * The tenant's ID and access tokens (RS256, signed with the tenant key): standard claims from
 * the grant, profile and email claims by scope, and the Action's custom claims, except those
 * named like a claim the tenant sets itself (Auth0 ignores such custom claims).
 */
import { nowSec as currentSec } from '../../lib/time';
import { signRs256 } from '../shared/rs256';
import type { TenantContext } from './context';
import type { StoredUser } from './post-login-runtime';
import type { ActionClaims } from './records';

/** Auth0's grant type for a password login against a named connection (realm). */
export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';

export const ID_TOKEN_TTL_SEC = 36_000;
export const ACCESS_TOKEN_TTL_SEC = 86_400;

const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'azp',
  'nonce',
  'auth_time',
  'sid',
  'at_hash',
  'c_hash',
  'acr',
  'amr',
  'scope',
]);

/** Everything the tokens of one grant say. */
export interface TokenGrant extends ActionClaims {
  clientId: string;
  user: StoredUser;
  scope: string;
  sessionId: string | null;
  authTimeSec: number;
  nonce?: string;
}

function customClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims)) if (!RESERVED_CLAIMS.has(k) && v !== undefined) out[k] = v;
  return out;
}

function idTokenClaims(ctx: TenantContext, grant: TokenGrant, nowSec: number): Record<string, unknown> {
  const scopes = new Set(grant.scope.split(' '));
  const { user } = grant;
  return {
    ...(scopes.has('profile') ? { name: user.name, nickname: user.email.split('@')[0], updated_at: user.updated_at } : {}),
    ...(scopes.has('email') ? { email: user.email, email_verified: user.email_verified } : {}),
    ...customClaims(grant.idTokenClaims),
    iss: ctx.issuer,
    aud: grant.clientId,
    sub: user.user_id,
    iat: nowSec,
    exp: nowSec + ID_TOKEN_TTL_SEC,
    auth_time: grant.authTimeSec,
    ...(grant.sessionId ? { sid: grant.sessionId } : {}),
    ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
  };
}

function accessTokenClaims(ctx: TenantContext, grant: TokenGrant, nowSec: number): Record<string, unknown> {
  return {
    ...customClaims(grant.accessTokenClaims),
    iss: ctx.issuer,
    sub: grant.user.user_id,
    aud: [`${ctx.publicUrl}/userinfo`],
    iat: nowSec,
    exp: nowSec + ACCESS_TOKEN_TTL_SEC,
    azp: grant.clientId,
    scope: grant.scope,
  };
}

/** The token endpoint's answer for one grant (without a refresh token). */
export function mintTokens(ctx: TenantContext, grant: TokenGrant) {
  const nowSec = currentSec();
  return {
    id_token: signRs256(idTokenClaims(ctx, grant, nowSec), ctx.signingKey),
    access_token: signRs256(accessTokenClaims(ctx, grant, nowSec), ctx.signingKey),
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL_SEC,
    scope: grant.scope,
  };
}
