/**
 * The sandbox's fake of Auth0's post-login runtime must behave as Auth0 documents, or the
 * Action's tests (which use it) would pass against behaviour Auth0 does not have.
 */
import { signHs256, verifyHs256 } from '../../lib/jwt-hs256';
import {
  buildEvent,
  createActionCache,
  createPostLoginApi,
  loadAction,
  mergeMetadata,
  newLoginTransaction,
  runPostLoginPhase,
  type LoginTransaction,
  type Phase,
  type PostLoginEvent,
  type StoredUser,
} from '../../sandbox/tenant/post-login-runtime';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const TENANT_HOST = 'localhost:3001';
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const user: StoredUser = {
  user_id: 'auth0|alice',
  email: 'alice@example.com',
  email_verified: true,
  name: 'Alice',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  logins_count: 3,
  app_metadata: { keep: 1, drop: 'x' },
  user_metadata: {},
};

function event(
  overrides: {
    body?: Record<string, unknown>;
    query?: Record<string, unknown>;
    method?: string;
    prompt?: string;
    uiLocales?: string | null;
    acceptLanguage?: string;
  } = {},
): PostLoginEvent {
  return buildEvent({
    user,
    client: { client_id: 'demo-client', name: 'Demo' },
    request: {
      ip: '127.0.0.1',
      host: TENANT_HOST,
      method: overrides.method ?? 'GET',
      query: overrides.query ?? {},
      body: overrides.body ?? {},
      ...(overrides.acceptLanguage !== undefined ? { acceptLanguage: overrides.acceptLanguage } : {}),
    },
    transaction: {
      id: 'tx1',
      protocol: 'oidc-basic-profile',
      scope: 'openid profile',
      ...(overrides.uiLocales === null ? {} : { uiLocales: overrides.uiLocales ?? 'es en' }),
      ...(overrides.prompt ? { prompt: overrides.prompt } : {}),
    },
    firstFactor: { name: 'pwd', timestamp: new Date(NOW).toISOString() },
    sessionId: 'sess1',
    tenantId: 'sandbox',
    secrets: { SHARED_SECRET: SECRET },
  });
}

function apiFor(phase: Phase, tx: LoginTransaction, ev: PostLoginEvent = event(), now = NOW) {
  return createPostLoginApi({
    phase,
    event: ev,
    transaction: tx,
    tenantHost: TENANT_HOST,
    cache: createActionCache(),
    canRedirect: true,
    now: () => now,
  });
}

type Api = {
  access: { deny(reason: string): unknown };
  redirect: {
    sendUserTo(url: string, options?: { query?: Record<string, string> }): unknown;
    encodeToken(options: { secret: string; expiresInSeconds?: number; payload: Record<string, unknown> }): string;
    validateToken(options: { secret: string; tokenParameterName?: string }): Record<string, unknown>;
  };
  user: { setAppMetadata(key: string, value: unknown): unknown };
  authentication: { recordMethod(url: string): unknown; challengeWith(f: unknown): unknown };
  idToken: { setCustomClaim(key: string, value: unknown): unknown };
  multifactor: { enable(p: string): unknown };
};

describe('event', () => {
  // As Auth0: "the locale to be used for this transaction as determined by comparing the
  // browser's requested languages to the tenant's language settings".
  it("transaction.locale: ui_locales first, else the browser's Accept-Language matched to the tenant's languages", () => {
    expect(event({ acceptLanguage: 'fr' }).transaction.locale).toBe('es');
    const browser = event({ uiLocales: null, acceptLanguage: 'pt-PT,pt;q=0.9,en;q=0.8' });
    expect(browser.transaction.ui_locales).toEqual([]);
    expect(browser.transaction.locale).toBe('pt-BR');
    expect(event({ uiLocales: null, acceptLanguage: 'sv, it;q=0.7' }).transaction.locale).toBe('it');
    expect(event({ uiLocales: null }).transaction.locale).toBe('en');
    // The header itself is not part of the event Auth0 documents.
    expect(JSON.stringify(browser)).not.toContain('pt-PT');
  });

  it('has the documented shape: hostname without port, prompt as a list and in the query, pwd method', () => {
    const ev = event({ prompt: 'none' });
    expect(ev.request.hostname).toBe('localhost');
    expect(ev.transaction.prompt).toEqual(['none']);
    expect(ev.request.query.prompt).toBe('none');
    expect(ev.transaction.ui_locales).toEqual(['es', 'en']);
    expect(ev.transaction.locale).toBe('es');
    expect(ev.transaction.requested_scopes).toEqual(['openid', 'profile']);
    expect(ev.authentication.methods).toEqual([{ name: 'pwd', timestamp: new Date(NOW).toISOString() }]);
    expect(ev.stats.logins_count).toBe(3);
    expect(ev.session).toEqual({ id: 'sess1' });
    expect(ev.user.identities[0]).toMatchObject({ provider: 'auth0', user_id: 'alice' });
  });

  it('is a copy: mutating it does not touch the stored user', () => {
    const ev = event();
    ev.user.app_metadata.keep = 99;
    expect(user.app_metadata.keep).toBe(1);
  });
});

