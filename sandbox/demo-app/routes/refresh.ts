/** POST /refresh: the refresh-token grant (the tenant runs the Action again), then the new ID token's claims. */
import type { FastifyInstance } from 'fastify';
import { sessionOf, type DemoContext } from '../context';
import { sendSignInFailure } from '../tenant-api';

export function refreshRoutes(app: FastifyInstance, ctx: DemoContext): void {
  app.post('/refresh', async (request, reply) => {
    const s = sessionOf(ctx, request, reply);
    if (!s.user?.refreshToken) return reply.redirect('/', 302);
    try {
      const tokens = await ctx.tenant.tokenRequest({ grant_type: 'refresh_token', refresh_token: s.user.refreshToken });
      const claims = await ctx.tenant.verifiedClaims(tokens.id_token);
      s.user = { ...s.user, claims, refreshedAt: new Date().toISOString() };
    } catch (error) {
      return sendSignInFailure(request, reply, error, 'refresh failed');
    }
    return reply.redirect('/', 302);
  });
}
