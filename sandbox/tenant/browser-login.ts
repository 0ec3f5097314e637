/**
 * A browser login after the first factor: run onExecutePostLogin (interactive, SSO or silent),
 * then end the login the way the Action decided: back to the application with a code or an
 * error, or on to the Action's redirect, to come back at /continue.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomId } from '../shared/random-id';
import { runActionPhase, type ActionRun } from './action-phase';
import type { TenantContext } from './context';
import { newLoginTransaction, type LoginTransaction, type PhaseOutcome } from './post-login-runtime';
import { CODE_TTL_MS, LOGIN_TTL_MS, type ActionClaims, type AuthorizeRequest, type TenantSession } from './records';

/** One browser login in progress, with the claims the Action set so far. */
export interface BrowserLogin extends ActionClaims {
  authz: AuthorizeRequest;
  transaction: LoginTransaction;
  session: TenantSession;
}

/** Sends the browser back to the application with `params` and the app's own `state`. */
export function backToApp(reply: FastifyReply, authz: AuthorizeRequest, params: Record<string, string>) {
  const target = new URL(authz.redirectUri);
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  if (authz.state !== undefined) target.searchParams.set('state', authz.state);
  return reply.redirect(target.toString(), 302);
}

/** `event.transaction` of a browser login (authorization code flow). */
export function browserTransaction(authz: AuthorizeRequest): ActionRun['eventTransaction'] {
  return {
    protocol: 'oidc-basic-profile',
    scope: authz.scope,
    redirectUri: authz.redirectUri,
    ...(authz.prompt !== undefined ? { prompt: authz.prompt } : {}),
    ...(authz.uiLocales !== undefined ? { uiLocales: authz.uiLocales } : {}),
    ...(authz.state !== undefined ? { state: authz.state } : {}),
  };
}

/** Runs onExecutePostLogin for a browser login (interactive, SSO or silent), then ends or suspends it. */
export async function startBrowserLogin(
  ctx: TenantContext,
  request: FastifyRequest,
  reply: FastifyReply,
  login: { authz: AuthorizeRequest; session: TenantSession; silent: boolean },
) {
  const { authz, session } = login;
  const user = ctx.users.countLogin(session.userId);
  if (!user) return backToApp(reply, authz, { error: 'login_required', error_description: 'Login required' });
  const transaction = newLoginTransaction(randomId(16), randomId(32));
  const outcome = await runActionPhase('execute', ctx, {
    request,
    user,
    client: authz.client,
    query: authz.query,
    body: {},
    transaction,
    eventTransaction: browserTransaction(authz),
    methods: session.methods,
    session,
    canRedirect: !login.silent,
  });
  return settleBrowserLogin(ctx, reply, outcome, { authz, transaction, session, idTokenClaims: {}, accessTokenClaims: {} });
}

/** Ends a browser login the way the Action decided (after onExecutePostLogin or onContinuePostLogin). */
export function settleBrowserLogin(ctx: TenantContext, reply: FastifyReply, outcome: PhaseOutcome, login: BrowserLogin) {
  const { authz } = login;
  const claims: ActionClaims = {
    idTokenClaims: { ...login.idTokenClaims, ...outcome.result.idTokenClaims },
    accessTokenClaims: { ...login.accessTokenClaims, ...outcome.result.accessTokenClaims },
  };
  switch (outcome.kind) {
    case 'deny':
      return backToApp(reply, authz, { error: 'access_denied', error_description: outcome.reason });
    case 'error':
      return backToApp(reply, authz, { error: outcome.error, error_description: outcome.description });
    case 'redirect':
      awaitContinue(ctx, login, claims);
      return reply.redirect(outcome.url, 302);
    case 'allow':
      return backToApp(reply, authz, { code: issueCode(ctx, login, claims) });
  }
}

/** Keeps the login until the browser comes back to /continue with the transaction's state. */
function awaitContinue(ctx: TenantContext, login: BrowserLogin, claims: ActionClaims): void {
  ctx.awaiting.set(login.transaction.state, {
    authz: login.authz,
    transaction: login.transaction,
    userId: login.session.userId,
    sessionId: login.session.id,
    ...claims,
    expiresAtMs: Date.now() + LOGIN_TTL_MS,
  });
}

/** A fresh single-use authorization code for this login. */
function issueCode(ctx: TenantContext, login: BrowserLogin, claims: ActionClaims): string {
  const { authz, session } = login;
  const code = randomId(32);
  ctx.codes.set(code, {
    clientId: authz.client.client_id,
    redirectUri: authz.redirectUri,
    userId: session.userId,
    sessionId: session.id,
    scope: authz.scope,
    authTimeSec: session.authTimeSec,
    ...claims,
    expiresAtMs: Date.now() + CODE_TTL_MS,
    ...(authz.nonce !== undefined ? { nonce: authz.nonce } : {}),
  });
  return code;
}
