/**
 * GET|POST /continue: the browser comes back from the Action's redirect. The state is single
 * use and bound to the tenant session that started the login; onContinuePostLogin then decides,
 * and `event.request` is this request.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { flatQuery, sendHtml } from '../../shared/page-headers';
import { runActionPhase } from '../action-phase';
import { backToApp, browserTransaction, settleBrowserLogin } from '../browser-login';
import type { TenantContext } from '../context';
import { bodyOf, str } from '../form-fields';
import { errorPage } from '../pages';
import { sessionOf } from '../sessions';

const UNKNOWN_TRANSACTION = 'The login transaction is unknown, finished or belongs to another browser. Sign in again from the application.';

export function continueRoutes(app: FastifyInstance, ctx: TenantContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = flatQuery(request.query);
    const body = bodyOf(request);
    const state = str(body.state) ?? query.state ?? '';
    const entry = ctx.awaiting.get(state);
    const session = sessionOf(ctx, request);
    // The state is single use and bound to the browser session that started the login.
    if (!entry || entry.expiresAtMs < Date.now() || !session || session.id !== entry.sessionId) {
      return sendHtml(reply, 400, errorPage('Invalid request', UNKNOWN_TRANSACTION));
    }
    ctx.awaiting.delete(state);
    const { authz, transaction } = entry;
    const user = ctx.users.get(entry.userId);
    if (!user || !ctx.action) {
      return backToApp(reply, authz, { error: 'server_error', error_description: 'The login could not be completed.' });
    }
    const outcome = await runActionPhase('continue', ctx, {
      request,
      user,
      client: authz.client,
      query,
      body,
      transaction,
      eventTransaction: browserTransaction(authz),
      methods: session.methods,
      session,
      canRedirect: true,
    });
    const { idTokenClaims, accessTokenClaims } = entry;
    return settleBrowserLogin(ctx, reply, outcome, { authz, transaction, session, idTokenClaims, accessTokenClaims });
  };
  app.get('/continue', handler);
  app.post('/continue', handler);
}
