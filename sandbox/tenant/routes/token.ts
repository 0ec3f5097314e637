/**
 * POST /oauth/token: client authentication (client_secret_basic or client_secret_post), then
 * the grant: authorization_code, refresh_token, password or Auth0's password-realm.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeEqual } from '../../../lib/safe-equal';
import type { TenantClient, TenantContext } from '../context';
import { bodyOf, str } from '../form-fields';
import { authorizationCodeGrant, passwordGrant, refreshTokenGrant, tokenError } from '../token-grants';
import { PASSWORD_REALM_GRANT } from '../tokens';

function authenticateClient(ctx: TenantContext, request: FastifyRequest, body: Record<string, unknown>): TenantClient | null {
  let id = str(body.client_id);
  let secret = str(body.client_secret);
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  const client = ctx.clients.get(id ?? '');
  if (!client || !secret || !safeEqual(secret, client.client_secret)) return null;
  return client;
}

export function tokenRoutes(app: FastifyInstance, ctx: TenantContext): void {
  app.post('/oauth/token', async (request, reply) => {
    const body = bodyOf(request);
    const client = authenticateClient(ctx, request, body);
    if (!client) return tokenError(reply, 401, 'invalid_client', 'Client authentication failed');
    const grant = { ctx, request, reply, client, body };
    switch (str(body.grant_type)) {
      case 'authorization_code':
        return authorizationCodeGrant(grant);
      case 'refresh_token':
        return refreshTokenGrant(grant);
      case 'password':
        return passwordGrant(grant, 'oauth2-password');
      case PASSWORD_REALM_GRANT:
        return passwordGrant(grant, 'oauth2-resource-owner');
      default:
        return tokenError(reply, 400, 'unsupported_grant_type', 'Grant type not supported');
    }
  });
}
