/**
 * GET /healthz: liveness, and whether the store answers (`store: ok | down`), 503 when it does
 * not, so a load balancer stops sending logins to a replica that cannot keep counters.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/types';

export const healthRoutes: FastifyPluginAsync<{ store: Store }> = async (app, { store }) => {
  app.get('/healthz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ok', store: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'degraded', store: 'down' });
    }
  });
};
