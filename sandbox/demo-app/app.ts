/**
 * The demo application: a regular web app that signs users in with the sandbox tenant by the
 * authorization code flow (state and nonce checked, ID token verified with the tenant's JWKS),
 * shows who signed in and the ID-token claims (including the 2FA claim), can refresh its
 * tokens (the Action runs again) and signs out of both itself and the tenant.
 *
 *   GET  /                 home: signed out, or the signed-in user and claims   routes/home.ts
 *   GET  /login, /callback the authorization code flow                          routes/sign-in.ts
 *   POST /refresh          refresh-token grant                                  routes/refresh.ts
 *   GET  /logout           signs out here and at the tenant                     routes/sign-out.ts
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { addPageHeaders } from '../shared/page-headers';
import type { DemoContext } from './context';
import { homeRoutes } from './routes/home';
import { refreshRoutes } from './routes/refresh';
import { signInRoutes } from './routes/sign-in';
import { signOutRoutes } from './routes/sign-out';
import { createTenantApi } from './tenant-api';

export { DEMO_SESSION_COOKIE } from './context';

export interface DemoAppOptions {
  /** Origin the browser uses for this app, e.g. http://localhost:3000. */
  publicUrl: string;
  /** Origin the browser uses for the tenant, e.g. http://localhost:3001 (also the ID token issuer). */
  tenantUrl: string;
  /** Origin this server uses to reach the tenant (token, JWKS); defaults to tenantUrl. */
  tenantBackchannelUrl?: string;
  clientId: string;
  clientSecret: string;
  /** The ID-token claim that says 2FA was done, highlighted on the page. */
  secondFactorClaim?: string;
  logger?: FastifyServerOptions['logger'];
}

function demoContext(options: DemoAppOptions): DemoContext {
  const publicUrl = new URL(options.publicUrl).origin;
  const tenantUrl = new URL(options.tenantUrl).origin;
  const tenant = createTenantApi({
    backchannel: new URL(options.tenantBackchannelUrl ?? options.tenantUrl).origin,
    issuer: `${tenantUrl}/`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  });
  return {
    publicUrl,
    tenantUrl,
    callbackUrl: `${publicUrl}/callback`,
    clientId: options.clientId,
    ...(options.secondFactorClaim !== undefined ? { secondFactorClaim: options.secondFactorClaim } : {}),
    tenant,
    sessions: new Map(),
  };
}

export async function buildDemoApp(options: DemoAppOptions): Promise<FastifyInstance> {
  const ctx = demoContext(options);
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 16 * 1024 });
  await app.register(formbody);
  addPageHeaders(app);

  homeRoutes(app, ctx);
  signInRoutes(app, ctx);
  refreshRoutes(app, ctx);
  signOutRoutes(app, ctx);
  return app;
}
