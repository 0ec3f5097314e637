/**
 * The token endpoint's grants. The authorization code grant only exchanges what a browser login
 * already decided; the refresh-token and password grants run onExecutePostLogin again, where no
 * redirect is possible (`oauth2-refresh-token`, `oauth2-password`, `oauth2-resource-owner`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { msToSec } from '../../lib/time';
import { randomId } from '../shared/random-id';
import { runActionPhase } from './action-phase';
import type { TenantClient, TenantContext } from './context';
import { bodyOf, str } from './form-fields';
import type { TransactionProtocol } from './post-login-event';
import { newLoginTransaction, type AuthenticationMethod, type PhaseOutcome, type StoredUser } from './post-login-runtime';
import type { TenantSession } from './records';
import { mintTokens } from './tokens';

/** One token request by an authenticated client. */
export interface GrantRequest {
  ctx: TenantContext;
  request: FastifyRequest;
  reply: FastifyReply;
  client: TenantClient;
  body: Record<string, unknown>;
}

/** Body fields that carry credentials: they never reach the Action's event. */
const CREDENTIAL_FIELDS = ['client_secret', 'password', 'refresh_token', 'code'];

export function tokenError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply.code(status).send({ error, error_description: description });
}

export function authorizationCodeGrant({ ctx, reply, client, body }: GrantRequest) {
  const code = str(body.code) ?? '';
  const issued = ctx.codes.get(code);
  ctx.codes.delete(code); // single use, even when the exchange fails
  if (!issued || issued.expiresAtMs < Date.now() || issued.clientId !== client.client_id) {
    return tokenError(reply, 403, 'invalid_grant', 'Invalid authorization code');
  }
  if (str(body.redirect_uri) !== issued.redirectUri) {
    return tokenError(reply, 403, 'invalid_grant', 'redirect_uri does not match the authorization request');
  }
  const user = ctx.users.get(issued.userId);
  if (!user) return tokenError(reply, 403, 'invalid_grant', 'Unknown user');
  const response: Record<string, unknown> = { ...mintTokens(ctx, { ...issued, user, sessionId: issued.sessionId }) };
  if (issued.scope.split(' ').includes('offline_access')) {
    const refreshToken = randomId(32);
    const session = ctx.sessions.get(issued.sessionId);
    ctx.refreshTokens.set(refreshToken, {
      clientId: client.client_id,
      userId: user.user_id,
      sessionId: issued.sessionId,
      scope: issued.scope,
      authTimeSec: issued.authTimeSec,
      methods: session ? [...session.methods] : [],
    });
    response.refresh_token = refreshToken;
  }
  return reply.send(response);
}

export async function refreshTokenGrant(grant: GrantRequest) {
  const { ctx, reply, client, body } = grant;
  const refresh = ctx.refreshTokens.get(str(body.refresh_token) ?? '');
  if (!refresh || refresh.clientId !== client.client_id) {
    return tokenError(reply, 403, 'invalid_grant', 'Unknown or invalid refresh token');
  }
  const user = ctx.users.countLogin(refresh.userId);
  if (!user) return tokenError(reply, 403, 'invalid_grant', 'Unknown user');
  const session = refresh.sessionId ? (ctx.sessions.get(refresh.sessionId) ?? null) : null;
  const methods = session ? session.methods : refresh.methods;
  const outcome = await runForGrant(grant, { user, protocol: 'oauth2-refresh-token', scope: refresh.scope, session, methods });
  const refusal = refused(reply, outcome);
  if (refusal) return refusal;
  return reply.send(tokensAfter(grant, outcome, user, refresh));
}

/** The password grant's protocol: `password` or Auth0's password-realm grant. */
export type PasswordProtocol = Extract<TransactionProtocol, 'oauth2-password' | 'oauth2-resource-owner'>;

export async function passwordGrant(grant: GrantRequest, protocol: PasswordProtocol) {
  const { ctx, reply, body } = grant;
  const authenticated = ctx.users.authenticate(str(body.username) ?? '', str(body.password) ?? '');
  if (!authenticated) return tokenError(reply, 403, 'invalid_grant', 'Wrong email or password.');
  const user = ctx.users.countLogin(authenticated.user_id) ?? authenticated;
  const scope = str(body.scope) ?? 'openid';
  const nowMs = Date.now();
  const methods = [{ name: 'pwd', timestamp: new Date(nowMs).toISOString() }];
  const outcome = await runForGrant(grant, { user, protocol, scope, session: null, methods });
  const refusal = refused(reply, outcome);
  if (refusal) return refusal;
  return reply.send(tokensAfter(grant, outcome, user, { scope, sessionId: null, authTimeSec: msToSec(nowMs) }));
}

/** Runs the Action for a token grant, where no redirect is possible. */
function runForGrant(
  { ctx, request, client }: GrantRequest,
  run: { user: StoredUser; protocol: TransactionProtocol; scope: string; session: TenantSession | null; methods: AuthenticationMethod[] },
): Promise<PhaseOutcome> {
  const body = Object.fromEntries(Object.entries(bodyOf(request)).filter(([field]) => !CREDENTIAL_FIELDS.includes(field)));
  return runActionPhase('execute', ctx, {
    request,
    user: run.user,
    client,
    query: {},
    body,
    transaction: newLoginTransaction(randomId(16), randomId(32)),
    eventTransaction: { protocol: run.protocol, scope: run.scope },
    methods: run.methods,
    session: run.session,
    canRedirect: false,
  });
}

/** The token error for a denied or failed Action, or null when it allowed the grant. */
function refused(reply: FastifyReply, outcome: PhaseOutcome) {
  if (outcome.kind === 'deny') return tokenError(reply, 403, 'access_denied', outcome.reason);
  if (outcome.kind === 'error') return tokenError(reply, outcome.error === 'server_error' ? 500 : 400, outcome.error, outcome.description);
  return null;
}

/** Tokens for a grant the Action allowed, with the user as the Action left it. */
function tokensAfter(
  { ctx, client }: GrantRequest,
  outcome: PhaseOutcome,
  user: StoredUser,
  grant: { scope: string; sessionId: string | null; authTimeSec: number },
) {
  return mintTokens(ctx, {
    clientId: client.client_id,
    user: ctx.users.get(user.user_id) ?? user,
    scope: grant.scope,
    sessionId: grant.sessionId,
    authTimeSec: grant.authTimeSec,
    idTokenClaims: outcome.result.idTokenClaims,
    accessTokenClaims: outcome.result.accessTokenClaims,
  });
}