describe('redirect.sendUserTo', () => {
  it('appends the query and Auth0 state', () => {
    const tx = newLoginTransaction('tx1', 'st-123');
    const { api, result } = apiFor('execute', tx);
    (api as unknown as Api).redirect.sendUserTo('http://localhost:3002/2fa', { query: { session_token: 'abc' } });
    const url = new URL(result.redirect as string);
    expect(url.origin + url.pathname).toBe('http://localhost:3002/2fa');
    expect(url.searchParams.get('session_token')).toBe('abc');
    expect(url.searchParams.get('state')).toBe('st-123');
  });

  it('allows one redirect per login: a second call in the same run throws and the login fails', async () => {
    const tx = newLoginTransaction('tx1', 'st');
    const code = `exports.onExecutePostLogin = async (event, api) => {
      api.redirect.sendUserTo('http://localhost:3002/a');
      try { api.redirect.sendUserTo('http://localhost:3002/b'); } catch (e) { /* swallowed by the Action */ }
    };
    exports.onContinuePostLogin = async () => {};`;
    const outcome = await runPostLoginPhase(loadAction(code, 'two.js'), {
      phase: 'execute',
      event: event(),
      transaction: tx,
      tenantHost: TENANT_HOST,
      cache: createActionCache(),
      canRedirect: true,
    });
    expect(outcome.kind).toBe('error');
    if (outcome.kind === 'error') expect(outcome.error).toBe('server_error');
  });

  it('refuses a redirect after /continue, to the same URL or to another one', () => {
    const tx = newLoginTransaction('tx1', 'st');
    (apiFor('execute', tx).api as unknown as Api).redirect.sendUserTo('http://localhost:3002/2fa');
    const second = apiFor('continue', tx);
    expect(() => (second.api as unknown as Api).redirect.sendUserTo('http://localhost:3002/2fa')).toThrow(/one redirect/);
    expect(second.result.fatal).not.toBeNull();
    const third = apiFor('continue', tx);
    expect(() => (third.api as unknown as Api).redirect.sendUserTo('http://localhost:3002/other')).toThrow(/one redirect/);
  });

  it('rejects a relative or non-http URL', () => {
    const { api } = apiFor('execute', newLoginTransaction('tx1', 'st'));
    expect(() => (api as unknown as Api).redirect.sendUserTo('/2fa')).toThrow();
    expect(() => (api as unknown as Api).redirect.sendUserTo('javascript:alert(1)')).toThrow();
  });

  it('becomes interaction_required when the flow cannot redirect (prompt=none, grants)', async () => {
    const code = `exports.onExecutePostLogin = async (e, api) => { api.redirect.sendUserTo('http://localhost:3002/2fa'); };
      exports.onContinuePostLogin = async () => {};`;
    const outcome = await runPostLoginPhase(loadAction(code, 'r.js'), {
      phase: 'execute',
      event: event({ prompt: 'none' }),
      transaction: newLoginTransaction('t', 's'),
      tenantHost: TENANT_HOST,
      cache: createActionCache(),
      canRedirect: false,
    });
    expect(outcome).toMatchObject({ kind: 'error', error: 'interaction_required' });
  });
});

