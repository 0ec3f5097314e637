/**
 * The demo application: a regular web app that signs users in with the sandbox tenant by the
 * authorization code flow (state and nonce checked, ID token verified with the tenant's JWKS),
 * shows who signed in and the ID-token claims (including the 2FA claim), can refresh its
 * tokens (the Action runs again) and signs out of both itself and the tenant.
 */
import { safeEqual } from '../../lib/safe-equal';
import { addPageHeaders, flatQuery, sendHtml } from '../shared/page-headers';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import { clearCookie, readCookie, setSessionCookie } from '../shared/cookies';
import { verifyRs256 } from '../shared/rs256';
import { errorPage, signedInPage, signedOutPage } from './pages';

/** Distinct from every other sandbox cookie: all sandbox servers share `localhost`. */
export const DEMO_SESSION_COOKIE = 'sandbox_demo_session';

export interface DemoAppOptions {
  /** Origin the browser uses for this app, e.g. http://localhost:3000. */
  publicUrl: string;
  /** Origin the browser uses for the tenant, e.g. http://localhost:3001 (also the ID token issuer). */
  tenantUrl: string;
  /** Origin this server uses to reach the tenant (token, JWKS); defaults to tenantUrl. */
  tenantBackchannelUrl?: string;
  clientId: string;
  clientSecret: string;
  /** The ID-token claim that says 2FA was done, highlighted on the page. */
  secondFactorClaim?: string;
  logger?: FastifyServerOptions['logger'];
}

interface DemoSession {
  pending?: { state: string; nonce: string; expiresAt: number };
  user?: { claims: Record<string, unknown>; refreshToken?: string; refreshedAt?: string };
}

const randomId = (): string => randomBytes(24).toString('base64url');

/** The tenant answered something the app cannot use; the message is safe to show. */
class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

