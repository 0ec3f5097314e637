/**
 * Shared set-up for the forms server's tests: a test config, the app built with a fake clock
 * and a log sink, outbound tokens minted exactly as Auth0's `api.redirect.encodeToken` does,
 * a browser-like visit (keeps the flow cookie, reads the CSRF token), page checks, and Authy
 * replies shaped as Authy documents them.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import nock from 'nock';
import { buildFormsServer, type FormsServerDeps } from '../../forms-server/app';
import { loadConfig, type FormsServerConfig } from '../../forms-server/config';
import { FLOW_COOKIE } from '../../forms-server/plugins/visit-cookie';
import { MemoryStore } from '../../forms-server/store/memory';
import type { Store } from '../../forms-server/store/types';
import { signHs256, verifyHs256, type JwtClaims } from '../../lib/jwt-hs256';
import { seal } from '../../lib/seal';
import { OUTBOUND_TTL_SECONDS, outboundPayload, parseResultClaims, type ResultToken } from '../../lib/token-contract';

// ---------------------------------------------------------------- settings

export const SECRET = 'forms-server-test-shared-secret-0123456789';
export const OTHER_SECRET = 'another-shared-secret-that-is-long-enough!!';
export const TENANT_HOST = 'tenant.example.auth0.com';
export const SECOND_TENANT_HOST = 'login.example.org';
export const UNTRUSTED_HOST = 'evil.example.net';
export const FORMS_ORIGIN = 'https://2fa.example.com';
export const AUTHY_URL = 'https://api.authy.com';
export const AUTHY_KEY = 'authy-test-api-key-d41d8cd98f00b204';
/** A fixed start time: 2030-01-01 12:00 UTC. */
export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
export const USER = 'auth0|64f0c0ffee0000000000abcd';
export const EMAIL = 'ada.lovelace@example.com';
export const AUTHY_ID = '1234';
export const STATE = 'hKFo2SBnZ3lRb0NJR1lYUkZ0Y2ZtQ0pfQ2Y3TEdPRHFRR2FLb6FupWxvZ2luo3RpZNkgdDdWd0x3';

export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SHARED_SECRET: SECRET,
    FORMS_PUBLIC_URL: `${FORMS_ORIGIN}/2fa`,
    TRUSTED_TENANTS: `https://${TENANT_HOST}, https://${SECOND_TENANT_HOST}`,
    AUTHY_API_KEY: AUTHY_KEY,
    AUTHY_TIMEOUT_MS: '600',
    RATE_LIMIT_PER_MINUTE: '1000',
    LOG_LEVEL: 'trace',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string | undefined> = {}): FormsServerConfig {
  return loadConfig(testEnv(overrides));
}

// ---------------------------------------------------------------- the app

