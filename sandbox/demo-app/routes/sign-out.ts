/** GET /logout: ends the app's session, then the tenant's (/v2/logout, back to this app's home). */
import type { FastifyInstance } from 'fastify';
import { clearCookie, readCookie } from '../../shared/cookies';
import { DEMO_SESSION_COOKIE, type DemoContext } from '../context';

export function signOutRoutes(app: FastifyInstance, ctx: DemoContext): void {
  app.get('/logout', async (request, reply) => {
    const id = readCookie(request, DEMO_SESSION_COOKIE);
    if (id) ctx.sessions.delete(id);
    clearCookie(reply, DEMO_SESSION_COOKIE);
    const url = new URL(`${ctx.tenantUrl}/v2/logout`);
    url.search = new URLSearchParams({ client_id: ctx.clientId, returnTo: `${ctx.publicUrl}/` }).toString();
    return reply.redirect(url.toString(), 302);
  });
}
