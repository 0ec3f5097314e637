/**
 * The stand-in Auth0 tenant: just enough of Auth0's authentication API for the real bundled
 * Action to run unchanged, on one machine.
 *
 *   GET  /authorize                 login form (or SSO with the tenant session), then the Action
 *   POST /login                     checks the demo user's password, opens the tenant session
 *   GET|POST /continue              resumes the Action after its redirect (onContinuePostLogin)
 *   POST /oauth/token               authorization_code, refresh_token (runs the Action), password
 *   GET  /v2/logout                 ends the tenant session
 *   GET  /.well-known/openid-configuration, /.well-known/jwks.json
 *
 * Sessions, login transactions, codes and refresh tokens live in memory; users and their
 * metadata live in a JSON file (optional) so that enrollment survives a restart.
 */
import { safeEqual } from '../../lib/safe-equal';
import { addPageHeaders, flatQuery, sendHtml } from '../page-headers';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import {
  buildEvent,
  createActionCache,
  loadAction,
  newLoginTransaction,
  runPostLoginPhase,
  type AuthenticationMethod,
  type LoadedAction,
  type LoginTransaction,
  type PhaseOutcome,
  type StoredUser,
} from './post-login-runtime';
import type { TransactionProtocol } from './post-login-event';
import { clearCookie, readCookie, setSessionCookie } from './cookies';
import { errorPage, homePage, loginPage, messagePage } from './pages';
import { loadOrCreateSigningKey, signRs256, type SigningKey } from './rs256';
import { createUserStore, type SeedUser, type UserStore } from './user-store';

/** Cookie names are unique across the sandbox: all servers share `localhost`, and cookies ignore ports. */
export const TENANT_SESSION_COOKIE = 'sandbox_tenant_session';

export interface TenantClient {
  client_id: string;
  client_secret: string;
  name: string;
  /** Exact callback URLs allowed for this application. */
  redirect_uris: string[];
  /** Exact URLs allowed as `returnTo` after logout. */
  logout_urls: string[];
  metadata?: Record<string, string>;
}

export interface TenantOptions {
  /** Origin the browser uses for the tenant, e.g. http://localhost:3001. Its host is the tenant host. */
  publicUrl: string;
  clients: TenantClient[];
  seedUsers: SeedUser[];
  /** Where users' metadata is kept (JSON); in memory when absent. */
  dataFile?: string;
  /** Where the ID-token signing key is kept (PEM); a fresh key per start when absent. */
  keyFile?: string;
  /** The post-login Action (text of code.js), or null for a tenant with no Action bound. */
  action: { code: string; filename: string } | null;
  /** The Action's secrets (`event.secrets`). */
  actionSecrets: Record<string, string>;
  tenantId?: string;
  actionTimeoutMs?: number;
  logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyInstance {
    tenant: { users: UserStore; signingKey: SigningKey; issuer: string };
  }
}

interface AuthorizeRequest {
  client: TenantClient;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  prompt?: string;
  uiLocales?: string;
  query: Record<string, string>;
}

interface TenantSession {
  id: string;
  userId: string;
  authTime: number;
  /** First factor, then methods recorded by the Action in this session. */
  methods: AuthenticationMethod[];
}

interface PendingLogin {
  authz: AuthorizeRequest;
  expiresAt: number;
}

interface AwaitingContinue {
  authz: AuthorizeRequest;
  transaction: LoginTransaction;
  userId: string;
  sessionId: string;
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  expiresAt: number;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  sessionId: string;
  scope: string;
  nonce?: string;
  authTime: number;
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  expiresAt: number;
}

interface RefreshGrant {
  clientId: string;
  userId: string;
  sessionId: string | null;
  scope: string;
  authTime: number;
  methods: AuthenticationMethod[];
}

const LOGIN_TTL_MS = 30 * 60_000;
const CODE_TTL_MS = 60_000;
const ID_TOKEN_TTL_S = 36_000;
const ACCESS_TOKEN_TTL_S = 86_400;
/** Claims the tenant sets itself; an Action cannot override them (Auth0 ignores such custom claims). */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'nonce', 'auth_time', 'sid', 'at_hash', 'c_hash', 'acr', 'amr', 'scope']);

const randomId = (bytes = 24): string => randomBytes(bytes).toString('base64url');

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
}

