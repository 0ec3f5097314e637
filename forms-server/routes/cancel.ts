/** POST /2fa/cancel: the user gives up; the result (cancelled, with the failures so far) goes back to the Action. */
import type { FastifyPluginAsync } from 'fastify';

export const cancelRoutes: FastifyPluginAsync = async (app) => {
  app.post('/2fa/cancel', async (request, reply) => app.visits.act(request, reply, () => ({ type: 'cancel' })));
};
