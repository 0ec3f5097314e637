/** GET /v2/logout: ends the tenant session, then returns to an allowed `returnTo` (or says "Signed out"). */
import type { FastifyInstance } from 'fastify';
import { flatQuery, sendHtml } from '../../shared/page-headers';
import type { TenantClient, TenantContext } from '../context';
import { messagePage } from '../pages';
import { endSession } from '../sessions';

export function logoutRoutes(app: FastifyInstance, ctx: TenantContext): void {
  app.get('/v2/logout', async (request, reply) => {
    const q = flatQuery(request.query);
    endSession(ctx, request, reply);
    const returnTo = q.returnTo;
    // Only a URL listed by the named client (or by any client, when none is named) is a target.
    const candidates = q.client_id ? [ctx.clients.get(q.client_id)].filter((c): c is TenantClient => !!c) : [...ctx.clients.values()];
    if (returnTo && candidates.some((c) => c.logout_urls.includes(returnTo))) return reply.redirect(returnTo, 302);
    return sendHtml(reply, 200, messagePage('Signed out', 'You are signed out of the sandbox tenant.'));
  });
}
