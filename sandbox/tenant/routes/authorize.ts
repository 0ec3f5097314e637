/**
 * GET /authorize: the authorization code flow's start. Checks the client and its registered
 * redirect_uri, then shows the login form, or runs the Action at once for a browser that has a
 * tenant session (SSO; `prompt=none` silently, `prompt=login` asks for the password again).
 */
import type { FastifyInstance } from 'fastify';
import { flatQuery, sendHtml, type FlatQuery } from '../../shared/page-headers';
import { randomId } from '../../shared/random-id';
import { backToApp, startBrowserLogin } from '../browser-login';
import type { TenantClient, TenantContext } from '../context';
import { demoUsers } from '../demo-users';
import { errorPage, loginPage } from '../pages';
import { LOGIN_TTL_MS, type AuthorizeRequest } from '../records';
import { sessionOf } from '../sessions';
import { wayBackTo } from '../way-back';

function authorizeRequest(client: TenantClient, redirectUri: string, q: FlatQuery): AuthorizeRequest {
  return {
    client,
    redirectUri,
    scope: q.scope ?? 'openid',
    query: q,
    ...(q.state !== undefined ? { state: q.state } : {}),
    ...(q.nonce !== undefined ? { nonce: q.nonce } : {}),
    ...(q.prompt !== undefined ? { prompt: q.prompt } : {}),
    ...(q.ui_locales !== undefined ? { uiLocales: q.ui_locales } : {}),
  };
}

export function authorizeRoutes(app: FastifyInstance, ctx: TenantContext): void {
  app.get('/authorize', async (request, reply) => {
    const q = flatQuery(request.query);
    const client = ctx.clients.get(q.client_id ?? '');
    if (!client) return sendHtml(reply, 400, errorPage('Invalid request', 'Unknown client_id.'));
    // Never redirect to an unregistered URL: that is how open redirects and code theft start.
    const redirectUri = q.redirect_uri ?? '';
    if (!client.redirect_uris.includes(redirectUri)) {
      const message = 'The redirect_uri is not registered for this application.';
      return sendHtml(reply, 400, errorPage('Callback URL mismatch', message, wayBackTo(client)));
    }
    const authz = authorizeRequest(client, redirectUri, q);
    if (q.response_type !== 'code') {
      return backToApp(reply, authz, { error: 'unsupported_response_type', error_description: 'Only response_type=code is supported' });
    }
    const prompts = (q.prompt ?? '').split(' ').filter(Boolean);
    const session = sessionOf(ctx, request);
    if (prompts.includes('none')) {
      if (!session) return backToApp(reply, authz, { error: 'login_required', error_description: 'Login required' });
      return startBrowserLogin(ctx, request, reply, { authz, session, silent: true });
    }
    if (session && !prompts.includes('login')) return startBrowserLogin(ctx, request, reply, { authz, session, silent: false });
    const txId = randomId();
    ctx.pendingLogins.set(txId, { authz, expiresAtMs: Date.now() + LOGIN_TTL_MS });
    return sendHtml(
      reply,
      200,
      loginPage({ txId, clientName: client.name, users: demoUsers(ctx.users.seeds(), (id) => ctx.users.get(id)) }),
    );
  });
}
