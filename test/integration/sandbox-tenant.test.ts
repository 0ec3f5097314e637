/**
 * The stand-in tenant end to end over HTTP (127.0.0.1, port 0): authorize → login →
 * an Action that redirects → /continue → code → token → ID token, and the deny, prompt=none,
 * refresh-token, password-grant and restart paths. The Action here is a small test file, not
 * the product's: these tests are about the tenant playing Auth0's part.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { signHs256, verifyHs256 } from '../../lib/jwt-hs256';
import { buildTenant, TENANT_SESSION_COOKIE, type TenantOptions } from '../../sandbox/tenant/app';
import { verifyRs256 } from '../../sandbox/shared/rs256';
import { parseSeedUsers } from '../../sandbox/tenant/user-store';

const SECRET = 'integration-test-shared-secret-0123456789';
const PUBLIC_URL = 'http://localhost:3001';
const APP_CALLBACK = 'http://localhost:3000/callback';
const FORM_URL = 'http://localhost:4999/form';
const METHOD = 'https://sandbox.test/2fa';

const ACTION = `
exports.onExecutePostLogin = async (event, api) => {
  api.user.setAppMetadata('last_protocol', event.transaction.protocol);
  if (event.user.email.startsWith('bob')) {
    api.user.setAppMetadata('denied', (event.user.app_metadata.denied || 0) + 1);
    api.access.deny('Bob may not sign in');
    return;
  }
  if (event.transaction.protocol === 'oauth2-password') { api.access.deny('Second factor required'); return; }
  if (event.transaction.protocol === 'oauth2-refresh-token') { api.idToken.setCustomClaim('${METHOD}/refreshed', true); return; }
  if (event.authentication.methods.some((m) => m.name === '${METHOD}')) { api.idToken.setCustomClaim('${METHOD}', 'session'); return; }
  const token = api.redirect.encodeToken({
    secret: event.secrets.SHARED_SECRET,
    expiresInSeconds: 120,
    payload: { host: event.request.hostname, prompt: event.request.query.prompt || null },
  });
  api.redirect.sendUserTo('${FORM_URL}', { query: { session_token: token } });
};
exports.onContinuePostLogin = async (event, api) => {
  const claims = api.redirect.validateToken({ secret: event.secrets.SHARED_SECRET });
  if (claims.again) { api.redirect.sendUserTo('${FORM_URL}'); return; }
  api.user.setAppMetadata('second_factor', claims.result);
  api.authentication.recordMethod('${METHOD}');
  api.idToken.setCustomClaim('${METHOD}', claims.result);
  api.idToken.setCustomClaim('iss', 'forged');
};
`;

const seedUsers = parseSeedUsers({
  users: [
    { user_id: 'auth0|alice', email: 'alice@example.com', password: 'alice-pass', name: 'Alice' },
    { user_id: 'auth0|bob', email: 'bob@example.com', password: 'bob-pass', name: 'Bob' },
  ],
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-tenant-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function options(overrides: Partial<TenantOptions> = {}): TenantOptions {
  return {
    publicUrl: PUBLIC_URL,
    clients: [
      {
        client_id: 'demo',
        client_secret: 'demo-secret',
        name: 'Demo app',
        redirect_uris: [APP_CALLBACK],
        logout_urls: ['http://localhost:3000/'],
      },
    ],
    seedUsers,
    dataFile: join(dir, 'users.json'),
    keyFile: join(dir, 'key.pem'),
    action: { code: ACTION, filename: 'test-action.js' },
    actionSecrets: { SHARED_SECRET: SECRET },
    ...overrides,
  };
}

interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

/**
 * HTTP over a real socket on 127.0.0.1 (Fastify's inject pulls in an ES-module-only cookie
 * package that Jest on Node 20 cannot load). The Host header is the tenant's public host.
 */
