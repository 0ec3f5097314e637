/** POST /2fa/enroll (the phone number) and /2fa/change-number (back to the number, before the first code). */
import type { FastifyPluginAsync } from 'fastify';

export const enrollRoutes: FastifyPluginAsync = async (app) => {
  app.post('/2fa/enroll', async (request, reply) =>
    app.visits.act(request, reply, (form) => ({ type: 'enroll', country: form.country, phone: form.phone })),
  );
  app.post('/2fa/change-number', async (request, reply) => app.visits.act(request, reply, () => ({ type: 'changeNumber' })));
};