describe('redirect.encodeToken', () => {
  it('signs HS256 with sub, iss = tenant host, iat, exp (default 900 s), ip and the payload as top-level claims', () => {
    const { api } = apiFor('execute', newLoginTransaction('tx1', 'st'));
    const token = (api as unknown as Api).redirect.encodeToken({
      secret: SECRET,
      payload: { continue_uri: 'http://localhost:3001/continue', n: 1, sub: 'spoofed' },
    });
    const claims = verifyHs256(token, SECRET, { nowSec: Math.floor(NOW / 1000) });
    expect(claims).toEqual({
      continue_uri: 'http://localhost:3001/continue',
      n: 1,
      sub: 'auth0|alice',
      iss: 'localhost:3001',
      iat: Math.floor(NOW / 1000),
      exp: Math.floor(NOW / 1000) + 900,
      ip: '127.0.0.1',
    });
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('honours expiresInSeconds and refuses a missing secret', () => {
    const { api } = apiFor('execute', newLoginTransaction('tx1', 'st'));
    const token = (api as unknown as Api).redirect.encodeToken({ secret: SECRET, expiresInSeconds: 60, payload: {} });
    expect(verifyHs256(token, SECRET, { nowSec: Math.floor(NOW / 1000) }).exp).toBe(Math.floor(NOW / 1000) + 60);
    expect(() => (api as unknown as Api).redirect.encodeToken({ secret: '', payload: {} })).toThrow(/secret/);
  });
});

describe('redirect.validateToken', () => {
  const nowS = Math.floor(NOW / 1000);
  const good = (extra: Record<string, unknown> = {}) =>
    signHs256({ sub: 'auth0|alice', state: 'st-9', iat: nowS, exp: nowS + 60, ok: true, ...extra }, SECRET);

  function continueApi(body: Record<string, unknown>, query: Record<string, unknown> = {}, now = NOW) {
    const tx = newLoginTransaction('tx1', 'st-9');
    tx.redirects = 1;
    return apiFor('continue', tx, event({ method: 'POST', body, query }), now).api as unknown as Api;
  }

  it('accepts a good token from the POST body and returns its claims', () => {
    expect(continueApi({ session_token: good() }).redirect.validateToken({ secret: SECRET })).toMatchObject({ ok: true, state: 'st-9' });
  });

  it('reads the query too, and a custom parameter name', () => {
    expect(continueApi({}, { session_token: good() }).redirect.validateToken({ secret: SECRET }).ok).toBe(true);
    expect(continueApi({ result: good() }).redirect.validateToken({ secret: SECRET, tokenParameterName: 'result' }).ok).toBe(true);
  });

  it('rejects a bad signature', () => {
    const forged = signHs256({ state: 'st-9', exp: nowS + 60 }, 'another-secret-that-is-long-enough-1234');
    expect(() => continueApi({ session_token: forged }).redirect.validateToken({ secret: SECRET })).toThrow(/invalid/);
  });

  it('rejects an expired token', () => {
    expect(() => continueApi({ session_token: good() }, {}, NOW + 61_000).redirect.validateToken({ secret: SECRET })).toThrow(/expired/);
  });

  it('rejects a token whose state is not the /continue state, or has none', () => {
    expect(() => continueApi({ session_token: good({ state: 'other' }) }).redirect.validateToken({ secret: SECRET })).toThrow(
      /State in the token/,
    );
    expect(() =>
      continueApi({ session_token: signHs256({ sub: 'auth0|alice', exp: nowS + 60 }, SECRET) }).redirect.validateToken({ secret: SECRET }),
    ).toThrow(/State/);
  });

  it('rejects alg none and a missing token', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ state: 'st-9', exp: nowS + 60 })).toString('base64url');
    expect(() => continueApi({ session_token: `${header}.${body}.` }).redirect.validateToken({ secret: SECRET })).toThrow(/invalid/);
    expect(() => continueApi({}).redirect.validateToken({ secret: SECRET })).toThrow(/no session_token/);
  });

  it('is not available before the redirect', () => {
    const api = apiFor('execute', newLoginTransaction('t', 'st-9'), event({ body: { session_token: good() } })).api as unknown as Api;
    expect(() => api.redirect.validateToken({ secret: SECRET })).toThrow(/onContinuePostLogin/);
  });
});

