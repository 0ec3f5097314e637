/** GET /, /.well-known/openid-configuration and /.well-known/jwks.json. */
import type { FastifyInstance } from 'fastify';
import { sendHtml } from '../../shared/page-headers';
import type { TenantContext } from '../context';
import { homePage } from '../pages';
import { PASSWORD_REALM_GRANT } from '../tokens';

export function discoveryRoutes(app: FastifyInstance, ctx: TenantContext): void {
  const { publicUrl, issuer, signingKey } = ctx;

  app.get('/', async (_request, reply) => sendHtml(reply, 200, homePage(publicUrl)));

  app.get('/.well-known/openid-configuration', async () => ({
    issuer,
    authorization_endpoint: `${publicUrl}/authorize`,
    token_endpoint: `${publicUrl}/oauth/token`,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    end_session_endpoint: `${publicUrl}/v2/logout`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'password', PASSWORD_REALM_GRANT],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'sid', 'name', 'nickname', 'email', 'email_verified'],
  }));

  app.get('/.well-known/jwks.json', async () => ({ keys: [signingKey.publicJwk] }));
}
