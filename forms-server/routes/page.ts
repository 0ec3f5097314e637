/** GET /2fa/flow: the visit's current page (every POST redirects here). */
import type { FastifyPluginAsync } from 'fastify';
import { VISIT_PAGE } from '../plugins/visit';

export const pageRoutes: FastifyPluginAsync = async (app) => {
  app.get(VISIT_PAGE, async (request, reply) => app.visits.render(reply, await app.visits.load(request)));
};