async function call(
  app: FastifyInstance,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('tenant is not listening');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: address.port,
        method,
        path,
        headers: {
          host: 'localhost:3001',
          ...headers,
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function start(opts: TenantOptions): Promise<FastifyInstance> {
  const app = await buildTenant(opts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

function sessionCookieOf(res: Reply): string | undefined {
  const set = res.headers['set-cookie'];
  const list = Array.isArray(set) ? set : set ? [set] : [];
  for (const line of list) {
    const match = new RegExp(`^${TENANT_SESSION_COOKIE}=([^;]*)`).exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** A browser: follows nothing by itself, but keeps the tenant's cookie. */
class Browser {
  cookie: string | null = null;
  constructor(private readonly app: FastifyInstance) {}
  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const headers: Record<string, string> = this.cookie ? { cookie: `${TENANT_SESSION_COOKIE}=${this.cookie}` } : {};
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await call(this.app, method, url, headers, form ? new URLSearchParams(form).toString() : undefined);
    const set = sessionCookieOf(res);
    if (set !== undefined) this.cookie = set === '' ? null : set;
    return res;
  }
}

function authorizeUrl(params: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    client_id: 'demo',
    redirect_uri: APP_CALLBACK,
    response_type: 'code',
    scope: 'openid profile email',
    state: 'app-state',
    nonce: 'n-1',
    ...params,
  });
  return `/authorize?${q}`;
}

async function signIn(browser: Browser, email: string, password: string, params: Record<string, string> = {}) {
  const page = await browser.request('GET', authorizeUrl(params));
  expect(page.statusCode).toBe(200);
  const tx = /name="tx" value="([^"]+)"/.exec(page.body)?.[1];
  expect(tx).toBeDefined();
  return browser.request('POST', '/login', { tx: tx as string, email, password });
}

/** Plays the redirect target: reads the outbound token, answers with a signed result token. */
function formServer(location: string, result: Record<string, unknown> = { result: 'app' }) {
  const url = new URL(location);
  expect(url.origin + url.pathname).toBe(FORM_URL);
  const state = url.searchParams.get('state') as string;
  const outbound = verifyHs256(url.searchParams.get('session_token'), SECRET);
  const now = Math.floor(Date.now() / 1000);
  const token = signHs256({ sub: outbound.sub, state, iat: now, exp: now + 60, ...result }, SECRET);
  return { state, outbound, token };
}

function callback(location: string): URLSearchParams {
  const url = new URL(location);
  expect(url.origin + url.pathname).toBe(APP_CALLBACK);
  return url.searchParams;
}

async function exchange(app: FastifyInstance, form: Record<string, string>) {
  return call(
    app,
    'POST',
    '/oauth/token',
    { 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({ client_id: 'demo', client_secret: 'demo-secret', ...form }).toString(),
  );
}

async function idTokenClaims(app: FastifyInstance, idToken: string, nonce?: string) {
  const jwks = (await call(app, 'GET', '/.well-known/jwks.json')).json() as { keys: unknown[] };
  return verifyRs256(idToken, jwks, { issuer: `${PUBLIC_URL}/`, audience: 'demo', ...(nonce ? { nonce } : {}) });
}

async function fullLogin(browser: Browser, params: Record<string, string> = {}) {
  const login = await signIn(browser, 'alice@example.com', 'alice-pass', params);
  expect(login.statusCode).toBe(302);
  const { state, outbound, token } = formServer(login.headers.location as string);
  return { state, outbound, back: await browser.request('POST', '/continue', { state, session_token: token }) };
}

describe('stand-in tenant', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await start(options());
  });
  afterEach(async () => app.close());

  it('runs authorize → login → redirect → POST /continue → code → tokens, with the Action claims in a verifiable ID token', async () => {
    const browser = new Browser(app);
    const { outbound, back } = await fullLogin(browser, { ui_locales: 'de' });
    expect(outbound).toMatchObject({ sub: 'auth0|alice', iss: 'localhost:3001', ip: expect.any(String), host: 'localhost' });
    expect(back.statusCode).toBe(302);
    const params = callback(back.headers.location as string);
    expect(params.get('state')).toBe('app-state');
    const code = params.get('code') as string;

    const tokens = await exchange(app, { grant_type: 'authorization_code', code, redirect_uri: APP_CALLBACK });
    expect(tokens.statusCode).toBe(200);
    const claims = await idTokenClaims(app, tokens.json().id_token, 'n-1');
    expect(claims).toMatchObject({
      sub: 'auth0|alice',
      aud: 'demo',
      email: 'alice@example.com',
      name: 'Alice',
      [METHOD]: 'app',
      iss: `${PUBLIC_URL}/`,
    });
    expect(app.tenant.users.get('auth0|alice')?.app_metadata).toMatchObject({ second_factor: 'app', last_protocol: 'oidc-basic-profile' });

    // A code is single use.
    expect((await exchange(app, { grant_type: 'authorization_code', code, redirect_uri: APP_CALLBACK })).statusCode).toBe(403);
  });

  it('resumes by GET too, and refuses a replayed, unknown or foreign /continue', async () => {
    const browser = new Browser(app);
    const login = await signIn(browser, 'alice@example.com', 'alice-pass');
    const { state, token } = formServer(login.headers.location as string);
    const stranger = new Browser(app);
    expect((await stranger.request('GET', `/continue?state=${state}&session_token=${token}`)).statusCode).toBe(400);
    const back = await browser.request('GET', `/continue?state=${state}&session_token=${token}`);
    expect(callback(back.headers.location as string).get('code')).toBeTruthy();
    expect((await browser.request('GET', `/continue?state=${state}&session_token=${token}`)).statusCode).toBe(400);
    expect((await browser.request('POST', '/continue', { state: 'nope' })).statusCode).toBe(400);
  });

  it('ends with server_error, never a code, when the result token is for another state or the Action redirects twice', async () => {
    const browser = new Browser(app);
    const login = await signIn(browser, 'alice@example.com', 'alice-pass');
    const { state } = formServer(login.headers.location as string);
    const now = Math.floor(Date.now() / 1000);
    const wrongState = signHs256({ state: 'other', exp: now + 60, result: 'app' }, SECRET);
    const back = await browser.request('POST', '/continue', { state, session_token: wrongState });
    const params = callback(back.headers.location as string);
    expect(params.get('error')).toBe('server_error');
    expect(params.get('code')).toBeNull();

    const again = await signIn(new Browser(app), 'alice@example.com', 'alice-pass');
    const second = formServer(again.headers.location as string, { again: true });
    const browser2 = new Browser(app);
    browser2.cookie = sessionCookieOf(again) ?? null;
    const twice = await browser2.request('POST', '/continue', { state: second.state, session_token: second.token });
    expect(callback(twice.headers.location as string).get('error')).toBe('server_error');
  });

  it('denies with access_denied and the reason, and still persists the metadata the Action set', async () => {
    const res = await signIn(new Browser(app), 'bob@example.com', 'bob-pass');
    const params = callback(res.headers.location as string);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toBe('Bob may not sign in');
    expect(params.get('state')).toBe('app-state');
    expect(app.tenant.users.get('auth0|bob')?.app_metadata).toEqual({ last_protocol: 'oidc-basic-profile', denied: 1 });
  });

  it('shows the login form again on a wrong password, and never redirects to an unregistered callback', async () => {
    const res = await signIn(new Browser(app), 'alice@example.com', 'wrong');
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Wrong email or password.');
    const evil = await new Browser(app).request('GET', authorizeUrl({ redirect_uri: 'http://evil.example/cb' }));
    expect(evil.statusCode).toBe(400);
    expect(evil.headers.location).toBeUndefined();
  });

  it('prompt=none: login_required without a session, interaction_required when the Action must redirect, a code once the session has the method', async () => {
    const none = await new Browser(app).request('GET', authorizeUrl({ prompt: 'none' }));
    expect(callback(none.headers.location as string).get('error')).toBe('login_required');

    // Signed in, but the second factor was never completed in this session.
    const browser = new Browser(app);
    await signIn(browser, 'alice@example.com', 'alice-pass');
    const silent = await browser.request('GET', authorizeUrl({ prompt: 'none' }));
    expect(callback(silent.headers.location as string).get('error')).toBe('interaction_required');

    const done = new Browser(app);
    await fullLogin(done);
    const again = await done.request('GET', authorizeUrl({ prompt: 'none', nonce: 'n-2' }));
    const code = callback(again.headers.location as string).get('code') as string;
    const tokens = await exchange(app, { grant_type: 'authorization_code', code, redirect_uri: APP_CALLBACK });
    expect(await idTokenClaims(app, tokens.json().id_token, 'n-2')).toMatchObject({ [METHOD]: 'session' });

    // SSO without prompt: no login form, the Action runs and sees the recorded method.
    const sso = await done.request('GET', authorizeUrl());
    expect(callback(sso.headers.location as string).get('code')).toBeTruthy();
  });

  it('runs the Action for the refresh-token grant (protocol oauth2-refresh-token) and the password grant (denied)', async () => {
    const browser = new Browser(app);
    const { back } = await fullLogin(browser, { scope: 'openid offline_access' });
    const code = callback(back.headers.location as string).get('code') as string;
    const tokens = (await exchange(app, { grant_type: 'authorization_code', code, redirect_uri: APP_CALLBACK })).json();
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const refreshed = await exchange(app, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.statusCode).toBe(200);
    expect(await idTokenClaims(app, refreshed.json().id_token)).toMatchObject({ [`${METHOD}/refreshed`]: true });
    expect(app.tenant.users.get('auth0|alice')?.app_metadata.last_protocol).toBe('oauth2-refresh-token');

    const password = await exchange(app, {
      grant_type: 'password',
      username: 'alice@example.com',
      password: 'alice-pass',
      scope: 'openid',
    });
    expect(password.statusCode).toBe(403);
    expect(password.json()).toEqual({ error: 'access_denied', error_description: 'Second factor required' });
    expect(app.tenant.users.get('auth0|alice')?.app_metadata.last_protocol).toBe('oauth2-password');

    expect((await exchange(app, { grant_type: 'refresh_token', refresh_token: 'made-up' })).statusCode).toBe(403);
    const badClient = await call(
      app,
      'POST',
      '/oauth/token',
      { 'content-type': 'application/json' },
      JSON.stringify({ grant_type: 'refresh_token', client_id: 'demo', client_secret: 'wrong' }),
    );
    expect(badClient.statusCode).toBe(401);
  });

  it('logs out: the session is gone and returnTo must be registered', async () => {
    const browser = new Browser(app);
    await fullLogin(browser);
    const out = await browser.request('GET', '/v2/logout?client_id=demo&returnTo=http%3A%2F%2Flocalhost%3A3000%2F');
    expect(out.headers.location).toBe('http://localhost:3000/');
    const silent = await browser.request('GET', authorizeUrl({ prompt: 'none' }));
    expect(callback(silent.headers.location as string).get('error')).toBe('login_required');
    const evil = await browser.request('GET', '/v2/logout?returnTo=http%3A%2F%2Fevil.example%2F');
    expect(evil.statusCode).toBe(200);
  });

  it('publishes OpenID discovery and the JWKS', async () => {
    const conf = (await call(app, 'GET', '/.well-known/openid-configuration')).json();
    expect(conf).toMatchObject({
      issuer: `${PUBLIC_URL}/`,
      authorization_endpoint: `${PUBLIC_URL}/authorize`,
      jwks_uri: `${PUBLIC_URL}/.well-known/jwks.json`,
    });
    const jwks = (await call(app, 'GET', '/.well-known/jwks.json')).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(jwks.keys[0].d).toBeUndefined();
  });
});

describe('persistence across a restart', () => {
  it('keeps users metadata and the signing key', async () => {
    const first = await start(options());
    const browser = new Browser(first);
    const { back } = await fullLogin(browser);
    const code = callback(back.headers.location as string).get('code') as string;
    const idToken = (await exchange(first, { grant_type: 'authorization_code', code, redirect_uri: APP_CALLBACK })).json()
      .id_token as string;
    await first.close();

    const second = await start(options());
    try {
      expect(second.tenant.users.get('auth0|alice')?.app_metadata).toMatchObject({ second_factor: 'app' });
      expect(second.tenant.users.get('auth0|alice')?.logins_count).toBe(1);
      // Same key: a token from before the restart still verifies.
      expect(await idTokenClaims(second, idToken)).toMatchObject({ sub: 'auth0|alice' });
      // Sessions are not kept: the browser must sign in again.
      const silent = await new Browser(second).request('GET', authorizeUrl({ prompt: 'none' }));
      expect(callback(silent.headers.location as string).get('error')).toBe('login_required');
    } finally {
      await second.close();
    }
  });
});