/** Builds the stand-in tenant. */
export async function buildTenant(options: TenantOptions): Promise<FastifyInstance> {
  const publicUrl = new URL(options.publicUrl).origin;
  const tenantHost = new URL(publicUrl).host;
  const issuer = `${publicUrl}/`;
  const tenantId = options.tenantId ?? 'sandbox';
  const users = createUserStore(options.seedUsers, options.dataFile);
  const signingKey = loadOrCreateSigningKey(options.keyFile);
  const action: LoadedAction | null = options.action ? loadAction(options.action.code, options.action.filename) : null;
  const cache = createActionCache();
  const clients = new Map(options.clients.map((c) => [c.client_id, c]));

  const sessions = new Map<string, TenantSession>();
  const pendingLogins = new Map<string, PendingLogin>();
  const awaiting = new Map<string, AwaitingContinue>();
  const codes = new Map<string, IssuedCode>();
  const refreshTokens = new Map<string, RefreshGrant>();

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 64 * 1024 });
  await app.register(formbody);
  app.decorate('tenant', { users, signingKey, issuer });

  addPageHeaders(app);
  const html = sendHtml;

  function sessionOf(request: FastifyRequest): TenantSession | null {
    const id = readCookie(request, TENANT_SESSION_COOKIE);
    if (!id) return null;
    const session = sessions.get(id);
    if (!session || !users.get(session.userId)) return null;
    return session;
  }

  function openSession(reply: FastifyReply, userId: string): TenantSession {
    const now = Date.now();
    const session: TenantSession = { id: randomId(), userId, authTime: Math.floor(now / 1000), methods: [{ name: 'pwd', timestamp: new Date(now).toISOString() }] };
    sessions.set(session.id, session);
    setSessionCookie(reply, TENANT_SESSION_COOKIE, session.id);
    return session;
  }

  /** Sends the browser back to the application with `params` and the app's own `state`. */
  function backToApp(reply: FastifyReply, authz: AuthorizeRequest, params: Record<string, string>) {
    const target = new URL(authz.redirectUri);
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    if (authz.state !== undefined) target.searchParams.set('state', authz.state);
    return reply.redirect(target.toString(), 302);
  }

  function eventRequest(request: FastifyRequest, query: Record<string, unknown>, body: Record<string, unknown>) {
    const ua = request.headers['user-agent'];
    const language = request.headers['accept-language'];
    return {
      ip: request.ip,
      host: request.headers.host ?? tenantHost,
      method: request.method,
      query,
      body,
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      ...(typeof language === 'string' ? { language: language.split(',')[0]?.trim() ?? '' } : {}),
    };
  }

  function customClaims(claims: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(claims)) if (!RESERVED_CLAIMS.has(k) && v !== undefined) out[k] = v;
    return out;
  }

  function mintTokens(grant: {
    clientId: string;
    user: StoredUser;
    scope: string;
    sessionId: string | null;
    authTime: number;
    nonce?: string;
    idTokenClaims: Record<string, unknown>;
    accessTokenClaims: Record<string, unknown>;
  }) {
    const now = Math.floor(Date.now() / 1000);
    const scopes = new Set(grant.scope.split(' '));
    const { user } = grant;
    const idClaims: Record<string, unknown> = {
      ...(scopes.has('profile') ? { name: user.name, nickname: user.email.split('@')[0], updated_at: user.updated_at } : {}),
      ...(scopes.has('email') ? { email: user.email, email_verified: user.email_verified } : {}),
      ...customClaims(grant.idTokenClaims),
      iss: issuer,
      aud: grant.clientId,
      sub: user.user_id,
      iat: now,
      exp: now + ID_TOKEN_TTL_S,
      auth_time: grant.authTime,
      ...(grant.sessionId ? { sid: grant.sessionId } : {}),
      ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
    };
    const accessClaims: Record<string, unknown> = {
      ...customClaims(grant.accessTokenClaims),
      iss: issuer,
      sub: user.user_id,
      aud: [`${publicUrl}/userinfo`],
      iat: now,
      exp: now + ACCESS_TOKEN_TTL_S,
      azp: grant.clientId,
      scope: grant.scope,
    };
    return { id_token: signRs256(idClaims, signingKey), access_token: signRs256(accessClaims, signingKey), token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_S, scope: grant.scope };
  }

  /** Applies what every non-error outcome keeps: metadata (also after a deny) and recorded methods. */
  function keepSideEffects(outcome: PhaseOutcome, userId: string, session: TenantSession | null): void {
    if (outcome.kind === 'error') return;
    users.applyMetadata(userId, outcome.result.appMetadata, outcome.result.userMetadata);
    if (session) session.methods.push(...outcome.result.recordedMethods);
  }

  function logFailure(request: FastifyRequest, outcome: PhaseOutcome): void {
    if (outcome.kind === 'error') request.log.warn({ error: outcome.error, cause: outcome.cause }, 'post-login Action failed the login');
  }

  /** Ends a browser login the way the Action decided. */
  function settleBrowserLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    outcome: PhaseOutcome,
    ctx: { authz: AuthorizeRequest; transaction: LoginTransaction; session: TenantSession; idTokenClaims: Record<string, unknown>; accessTokenClaims: Record<string, unknown> },
  ) {
    const { authz, session } = ctx;
    keepSideEffects(outcome, session.userId, session);
    logFailure(request, outcome);
    const idTokenClaims = { ...ctx.idTokenClaims, ...outcome.result.idTokenClaims };
    const accessTokenClaims = { ...ctx.accessTokenClaims, ...outcome.result.accessTokenClaims };
    switch (outcome.kind) {
      case 'deny':
        return backToApp(reply, authz, { error: 'access_denied', error_description: outcome.reason });
      case 'error':
        return backToApp(reply, authz, { error: outcome.error, error_description: outcome.description });
      case 'redirect':
        awaiting.set(ctx.transaction.state, {
          authz,
          transaction: ctx.transaction,
          userId: session.userId,
          sessionId: session.id,
          idTokenClaims,
          accessTokenClaims,
          expiresAt: Date.now() + LOGIN_TTL_MS,
        });
        return reply.redirect(outcome.url, 302);
      case 'allow': {
        const code = randomId(32);
        codes.set(code, {
          clientId: authz.client.client_id,
          redirectUri: authz.redirectUri,
          userId: session.userId,
          sessionId: session.id,
          scope: authz.scope,
          authTime: session.authTime,
          idTokenClaims,
          accessTokenClaims,
          expiresAt: Date.now() + CODE_TTL_MS,
          ...(authz.nonce !== undefined ? { nonce: authz.nonce } : {}),
        });
        return backToApp(reply, authz, { code });
      }
    }
  }

  /** Runs onExecutePostLogin for a browser login (interactive, SSO or silent). */
  async function runExecute(request: FastifyRequest, reply: FastifyReply, authz: AuthorizeRequest, session: TenantSession, silent: boolean) {
    const user = users.countLogin(session.userId);
    if (!user) return backToApp(reply, authz, { error: 'login_required', error_description: 'Login required' });
    const transaction = newLoginTransaction(randomId(16), randomId(32));
    const empty = { idTokenClaims: {}, accessTokenClaims: {} };
    if (!action) return settleBrowserLogin(request, reply, { kind: 'allow', result: emptyResult() }, { authz, transaction, session, ...empty });
    const event = buildEvent({
      user,
      client: { client_id: authz.client.client_id, name: authz.client.name, ...(authz.client.metadata ? { metadata: authz.client.metadata } : {}) },
      request: eventRequest(request, authz.query, {}),
      transaction: {
        id: transaction.id,
        protocol: 'oidc-basic-profile',
        scope: authz.scope,
        redirectUri: authz.redirectUri,
        ...(authz.prompt !== undefined ? { prompt: authz.prompt } : {}),
        ...(authz.uiLocales !== undefined ? { uiLocales: authz.uiLocales } : {}),
        ...(authz.state !== undefined ? { state: authz.state } : {}),
      },
      sessionMethods: session.methods,
      sessionId: session.id,
      tenantId,
      secrets: options.actionSecrets,
    });
    const outcome = await runPostLoginPhase(action, {
      phase: 'execute',
      event,
      transaction,
      tenantHost,
      cache,
      canRedirect: !silent,
      ...(options.actionTimeoutMs !== undefined ? { timeoutMs: options.actionTimeoutMs } : {}),
    });
    return settleBrowserLogin(request, reply, outcome, { authz, transaction, session, ...empty });
  }

  // ------------------------------------------------------------------ discovery

  app.get('/', async (_request, reply) => html(reply, 200, homePage(publicUrl)));

  app.get('/.well-known/openid-configuration', async () => ({
    issuer,
    authorization_endpoint: `${publicUrl}/authorize`,
    token_endpoint: `${publicUrl}/oauth/token`,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    end_session_endpoint: `${publicUrl}/v2/logout`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'password', 'http://auth0.com/oauth/grant-type/password-realm'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'sid', 'name', 'nickname', 'email', 'email_verified'],
  }));

  app.get('/.well-known/jwks.json', async () => ({ keys: [signingKey.publicJwk] }));

  // ------------------------------------------------------------------ browser login

  app.get('/authorize', async (request, reply) => {
    const q = flatQuery(request.query);
    const client = clients.get(q.client_id ?? '');
    if (!client) return html(reply, 400, errorPage('Invalid request', 'Unknown client_id.'));
    // Never redirect to an unregistered URL: that is how open redirects and code theft start.
    const redirectUri = q.redirect_uri ?? '';
    if (!client.redirect_uris.includes(redirectUri)) {
      return html(reply, 400, errorPage('Callback URL mismatch', 'The redirect_uri is not registered for this application.'));
    }
    const authz: AuthorizeRequest = {
      client,
      redirectUri,
      scope: q.scope ?? 'openid',
      query: q,
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.nonce !== undefined ? { nonce: q.nonce } : {}),
      ...(q.prompt !== undefined ? { prompt: q.prompt } : {}),
      ...(q.ui_locales !== undefined ? { uiLocales: q.ui_locales } : {}),
    };
    if (q.response_type !== 'code') {
      return backToApp(reply, authz, { error: 'unsupported_response_type', error_description: 'Only response_type=code is supported' });
    }
    const prompts = (q.prompt ?? '').split(' ').filter(Boolean);
    const session = sessionOf(request);
    if (prompts.includes('none')) {
      if (!session) return backToApp(reply, authz, { error: 'login_required', error_description: 'Login required' });
      return runExecute(request, reply, authz, session, true);
    }
    if (session && !prompts.includes('login')) return runExecute(request, reply, authz, session, false);
    const txId = randomId();
    pendingLogins.set(txId, { authz, expiresAt: Date.now() + LOGIN_TTL_MS });
    return html(reply, 200, loginPage({ txId, clientName: client.name, users: users.seeds() }));
  });

  app.post('/login', async (request, reply) => {
    const body = bodyOf(request);
    const txId = str(body.tx) ?? '';
    const pending = pendingLogins.get(txId);
    if (!pending || pending.expiresAt < Date.now()) {
      pendingLogins.delete(txId);
      return html(reply, 400, errorPage('Login expired', 'This login page has expired. Go back to the application and sign in again.'));
    }
    const email = str(body.email) ?? '';
    const user = users.authenticate(email, str(body.password) ?? '');
    if (!user) {
      return html(reply, 401, loginPage({ txId, clientName: pending.authz.client.name, email, error: 'Wrong email or password.', users: users.seeds() }));
    }
    pendingLogins.delete(txId);
    const session = openSession(reply, user.user_id);
    return runExecute(request, reply, pending.authz, session, false);
  });

  const continueHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const query = flatQuery(request.query);
    const body = bodyOf(request);
    const state = str(body.state) ?? query.state ?? '';
    const entry = awaiting.get(state);
    const session = sessionOf(request);
    // The state is single use and bound to the browser session that started the login.
    if (!entry || entry.expiresAt < Date.now() || !session || session.id !== entry.sessionId) {
      return html(reply, 400, errorPage('Invalid request', 'The login transaction is unknown, finished or belongs to another browser. Sign in again from the application.'));
    }
    awaiting.delete(state);
    const user = users.get(entry.userId);
    if (!user || !action) return backToApp(reply, entry.authz, { error: 'server_error', error_description: 'The login could not be completed.' });
    const event = buildEvent({
      user,
      client: { client_id: entry.authz.client.client_id, name: entry.authz.client.name, ...(entry.authz.client.metadata ? { metadata: entry.authz.client.metadata } : {}) },
      request: eventRequest(request, query, body),
      transaction: {
        id: entry.transaction.id,
        protocol: 'oidc-basic-profile',
        scope: entry.authz.scope,
        redirectUri: entry.authz.redirectUri,
        ...(entry.authz.prompt !== undefined ? { prompt: entry.authz.prompt } : {}),
        ...(entry.authz.uiLocales !== undefined ? { uiLocales: entry.authz.uiLocales } : {}),
        ...(entry.authz.state !== undefined ? { state: entry.authz.state } : {}),
      },
      sessionMethods: session.methods,
      sessionId: session.id,
      tenantId,
      secrets: options.actionSecrets,
    });
    const outcome = await runPostLoginPhase(action, {
      phase: 'continue',
      event,
      transaction: entry.transaction,
      tenantHost,
      cache,
      canRedirect: true,
      ...(options.actionTimeoutMs !== undefined ? { timeoutMs: options.actionTimeoutMs } : {}),
    });
    return settleBrowserLogin(request, reply, outcome, {
      authz: entry.authz,
      transaction: entry.transaction,
      session,
      idTokenClaims: entry.idTokenClaims,
      accessTokenClaims: entry.accessTokenClaims,
    });
  };
  app.get('/continue', continueHandler);
  app.post('/continue', continueHandler);

  app.get('/v2/logout', async (request, reply) => {
    const q = flatQuery(request.query);
    const id = readCookie(request, TENANT_SESSION_COOKIE);
    if (id) sessions.delete(id);
    clearCookie(reply, TENANT_SESSION_COOKIE);
    const returnTo = q.returnTo;
    const candidates = q.client_id ? [clients.get(q.client_id)].filter((c): c is TenantClient => !!c) : [...clients.values()];
    if (returnTo && candidates.some((c) => c.logout_urls.includes(returnTo))) return reply.redirect(returnTo, 302);
    return html(reply, 200, messagePage('Signed out', 'You are signed out of the sandbox tenant.'));
  });

  // ------------------------------------------------------------------ token endpoint

  function tokenError(reply: FastifyReply, status: number, error: string, description: string) {
    return reply.code(status).send({ error, error_description: description });
  }

  function authenticateClient(request: FastifyRequest, body: Record<string, unknown>): TenantClient | null {
    let id = str(body.client_id);
    let secret = str(body.client_secret);
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        id = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    const client = clients.get(id ?? '');
    if (!client || !secret || !safeEqual(secret, client.client_secret)) return null;
    return client;
  }

  /** Runs the Action for a token grant, where no redirect is possible. */
  async function runForGrant(
    request: FastifyRequest,
    grant: { client: TenantClient; user: StoredUser; protocol: TransactionProtocol; scope: string; session: TenantSession | null; methods: AuthenticationMethod[] },
  ): Promise<PhaseOutcome> {
    if (!action) return { kind: 'allow', result: emptyResult() };
    const body = bodyOf(request);
    // Credentials never reach the Action's event.
    for (const secretField of ['client_secret', 'password', 'refresh_token', 'code']) delete body[secretField];
    const transaction = newLoginTransaction(randomId(16), randomId(32));
    const event = buildEvent({
      user: grant.user,
      client: { client_id: grant.client.client_id, name: grant.client.name, ...(grant.client.metadata ? { metadata: grant.client.metadata } : {}) },
      request: eventRequest(request, {}, body),
      transaction: { id: transaction.id, protocol: grant.protocol, scope: grant.scope },
      sessionMethods: grant.methods,
      ...(grant.session ? { sessionId: grant.session.id } : {}),
      tenantId,
      secrets: options.actionSecrets,
    });
    const outcome = await runPostLoginPhase(action, {
      phase: 'execute',
      event,
      transaction,
      tenantHost,
      cache,
      canRedirect: false,
      ...(options.actionTimeoutMs !== undefined ? { timeoutMs: options.actionTimeoutMs } : {}),
    });
    keepSideEffects(outcome, grant.user.user_id, null);
    logFailure(request, outcome);
    return outcome;
  }

  function grantRefused(reply: FastifyReply, outcome: PhaseOutcome) {
    if (outcome.kind === 'deny') return tokenError(reply, 403, 'access_denied', outcome.reason);
    if (outcome.kind === 'error') return tokenError(reply, outcome.error === 'server_error' ? 500 : 400, outcome.error, outcome.description);
    return null;
  }

  app.post('/oauth/token', async (request, reply) => {
    const body = bodyOf(request);
    const client = authenticateClient(request, body);
    if (!client) return tokenError(reply, 401, 'invalid_client', 'Client authentication failed');
    const grantType = str(body.grant_type);

    if (grantType === 'authorization_code') {
      const code = str(body.code) ?? '';
      const issued = codes.get(code);
      codes.delete(code); // single use, even when the exchange fails
      if (!issued || issued.expiresAt < Date.now() || issued.clientId !== client.client_id) return tokenError(reply, 403, 'invalid_grant', 'Invalid authorization code');
      if (str(body.redirect_uri) !== issued.redirectUri) return tokenError(reply, 403, 'invalid_grant', 'redirect_uri does not match the authorization request');
      const user = users.get(issued.userId);
      if (!user) return tokenError(reply, 403, 'invalid_grant', 'Unknown user');
      const tokens = mintTokens({ ...issued, user, sessionId: issued.sessionId });
      const response: Record<string, unknown> = { ...tokens };
      if (issued.scope.split(' ').includes('offline_access')) {
        const refreshToken = randomId(32);
        const session = sessions.get(issued.sessionId);
        refreshTokens.set(refreshToken, {
          clientId: client.client_id,
          userId: user.user_id,
          sessionId: issued.sessionId,
          scope: issued.scope,
          authTime: issued.authTime,
          methods: session ? [...session.methods] : [],
        });
        response.refresh_token = refreshToken;
      }
      return reply.send(response);
    }

    if (grantType === 'refresh_token') {
      const grant = refreshTokens.get(str(body.refresh_token) ?? '');
      if (!grant || grant.clientId !== client.client_id) return tokenError(reply, 403, 'invalid_grant', 'Unknown or invalid refresh token');
      const user = users.countLogin(grant.userId);
      if (!user) return tokenError(reply, 403, 'invalid_grant', 'Unknown user');
      const session = grant.sessionId ? (sessions.get(grant.sessionId) ?? null) : null;
      const outcome = await runForGrant(request, { client, user, protocol: 'oauth2-refresh-token', scope: grant.scope, session, methods: session ? session.methods : grant.methods });
      const refused = grantRefused(reply, outcome);
      if (refused) return refused;
      return reply.send(
        mintTokens({ clientId: client.client_id, user: users.get(user.user_id) ?? user, scope: grant.scope, sessionId: grant.sessionId, authTime: grant.authTime, idTokenClaims: outcome.result.idTokenClaims, accessTokenClaims: outcome.result.accessTokenClaims }),
      );
    }

    if (grantType === 'password' || grantType === 'http://auth0.com/oauth/grant-type/password-realm') {
      const authenticated = users.authenticate(str(body.username) ?? '', str(body.password) ?? '');
      if (!authenticated) return tokenError(reply, 403, 'invalid_grant', 'Wrong email or password.');
      const user = users.countLogin(authenticated.user_id) ?? authenticated;
      const scope = str(body.scope) ?? 'openid';
      const now = Date.now();
      const protocol: TransactionProtocol = grantType === 'password' ? 'oauth2-password' : 'oauth2-resource-owner';
      const outcome = await runForGrant(request, { client, user, protocol, scope, session: null, methods: [{ name: 'pwd', timestamp: new Date(now).toISOString() }] });
      const refused = grantRefused(reply, outcome);
      if (refused) return refused;
      return reply.send(
        mintTokens({ clientId: client.client_id, user: users.get(user.user_id) ?? user, scope, sessionId: null, authTime: Math.floor(now / 1000), idTokenClaims: outcome.result.idTokenClaims, accessTokenClaims: outcome.result.accessTokenClaims }),
      );
    }

    return tokenError(reply, 400, 'unsupported_grant_type', 'Grant type not supported');
  });

  return app;
}

function emptyResult() {
  return { denied: null, redirect: null, appMetadata: {}, userMetadata: {}, recordedMethods: [], idTokenClaims: {}, accessTokenClaims: {}, fatal: null };
}
