/**
 * The stand-in Auth0 tenant: just enough of Auth0's authentication API for the real bundled
 * Action to run unchanged, on one machine. One route module per endpoint (routes/):
 *
 *   GET  /authorize                 login form (or SSO with the tenant session), then the Action
 *   POST /login                     checks the demo user's password, opens the tenant session
 *   GET|POST /continue              resumes the Action after its redirect (onContinuePostLogin)
 *   POST /oauth/token               authorization_code, refresh_token (runs the Action), password
 *   GET  /v2/logout                 ends the tenant session
 *   GET  /.well-known/openid-configuration, /.well-known/jwks.json
 *
 * Sessions, login transactions, codes and refresh tokens live in memory; users and their
 * metadata live in a JSON file (optional) so that enrollment survives a restart.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { addPageHeaders } from '../shared/page-headers';
import type { SigningKey } from '../shared/rs256';
import { createTenantContext, type TenantOptions } from './context';
import { authorizeRoutes } from './routes/authorize';
import { continueRoutes } from './routes/continue';
import { discoveryRoutes } from './routes/discovery';
import { loginRoutes } from './routes/login';
import { logoutRoutes } from './routes/logout';
import { tokenRoutes } from './routes/token';
import type { UserStore } from './user-store';

export type { TenantClient, TenantOptions } from './context';
export { TENANT_SESSION_COOKIE } from './sessions';

declare module 'fastify' {
  interface FastifyInstance {
    tenant: { users: UserStore; signingKey: SigningKey; issuer: string };
  }
}

/** Builds the stand-in tenant. */
export async function buildTenant(options: TenantOptions): Promise<FastifyInstance> {
  const ctx = createTenantContext(options);
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 64 * 1024 });
  await app.register(formbody);
  app.decorate('tenant', { users: ctx.users, signingKey: ctx.signingKey, issuer: ctx.issuer });
  addPageHeaders(app);

  discoveryRoutes(app, ctx);
  authorizeRoutes(app, ctx);
  loginRoutes(app, ctx);
  continueRoutes(app, ctx);
  logoutRoutes(app, ctx);
  tokenRoutes(app, ctx);
  return app;
}
