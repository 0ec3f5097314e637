/** POST /2fa/push (send an approval request to the Authy app) and /2fa/push/check ("I approved it" or "Enter a code instead"). */
import type { FastifyPluginAsync } from 'fastify';

export const pushRoutes: FastifyPluginAsync = async (app) => {
  app.post('/2fa/push', async (request, reply) => app.visits.act(request, reply, () => ({ type: 'startPush' })));
  app.post('/2fa/push/check', async (request, reply) =>
    app.visits.act(request, reply, (form) => (form.action === 'back' ? { type: 'pushBack' } : { type: 'checkPush' })),
  );
};
