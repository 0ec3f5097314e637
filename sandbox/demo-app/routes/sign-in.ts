/**
 * GET /login starts the authorization code flow at the tenant (state and nonce kept in the
 * session); GET /callback checks the state, exchanges the code and verifies the ID token.
 */
import type { FastifyInstance } from 'fastify';
import { safeEqual } from '../../../lib/safe-equal';
import { flatQuery, sendHtml } from '../../shared/page-headers';
import { randomId } from '../../shared/random-id';
import { sessionOf, type DemoContext } from '../context';
import { errorPage } from '../pages';
import { sendSignInFailure } from '../tenant-api';

/** How long a started sign-in can come back to /callback. */
const SIGN_IN_TTL_MS = 30 * 60_000;
const FOREIGN_ANSWER = 'This sign-in answer does not belong to a sign-in started here. Sign in again.';
const UI_LOCALES = /^[A-Za-z-]{2,20}( [A-Za-z-]{2,20})*$/;

export function signInRoutes(app: FastifyInstance, ctx: DemoContext): void {
  app.get('/login', async (request, reply) => {
    const q = flatQuery(request.query);
    const s = sessionOf(ctx, request, reply);
    const pending = { state: randomId(), nonce: randomId(), expiresAtMs: Date.now() + SIGN_IN_TTL_MS };
    s.pending = pending;
    const url = new URL(`${ctx.tenantUrl}/authorize`);
    url.search = new URLSearchParams({
      client_id: ctx.clientId,
      redirect_uri: ctx.callbackUrl,
      response_type: 'code',
      scope: 'openid profile email offline_access',
      state: pending.state,
      nonce: pending.nonce,
    }).toString();
    if (q.prompt === 'none' || q.prompt === 'login') url.searchParams.set('prompt', q.prompt);
    if (q.ui_locales && UI_LOCALES.test(q.ui_locales)) url.searchParams.set('ui_locales', q.ui_locales);
    return reply.redirect(url.toString(), 302);
  });

  app.get('/callback', async (request, reply) => {
    const q = flatQuery(request.query);
    const s = sessionOf(ctx, request, reply);
    const pending = s.pending;
    // The state binds this answer to the login this browser started (CSRF); it is single use.
    if (!pending || pending.expiresAtMs < Date.now() || !q.state || !safeEqual(q.state, pending.state)) {
      return sendHtml(reply, 400, errorPage('invalid_state', FOREIGN_ANSWER));
    }
    delete s.pending;
    if (q.error) return sendHtml(reply, q.error === 'access_denied' ? 403 : 400, errorPage(q.error, q.error_description ?? ''));
    if (!q.code) return sendHtml(reply, 400, errorPage('invalid_request', 'The tenant sent neither a code nor an error.'));
    try {
      const tokens = await ctx.tenant.tokenRequest({ grant_type: 'authorization_code', code: q.code, redirect_uri: ctx.callbackUrl });
      const claims = await ctx.tenant.verifiedClaims(tokens.id_token, pending.nonce);
      s.user = { claims, ...(typeof tokens.refresh_token === 'string' ? { refreshToken: tokens.refresh_token } : {}) };
    } catch (error) {
      return sendSignInFailure(request, reply, error, 'sign-in failed');
    }
    return reply.redirect('/', 302);
  });
}
