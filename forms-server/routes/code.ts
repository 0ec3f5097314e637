/** POST /2fa/verify (a code) and /2fa/send (a code by SMS or voice call). */
import type { FastifyPluginAsync } from 'fastify';

export const codeRoutes: FastifyPluginAsync = async (app) => {
  app.post('/2fa/verify', async (request, reply) =>
    app.visits.act(request, reply, (form) => ({ type: 'submitCode', code: form.code, remember: form.remember })),
  );
  app.post('/2fa/send', async (request, reply) => app.visits.act(request, reply, (form) => ({ type: 'send', channel: form.channel })));
};
