/**
 * The stack's floor: a Fastify app with everything the forms server puts around a request (its
 * Fastify options: the logger with one line per request, the deadlines; form bodies, the rate
 * limit, views, security headers) and a visit-shaped pair of routes that do none of a visit's
 * own work: GET /floor/entry sets a visit cookie and answers 303 (no token check, no store, no
 * audit line); GET /floor/page renders the code page of one fixed visit as the forms server does
 * (renderVisit). Its cost over the bare route is what the stack costs; the code-page visit's cost
 * over it is what the visit's own work costs (the link's signature, the store, the audit line,
 * the metrics).
 */
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyOptions } from '../forms-server/app';
import type { FormsServerConfig } from '../forms-server/config';
import { rateLimit } from '../forms-server/plugins/rate-limit';
import { securityHeaders } from '../forms-server/plugins/security-headers';
import { views } from '../forms-server/plugins/views';
import { setVisitCookie } from '../forms-server/plugins/visit-cookie';
import { renderVisit } from '../forms-server/render';
import { MemoryStore } from '../forms-server/store/memory';
import { startVisit } from '../forms-server/visit/visit';
import { AUTHY_ID, STATE, TENANT_HOST } from './settings';

export const FLOOR_ENTRY = '/floor/entry';
export const FLOOR_PAGE = '/floor/page';

export async function buildFloorApp(config: FormsServerConfig): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(config, undefined));
  await app.register(fastifyFormbody);
  await app.register(rateLimit, { perMinute: config.rateLimitPerMinute, keyPrefix: config.redisKeyPrefix });
  await app.register(views);
  await app.register(securityHeaders, { hsts: config.secureCookies });

  const now = () => Date.now();
  const deps = { config, store: new MemoryStore(), now };
  const visit = startVisit(
    {
      id: 'floor-visit-id-0123456789abcdefghijklmnopqrstu',
      csrf: 'floor-csrf-0123456789abcdefghijklmnopqrstuvwxyz',
      userId: 'auth0|bench-floor',
      tenantIssuer: TENANT_HOST,
      state: STATE,
      continueUrl: `https://${TENANT_HOST}/continue`,
      audience: TENANT_HOST,
      locale: '',
      authyId: AUTHY_ID,
      email: null,
      maxFailures: 5,
      lockSeconds: 900,
      linkExpiresAtMs: now() + 3_600_000,
      maxVisitMs: 3_600_000,
    },
    now(),
  );
  app.get(FLOOR_ENTRY, async (_request, reply) => {
    setVisitCookie(reply, visit.id, { secure: config.secureCookies, maxAgeSeconds: 600 });
    return reply.code(303).header('location', FLOOR_PAGE).send();
  });
  app.get(FLOOR_PAGE, async (_request, reply) => renderVisit(reply, visit, deps));
  return app;
}
