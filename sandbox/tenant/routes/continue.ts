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
import type { AwaitingContinue } from '../records';
import { sessionOf } from '../sessions';
import { finishedWayBack, rememberFinished, wayBackTo } from '../way-back';

const UNKNOWN_TRANSACTION = 'The login transaction is unknown or has expired.';
const FINISHED = 'This sign-in already finished (for example, you went back in the browser after signing in).';
const OTHER_BROWSER = 'This sign-in was started in another browser or tab that is signed in differently.';

/** The page for a state that is no login of this browser, with the way back to the application when it is known. */
function refused(ctx: TenantContext, reply: FastifyReply, state: string, entry: AwaitingContinue | undefined) {
  const finished = finishedWayBack(ctx, state);
  if (finished) return sendHtml(reply, 400, errorPage('Sign-in already finished', FINISHED, finished));
  if (entry && entry.expiresAtMs >= Date.now()) {
    return sendHtml(reply, 400, errorPage('Invalid request', OTHER_BROWSER, wayBackTo(entry.authz.client, entry.authz.redirectUri)));
  }
  return sendHtml(reply, 400, errorPage('Invalid request', UNKNOWN_TRANSACTION));
}

export function continueRoutes(app: FastifyInstance, ctx: TenantContext): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = flatQuery(request.query);
    const body = bodyOf(request);
    const state = str(body.state) ?? query.state ?? '';
    const entry = ctx.awaiting.get(state);
    const session = sessionOf(ctx, request);
    // The state is single use and bound to the browser session that started the login.
    if (!entry || entry.expiresAtMs < Date.now() || !session || session.id !== entry.sessionId) return refused(ctx, reply, state, entry);
    ctx.awaiting.delete(state);
    const { authz, transaction } = entry;
    rememberFinished(ctx, state, wayBackTo(authz.client, authz.redirectUri));
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
