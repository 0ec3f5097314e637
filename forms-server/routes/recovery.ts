/**
 * Recovery codes: POST /2fa/recovery/open ("Lost your phone?"), /2fa/recovery/back, /2fa/recovery/use
 * (a typed code, for the Action to check), /2fa/recovery/new (new codes, stored with the next right
 * code), /2fa/recovery/new-phone and /2fa/recovery/skip (after a recovery code: set up a new phone,
 * or not), and GET /2fa/recovery-codes.txt (the codes this visit shows, as a file). New codes are
 * generated here, at the edge, so that the visit machine stays pure.
 */
import type { FastifyPluginAsync } from 'fastify';
import { generateRecoveryCodes, recoveryCodesText } from '../../lib/recovery-codes';
import { catalogueFor } from '../i18n';
import { renderError } from '../render';

export const recoveryRoutes: FastifyPluginAsync = async (app) => {
  app.post('/2fa/recovery/open', async (request, reply) => app.visits.act(request, reply, () => ({ type: 'openRecovery' })));
  app.post('/2fa/recovery/back', async (request, reply) => app.visits.act(request, reply, () => ({ type: 'closeRecovery' })));
  app.post('/2fa/recovery/use', async (request, reply) =>
    app.visits.act(request, reply, (form) => ({ type: 'submitRecovery', code: form.recovery_code })),
  );
  app.post('/2fa/recovery/new', async (request, reply) =>
    app.visits.act(request, reply, () => ({ type: 'newRecoveryCodes', codes: generateRecoveryCodes() })),
  );
  app.post('/2fa/recovery/new-phone', async (request, reply) =>
    app.visits.act(request, reply, () => ({ type: 'replacePhone', codes: generateRecoveryCodes() })),
  );
  app.post('/2fa/recovery/skip', async (request, reply) => app.visits.act(request, reply, () => ({ type: 'skipReplace' })));

  app.get('/2fa/recovery-codes.txt', async (request, reply) => {
    const visit = await app.visits.load(request);
    const codes = visit.recovery?.codes;
    // Only while the page shows them: once the visit has ended they are gone for good.
    if (!codes || visit.outcome) return renderError(reply, 404, 'errNoCodes', visit.locale);
    const t = catalogueFor(visit.locale);
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('content-disposition', 'attachment; filename="recovery-codes.txt"')
      .send(recoveryCodesText(codes, t.codesFileHeading));
  });
};