export async function buildDemoApp(options: DemoAppOptions): Promise<FastifyInstance> {
  const publicUrl = new URL(options.publicUrl).origin;
  const tenantUrl = new URL(options.tenantUrl).origin;
  const backchannel = new URL(options.tenantBackchannelUrl ?? options.tenantUrl).origin;
  const callbackUrl = `${publicUrl}/callback`;
  const issuer = `${tenantUrl}/`;
  const sessions = new Map<string, DemoSession>();

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 16 * 1024 });
  await app.register(formbody);

  addPageHeaders(app);
  const html = sendHtml;

  function session(request: FastifyRequest, reply: FastifyReply): DemoSession {
    const id = readCookie(request, DEMO_SESSION_COOKIE);
    const existing = id ? sessions.get(id) : undefined;
    if (existing) return existing;
    const fresh: DemoSession = {};
    const newId = randomId();
    sessions.set(newId, fresh);
    setSessionCookie(reply, DEMO_SESSION_COOKIE, newId);
    return fresh;
  }

  async function tokenRequest(form: Record<string, string>): Promise<Record<string, unknown>> {
    const res = await fetch(`${backchannel}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: options.clientId, client_secret: options.clientSecret, ...form }).toString(),
      signal: AbortSignal.timeout(25_000),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      throw new SignInError(typeof body.error === 'string' ? body.error : 'token_error', typeof body.error_description === 'string' ? body.error_description : `The tenant answered HTTP ${res.status}.`);
    }
    return body;
  }

  async function verifiedClaims(idToken: unknown, nonce?: string): Promise<Record<string, unknown>> {
    if (typeof idToken !== 'string') throw new SignInError('invalid_token', 'The tenant did not return an ID token.');
    const res = await fetch(`${backchannel}/.well-known/jwks.json`, { signal: AbortSignal.timeout(5000) });
    const jwks = (await res.json()) as { keys?: unknown };
    if (!Array.isArray(jwks.keys)) throw new SignInError('invalid_token', 'The tenant JWKS is unreadable.');
    try {
      return verifyRs256(idToken, { keys: jwks.keys }, { issuer, audience: options.clientId, ...(nonce !== undefined ? { nonce } : {}) });
    } catch (error) {
      throw new SignInError('invalid_token', `The ID token was refused: ${(error as Error).message}.`);
    }
  }

  app.get('/', async (request, reply) => {
    const s = session(request, reply);
    if (!s.user) return html(reply, 200, signedOutPage(tenantUrl));
    return html(
      reply,
      200,
      signedInPage({
        claims: s.user.claims,
        secondFactorClaim: options.secondFactorClaim ?? Object.keys(s.user.claims).find((k) => k.endsWith('second_factor')) ?? null,
        canRefresh: !!s.user.refreshToken,
        ...(s.user.refreshedAt ? { refreshedAt: s.user.refreshedAt } : {}),
      }),
    );
  });

  app.get('/login', async (request, reply) => {
    const q = flatQuery(request.query);
    const s = session(request, reply);
    const pending = { state: randomId(), nonce: randomId(), expiresAt: Date.now() + 30 * 60_000 };
    s.pending = pending;
    const url = new URL(`${tenantUrl}/authorize`);
    url.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: callbackUrl,
      response_type: 'code',
      scope: 'openid profile email offline_access',
      state: pending.state,
      nonce: pending.nonce,
    }).toString();
    if (q.prompt === 'none' || q.prompt === 'login') url.searchParams.set('prompt', q.prompt);
    if (q.ui_locales && /^[A-Za-z-]{2,20}( [A-Za-z-]{2,20})*$/.test(q.ui_locales)) url.searchParams.set('ui_locales', q.ui_locales);
    return reply.redirect(url.toString(), 302);
  });

  app.get('/callback', async (request, reply) => {
    const q = flatQuery(request.query);
    const s = session(request, reply);
    const pending = s.pending;
    // The state binds this answer to the login this browser started (CSRF); it is single use.
    if (!pending || pending.expiresAt < Date.now() || !q.state || !safeEqual(q.state, pending.state)) {
      return html(reply, 400, errorPage('invalid_state', 'This sign-in answer does not belong to a sign-in started here. Sign in again.'));
    }
    delete s.pending;
    if (q.error) return html(reply, q.error === 'access_denied' ? 403 : 400, errorPage(q.error, q.error_description ?? ''));
    if (!q.code) return html(reply, 400, errorPage('invalid_request', 'The tenant sent neither a code nor an error.'));
    try {
      const tokens = await tokenRequest({ grant_type: 'authorization_code', code: q.code, redirect_uri: callbackUrl });
      const claims = await verifiedClaims(tokens.id_token, pending.nonce);
      s.user = { claims, ...(typeof tokens.refresh_token === 'string' ? { refreshToken: tokens.refresh_token } : {}) };
      return reply.redirect('/', 302);
    } catch (error) {
      if (error instanceof SignInError) return html(reply, error.code === 'access_denied' ? 403 : 502, errorPage(error.code, error.message));
      request.log.error({ err: error }, 'sign-in failed');
      return html(reply, 502, errorPage('server_error', 'The tenant could not be reached.'));
    }
  });

  app.post('/refresh', async (request, reply) => {
    const s = session(request, reply);
    if (!s.user?.refreshToken) return reply.redirect('/', 302);
    try {
      const tokens = await tokenRequest({ grant_type: 'refresh_token', refresh_token: s.user.refreshToken });
      const claims = await verifiedClaims(tokens.id_token);
      s.user = { ...s.user, claims, refreshedAt: new Date().toISOString() };
      return reply.redirect('/', 302);
    } catch (error) {
      if (error instanceof SignInError) return html(reply, error.code === 'access_denied' ? 403 : 502, errorPage(error.code, error.message));
      request.log.error({ err: error }, 'refresh failed');
      return html(reply, 502, errorPage('server_error', 'The tenant could not be reached.'));
    }
  });

  app.get('/logout', async (request, reply) => {
    const id = readCookie(request, DEMO_SESSION_COOKIE);
    if (id) sessions.delete(id);
    clearCookie(reply, DEMO_SESSION_COOKIE);
    const url = new URL(`${tenantUrl}/v2/logout`);
    url.search = new URLSearchParams({ client_id: options.clientId, returnTo: `${publicUrl}/` }).toString();
    return reply.redirect(url.toString(), 302);
  });

  return app;
}