/** A clock the test moves; the server reads it through `deps.now`. */
export class Clock {
  constructor(public ms = T0) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

export interface TestServer {
  app: FastifyInstance;
  clock: Clock;
  store: Store;
  config: FormsServerConfig;
  /** Every log line the server wrote (pino JSON). */
  logs: string[];
}

const open: FastifyInstance[] = [];

export async function buildTestServer(
  options: { env?: Record<string, string | undefined>; store?: Store; clock?: Clock; deps?: Partial<FormsServerDeps> } = {},
): Promise<TestServer> {
  const config = testConfig(options.env);
  const clock = options.clock ?? new Clock();
  const store = options.store ?? new MemoryStore();
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      logs.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const app = await buildFormsServer(config, { store, now: clock.now, logger: { stream }, ...options.deps });
  open.push(app);
  return { app, clock, store, config, logs };
}

/** Closes every app built since the last call (call from afterEach). */
export async function closeTestServers(): Promise<void> {
  await Promise.all(open.splice(0).map((app) => app.close()));
}

// ---------------------------------------------------------------- outbound tokens (Auth0's encodeToken)

export interface OutboundOptions {
  sub?: string;
  /** Auth0 sets `iss` to the tenant host, without a scheme. */
  iss?: string;
  continueHost?: string;
  /** An enrolled user's Authy id; null (default) for a user who must enroll. */
  authyId?: string | null;
  email?: string;
  /** Seal the email with this secret (default: the shared one). */
  sealSecret?: string;
  failures?: number;
  maxFailures?: number;
  lockSeconds?: number;
  locale?: string;
  /** Signing secret (default: the shared one). */
  secret?: string;
  /** Epoch ms the token is minted at (default T0). */
  at?: number;
  expiresInSeconds?: number;
  /** Claims added or overridden after the payload (to break the contract on purpose). */
  claims?: JwtClaims;
}

/**
 * What `api.redirect.encodeToken({ secret, expiresInSeconds, payload: outboundPayload(...) })`
 * returns: HS256 with `sub`, `iss` = tenant host, `iat`, `exp`, `ip`, the payload as top-level claims.
 */
export function mintOutbound(options: OutboundOptions = {}): string {
  const iat = Math.floor((options.at ?? T0) / 1000);
  const authyId = options.authyId ?? null;
  const payload = outboundPayload({
    continueHost: options.continueHost ?? TENANT_HOST,
    authyId,
    sealedEmail: authyId ? null : seal(options.email ?? EMAIL, options.sealSecret ?? SECRET),
    failures: options.failures ?? 0,
    maxFailures: options.maxFailures ?? 5,
    lockSeconds: options.lockSeconds ?? 900,
    locale: options.locale ?? '',
  });
  const claims: JwtClaims = {
    ...payload,
    iat,
    sub: options.sub ?? USER,
    iss: options.iss ?? TENANT_HOST,
    exp: iat + (options.expiresInSeconds ?? OUTBOUND_TTL_SECONDS),
    ip: '203.0.113.7',
    ...options.claims,
  };
  return signHs256(claims, options.secret ?? SECRET);
}

/** A token with a hand-made header (e.g. `alg: none`) and an optional signature. */
export function rawJwt(header: Record<string, unknown>, claims: JwtClaims, signature = ''): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.${signature}`;
}

/** The forms server's entry URL as Auth0 redirects to it; `null` leaves a parameter out. */
export function entryUrl(token: string | null | undefined, state: string | null = STATE): string {
  const query = new URLSearchParams();
  if (state !== null) query.set('state', state);
  if (token !== null && token !== undefined) query.set('session_token', token);
  return `/2fa?${query.toString()}`;
}

// ---------------------------------------------------------------- a browser visit

export interface Page {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

function pageOf(response: { statusCode: number; headers: Page['headers']; body: string }): Page {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}

export function setCookieHeaders(page: Page): string[] {
  const value = page.headers['set-cookie'];
  return value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
}

/** A browser on one visit: keeps the flow cookie and the last CSRF token, follows the 303s. */
export class Visit {
  cookie: string | null = null;
  csrf: string | null = null;
  /** The last page shown. */
  page: Page | null = null;

  constructor(readonly app: FastifyInstance) {}

  /** GET /2fa with the token; on success follows to the first page. Returns the last response. */
  async start(token: string | null | undefined, state: string | null = STATE): Promise<Page> {
    const entry = pageOf(await this.app.inject({ method: 'GET', url: entryUrl(token, state) }));
    for (const line of setCookieHeaders(entry)) {
      const match = new RegExp(`^${FLOW_COOKIE}=([^;]*)`).exec(line);
      if (match?.[1]) this.cookie = decodeURIComponent(match[1]);
    }
    if (entry.statusCode !== 303) return (this.page = entry);
    return this.show();
  }

  /** GET /2fa/flow: whatever the visit's state calls for. */
  async show(): Promise<Page> {
    const page = pageOf(await this.app.inject({ method: 'GET', url: '/2fa/flow', headers: this.cookieHeader() }));
    const csrf = csrfOf(page.body);
    if (csrf) this.csrf = csrf;
    return (this.page = page);
  }

  /** POSTs a form (with this visit's cookie and CSRF token unless overridden) and follows a 303. */
  async post(
    path: string,
    fields: Record<string, string> = {},
    options: { csrf?: string | null; cookie?: string | null } = {},
  ): Promise<Page> {
    const raw = await this.postRaw(path, fields, options);
    if (raw.statusCode === 303 && raw.headers.location === '/2fa/flow') return this.show();
    return (this.page = raw);
  }

  async postRaw(
    path: string,
    fields: Record<string, string> = {},
    options: { csrf?: string | null; cookie?: string | null } = {},
  ): Promise<Page> {
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    const form = new URLSearchParams(fields);
    if (csrf !== null) form.set('csrf', csrf);
    const cookie = options.cookie === undefined ? this.cookie : options.cookie;
    return pageOf(
      await this.app.inject({
        method: 'POST',
        url: path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(cookie !== null ? { cookie: `${FLOW_COOKIE}=${cookie}` } : {}),
        },
        payload: form.toString(),
      }),
    );
  }

  private cookieHeader(): Record<string, string> {
    return this.cookie ? { cookie: `${FLOW_COOKIE}=${this.cookie}` } : {};
  }
}

// ---------------------------------------------------------------- reading pages

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function csrfOf(html: string): string | null {
  return /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? null;
}

/** The heading of a page, as text. */
export function headingOf(html: string): string {
  return decodeEntities(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.trim() ?? '');
}

/** The texts of the elements with role="alert". */
export function alertsOf(html: string): string[] {
  return [...html.matchAll(/<p[^>]*role="alert"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => decodeEntities(m[1].trim()));
}

/** The texts of the elements with role="status". */
export function statusesOf(html: string): string[] {
  return [...html.matchAll(/<p[^>]*role="status"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => decodeEntities(m[1].trim()));
}

export interface ContinueForm {
  action: string;
  state: string;
  sessionToken: string;
}

/** The form that POSTs to Auth0's /continue (done and locked pages), or null. */
export function continueFormOf(html: string): ContinueForm | null {
  for (const match of html.matchAll(/<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const action = decodeEntities(match[1]);
    if (!/^https:\/\//.test(action)) continue;
    const inner = match[2];
    const field = (name: string) => {
      const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(inner)?.[1];
      return value === undefined ? null : decodeEntities(value);
    };
    const state = field('state');
    const sessionToken = field('session_token');
    if (state !== null && sessionToken !== null) return { action, state, sessionToken };
  }
  return null;
}

/** Verifies a result token with the shared secret (as the Action does) and reads it. */
export function decodeResult(token: string, nowMs = T0, secret = SECRET): ResultToken {
  return parseResultClaims(verifyHs256(token, secret, { nowSec: Math.floor(nowMs / 1000) }));
}

/** The raw claims of a result token, verified with the shared secret. */
export function resultClaims(token: string, nowMs = T0): JwtClaims {
  return verifyHs256(token, SECRET, { nowSec: Math.floor(nowMs / 1000) });
}

/** Every header the brief asks for on every page (static files may be cached: `cache: 'public'`). */
export function expectSecurityHeaders(page: Page, cache: 'no-store' | 'public' = 'no-store'): void {
  const csp = String(page.headers['content-security-policy'] ?? '');
  expect(csp).not.toBe('');
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self'(;|$)/);
  expect(page.headers['referrer-policy']).toBe('no-referrer');
  if (cache === 'no-store') expect(page.headers['cache-control']).toBe('no-store');
  else expect(page.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
  expect(page.headers['x-content-type-options']).toBe('nosniff');
}

/** No `<script>` without `src` (the CSP would block it anyway) and no inline handlers. */
export function expectNoInlineScript(html: string): void {
  for (const tag of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    expect(tag[1]).toMatch(/\bsrc="\/2fa\/static\/[a-z-]+\.js"/);
    expect(tag[2].trim()).toBe('');
  }
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
  expect(html).not.toMatch(/<style\b/i);
  expect(html).not.toMatch(/\sstyle\s*=/i);
}

/**
 * A refusal page: the status asked for, HTML with a plain-words message announced as an alert,
 * the security headers, no stack trace or error internals, and nothing that goes on to /continue.
 */
export function expectRefusalPage(page: Page, status: number, message?: string | RegExp): void {
  expect(page.statusCode).toBe(status);
  expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
  expectSecurityHeaders(page);
  const alerts = alertsOf(page.body);
  expect(alerts.length).toBeGreaterThan(0);
  if (message !== undefined) expect(alerts.join(' ')).toMatch(message);
  expect(page.body).toMatch(/^<!doctype html>/i);
  expect(page.body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|Error:|stack|FST_|ERR_|statusCode|\{"/);
  expect(page.body).not.toContain('/continue');
  expect(page.body).not.toContain('session_token');
  expect(continueFormOf(page.body)).toBeNull();
}

// ---------------------------------------------------------------- Authy, as documented

export const authyReplies = {
  userCreated: (id: number) => ({ message: 'User created successfully.', user: { id }, success: true }),
  tokenValid: { message: 'Token is valid.', token: 'is valid', success: 'true' },
  tokenInvalid: {
    message: 'Token is invalid',
    token: 'is invalid',
    success: false,
    errors: { message: 'Token is invalid' },
    error_code: '60020',
  },
  tokenReused: {
    message: 'Token is invalid. Token was used recently',
    token: 'is invalid',
    success: false,
    errors: { message: 'Token is invalid. Token was used recently' },
    error_code: '60019',
  },
  badKey: { message: 'Invalid API key', success: false, errors: { message: 'Invalid API key' }, error_code: '60001' },
  rateLimited: { message: 'Too many requests', success: false, errors: { message: 'Too many requests' }, error_code: '60003' },
  invalidPhone: {
    message: 'User was not valid',
    success: false,
    errors: { message: 'User was not valid', cellphone: 'is invalid' },
    error_code: '60027',
  },
  smsSent: { success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX02' },
  callStarted: { success: true, message: 'Call started...', cellphone: '+1-XXX-XXX-XX02' },
  approvalCreated: (uuid: string) => ({ approval_request: { uuid }, success: true }),
  approvalStatus: (status: 'pending' | 'approved' | 'denied' | 'expired', uuid: string, authyId: number) => ({
    approval_request: { status, uuid, _authy_id: authyId, _app_name: 'Example', created_at: '2030-01-01T12:00:00Z' },
    success: true,
  }),
};

/** An Authy interceptor that only matches requests carrying the API key. */
export function authy(): nock.Scope {
  return nock(AUTHY_URL, { reqheaders: { 'x-authy-api-key': AUTHY_KEY } });
}

/** verify/{code}/{id}?force=true; only a request with force=true matches. */
export function authyVerify(code: string, authyId: string = AUTHY_ID): nock.Interceptor {
  return authy().get(`/protected/json/verify/${code}/${authyId}`).query({ force: 'true' });
}

export function authySms(authyId: string = AUTHY_ID): nock.Interceptor {
  return authy().get(`/protected/json/sms/${authyId}`).query({ force: 'true' });
}

export function authyCall(authyId: string = AUTHY_ID): nock.Interceptor {
  return authy().get(`/protected/json/call/${authyId}`).query({ force: 'true' });
}

/** users/{id}/status, once, as Authy answers it: `registered` says whether the user has the Authy app. */
export function authyStatus(authyId: string, registered: boolean): nock.Scope {
  const status = { authy_id: Number(authyId), confirmed: true, registered, account_disabled: false, devices: registered ? ['iphone'] : [] };
  return authy().get(`/protected/json/users/${authyId}/status`).reply(200, { status, message: 'User status.', success: true });
}

/** users/new; `expectBody` checks the form (email, cellphone, numeric country code). */
export function authyRegister(expectBody?: { email: string; cellphone: string; countryCode: string }): nock.Interceptor {
  return authy().post('/protected/json/users/new', (body: Record<string, string>) => {
    if (!expectBody) return true;
    return (
      body['user[email]'] === expectBody.email &&
      body['user[cellphone]'] === expectBody.cellphone &&
      body['user[country_code]'] === expectBody.countryCode
    );
  });
}

/**
 * The lifecycle every forms-server test file shares: no network, and after each test every
 * Authy interceptor was used, nothing reached Authy that no test expected, servers are closed.
 */
export function guardAuthyCalls(): { readonly unmatched: string[] } {
  let unmatched: ReturnType<typeof watchUnmatched> = { list: [], stop: () => undefined };
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => {
    unmatched = watchUnmatched();
  });
  afterEach(async () => {
    unmatched.stop();
    const pending = nock.pendingMocks();
    nock.abortPendingRequests();
    nock.cleanAll();
    await closeTestServers();
    expect(pending).toEqual([]);
    expect(unmatched.list).toEqual([]);
  });
  return {
    get unmatched() {
      return unmatched.list;
    },
  };
}

/** Requests that reached nock but matched no interceptor (wrong path, missing force or key). */
export function watchUnmatched(): { list: string[]; stop: () => void } {
  const list: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; href?: string }) => {
    list.push(`${req.method ?? ''} ${req.href ?? req.path ?? ''}`);
  };
  nock.emitter.on('no match', onNoMatch);
  return { list, stop: () => nock.emitter.removeListener('no match', onNoMatch) };
}

/** The code page's notice texts for the catalogue's English strings with `{left}` filled. */
/** The wrong-code notice; `earlier`: wrong codes of earlier logins count too, and the notice says so. */
export function triesLeftText(left: number, earlier = false): string {
  return `That code is not right. ${left} ${left === 1 ? 'try' : 'tries'} left${earlier ? ', including earlier attempts' : ''}.`;
}

export { FLOW_COOKIE, MemoryStore };
