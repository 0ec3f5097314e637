/**
 * GET /healthz: liveness, and whether the store answers (`store: ok | down`), 503 when it does
 * not, so a load balancer stops sending logins to a replica that cannot keep counters.
 *
 * GET /readyz: readiness (readiness.ts): 200 `{ ready: true }`, or 503 `{ ready: false, reason }`
 * with reason `store_down`, `provider_unreachable` or `provider_credentials`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Readiness } from '../readiness';
import type { Store } from '../store/types';

export const healthRoutes: FastifyPluginAsync<{ store: Store; readiness: Readiness }> = async (app, { store, readiness }) => {
  app.get('/healthz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ok', store: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'degraded', store: 'down' });
    }
  });

  app.get('/readyz', async (request, reply) => {
    const answer = await readiness.check();
    if (answer.ready) return answer;
    request.log.warn({ step: 'ready', reason: answer.reason }, 'not ready');
    return reply.code(503).send(answer);
  });
};
