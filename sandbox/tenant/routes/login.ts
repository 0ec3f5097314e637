/** POST /login: the login form's answer. A right password opens the tenant session, then the Action runs. */
import type { FastifyInstance } from 'fastify';
import { sendHtml } from '../../shared/page-headers';
import { startBrowserLogin } from '../browser-login';
import type { TenantContext } from '../context';
import { bodyOf, str } from '../form-fields';
import { demoUsers } from '../demo-users';
import { errorPage, loginPage } from '../pages';
import { openSession } from '../sessions';
import { finishedWayBack, rememberFinished, wayBackTo } from '../way-back';

const EXPIRED = 'This login page has expired or was already used. Go back to the application and sign in again.';
const UNKNOWN = 'It is not known here which application it was for.';

export function loginRoutes(app: FastifyInstance, ctx: TenantContext): void {
  app.post('/login', async (request, reply) => {
    const body = bodyOf(request);
    const txId = str(body.tx) ?? '';
    const pending = ctx.pendingLogins.get(txId);
    if (!pending || pending.expiresAtMs < Date.now()) {
      ctx.pendingLogins.delete(txId);
      const way = pending ? wayBackTo(pending.authz.client, pending.authz.redirectUri) : finishedWayBack(ctx, txId);
      return sendHtml(reply, 400, errorPage('Login expired', way ? EXPIRED : `${EXPIRED} ${UNKNOWN}`, way));
    }
    const email = str(body.email) ?? '';
    const user = ctx.users.authenticate(email, str(body.password) ?? '');
    if (!user) {
      const clientName = pending.authz.client.name;
      return sendHtml(
        reply,
        401,
        loginPage({
          txId,
          clientName,
          email,
          error: 'Wrong email or password.',
          users: demoUsers(ctx.users.seeds(), (id) => ctx.users.get(id)),
        }),
      );
    }
    ctx.pendingLogins.delete(txId);
    rememberFinished(ctx, txId, wayBackTo(pending.authz.client, pending.authz.redirectUri));
    const session = openSession(ctx, reply, user.user_id);
    return startBrowserLogin(ctx, request, reply, { authz: pending.authz, session, silent: false });
  });
}