describe('metadata, deny, methods, claims', () => {
  it('keeps metadata changes after a deny, and null removes a key', async () => {
    const code = `exports.onExecutePostLogin = async (event, api) => {
      api.user.setAppMetadata('failures', 3);
      api.user.setAppMetadata('drop', null);
      api.access.deny('locked');
    };`;
    const outcome = await runPostLoginPhase(loadAction(code, 'deny.js'), {
      phase: 'execute',
      event: event(),
      transaction: newLoginTransaction('t', 's'),
      tenantHost: TENANT_HOST,
      cache: createActionCache(),
      canRedirect: true,
    });
    expect(outcome.kind).toBe('deny');
    if (outcome.kind !== 'deny') return;
    expect(outcome.reason).toBe('locked');
    expect(mergeMetadata(user.app_metadata, outcome.result.appMetadata)).toEqual({ keep: 1, failures: 3 });
  });

  it('records a method only in onContinuePostLogin', () => {
    const before = apiFor('execute', newLoginTransaction('t', 's'));
    expect(() => (before.api as unknown as Api).authentication.recordMethod('https://2fa.example.com/')).toThrow(/onContinuePostLogin/);
    const after = apiFor('continue', newLoginTransaction('t', 's'), event(), NOW);
    (after.api as unknown as Api).authentication.recordMethod('http://localhost:3002/');
    expect(after.result.recordedMethods).toEqual([{ name: 'http://localhost:3002/', timestamp: new Date(NOW).toISOString() }]);
  });

  it('collects ID token claims and refuses the MFA APIs the sandbox does not have', () => {
    const { api, result } = apiFor('continue', newLoginTransaction('t', 's'));
    (api as unknown as Api).idToken.setCustomClaim('http://localhost:3002/2fa', { method: 'app' });
    expect(result.idTokenClaims).toEqual({ 'http://localhost:3002/2fa': { method: 'app' } });
    expect(() => (api as unknown as Api).multifactor.enable('any')).toThrow(/not supported/);
    expect(() => (api as unknown as Api).authentication.challengeWith({ type: 'otp' })).toThrow(/not supported/);
  });
});

describe('loadAction and failures', () => {
  it('allows only Node built-ins in require', () => {
    expect(() =>
      loadAction(`require('node:crypto'); require('crypto'); exports.onExecutePostLogin = async () => {};`, 'ok.js'),
    ).not.toThrow();
    expect(() => loadAction(`require('axios'); exports.onExecutePostLogin = async () => {};`, 'dep.js')).toThrow(
      /Cannot find module 'axios'/,
    );
  });

  it('refuses a file with no handler', () => {
    expect(() => loadAction(`exports.x = 1;`, 'none.js')).toThrow(/neither/);
  });

  it('ends the login with server_error when a handler throws, times out or is missing, never with a success', async () => {
    const base = {
      event: event(),
      transaction: newLoginTransaction('t', 's'),
      tenantHost: TENANT_HOST,
      cache: createActionCache(),
      canRedirect: true,
    } as const;
    const throwing = loadAction(`exports.onExecutePostLogin = async () => { throw new Error('boom'); };`, 't.js');
    expect(await runPostLoginPhase(throwing, { ...base, phase: 'execute' })).toMatchObject({ kind: 'error', error: 'server_error' });
    const slow = loadAction(`exports.onExecutePostLogin = () => new Promise(() => {});`, 's.js');
    expect(await runPostLoginPhase(slow, { ...base, phase: 'execute', timeoutMs: 50 })).toMatchObject({
      kind: 'error',
      error: 'server_error',
    });
    expect(await runPostLoginPhase(throwing, { ...base, phase: 'continue' })).toMatchObject({
      kind: 'error',
      cause: expect.stringMatching(/onContinuePostLogin/),
    });
  });

  it('lets a well-behaved Action allow the login', async () => {
    const ok = loadAction(
      `exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('x', event.request.hostname); };`,
      'ok.js',
    );
    const outcome = await runPostLoginPhase(ok, {
      phase: 'execute',
      event: event(),
      transaction: newLoginTransaction('t', 's'),
      tenantHost: TENANT_HOST,
      cache: createActionCache(),
      canRedirect: true,
    });
    expect(outcome).toMatchObject({ kind: 'allow', result: { idTokenClaims: { x: 'localhost' } } });
  });
});
