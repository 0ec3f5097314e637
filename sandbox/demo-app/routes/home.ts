/** GET /: signed out, or who signed in with the ID token's claims (the 2FA claim highlighted). */
import type { FastifyInstance } from 'fastify';
import { sendHtml } from '../../shared/page-headers';
import { sessionOf, type DemoContext } from '../context';
import { signedInPage, signedOutPage } from '../pages';

export function homeRoutes(app: FastifyInstance, ctx: DemoContext): void {
  app.get('/', async (request, reply) => {
    const { user } = sessionOf(ctx, request, reply);
    if (!user) return sendHtml(reply, 200, signedOutPage(ctx.tenantUrl));
    const secondFactorClaim = ctx.secondFactorClaim ?? Object.keys(user.claims).find((k) => k.endsWith('second_factor')) ?? null;
    return sendHtml(
      reply,
      200,
      signedInPage({
        claims: user.claims,
        secondFactorClaim,
        canRefresh: !!user.refreshToken,
        ...(user.refreshedAt ? { refreshedAt: user.refreshedAt } : {}),
      }),
    );
  });
}
