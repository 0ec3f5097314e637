/**
 * Runs the REAL bundled Action (actions/authy-2fa/code.js) in the sandbox's faithful fake of
 * Auth0's post-login runtime: real HS256 tokens, one redirect per login, validateToken
 * checking signature, expiry and the `state` claim.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildEvent,
  createActionCache,
  loadAction,
  mergeMetadata,
  newLoginTransaction,
  runPostLoginPhase,
  type AuthenticationMethod,
  type LoadedAction,
  type LoginTransaction,
  type PhaseOutcome,
  type StoredUser,
} from '../../sandbox/tenant/post-login-runtime';
import { signResultToken, type DeviceRegistration, type ResultOutcome, type ResultRecovery } from '../../lib/token-contract';
import { isActionLogLine } from './action-log';

export const ROOT = join(__dirname, '..', '..');

// The Action writes one audit line per decision (as it does in Auth0's logs): kept here for the
// tests to read (takeActionLines), not printed, so test output stays readable.
const print = console.log;
const actionLines: string[] = [];
beforeAll(() => {
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    if (isActionLogLine(args[0])) {
      actionLines.push(args[0]);
      return;
    }
    print(...args);
  });
});
afterAll(() => jest.restoreAllMocks());

/** The Action's log lines since the last call, as written (one JSON object each). */
export function takeActionLines(): string[] {
  return actionLines.splice(0);
}
export const CODE_PATH = join(ROOT, 'actions', 'authy-2fa', 'code.js');
export const TENANT_HOST = 'localhost:3001';
export const SHARED_SECRET = 'action-test-shared-secret-0123456789abcdef';
export const FORMS_ORIGIN = 'https://2fa.example.com';
export const SECRETS: Record<string, string> = {
  FORMS_URL: `${FORMS_ORIGIN}/2fa`,
  SHARED_SECRET,
  AUTHY_API_KEY: 'action-test-authy-key',
  AUTHY_TIMEOUT_MS: '800',
};

/** Loads code.js, building it first when a test runs without `npm run build`. */
export function loadBundledAction(): LoadedAction {
  if (!existsSync(CODE_PATH)) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-action.mjs')], { stdio: 'ignore' });
  return loadAction(readFileSync(CODE_PATH, 'utf8'), CODE_PATH);
}

export function makeUser(over: Partial<StoredUser> = {}): StoredUser {
  return {
    user_id: 'auth0|ana',
    email: 'ana@example.com',
    email_verified: true,
    name: 'Ana',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    logins_count: 1,
    app_metadata: {},
    user_metadata: {},
    ...over,
  };
}

export interface LoginOptions {
  protocol?: 'oidc-basic-profile' | 'oauth2-refresh-token' | 'oauth2-resource-owner' | 'oauth2-password';
  prompt?: string;
  uiLocales?: string;
  /** The browser's Accept-Language header (the tenant derives `transaction.locale` from it when there is no ui_locales). */
  acceptLanguage?: string;
  sessionMethods?: AuthenticationMethod[];
  secrets?: Record<string, string | undefined>;
  state?: string;
}

/** One login of one user: the execute phase, then (optionally) the continue phase. */
export class Login {
  readonly transaction: LoginTransaction;
  readonly cache = createActionCache();
  constructor(
    readonly action: LoadedAction,
    public user: StoredUser,
    readonly options: LoginOptions = {},
  ) {
    this.transaction = newLoginTransaction(
      'tx-' + Math.random().toString(36).slice(2),
      options.state ?? 'state-' + Math.random().toString(36).slice(2),
    );
  }

  private event(method: string, query: Record<string, unknown>, body: Record<string, unknown>) {
    const secrets = Object.fromEntries(
      Object.entries({ ...SECRETS, ...(this.options.secrets ?? {}) }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    return buildEvent({
      user: this.user,
      client: { client_id: 'demo-client', name: 'Demo' },
      request: {
        ip: '203.0.113.7',
        host: TENANT_HOST,
        method,
        query,
        body,
        ...(this.options.acceptLanguage !== undefined ? { acceptLanguage: this.options.acceptLanguage } : {}),
      },
      transaction: {
        id: this.transaction.id,
        protocol: this.options.protocol ?? 'oidc-basic-profile',
        scope: 'openid profile email',
        ...(this.options.prompt ? { prompt: this.options.prompt } : {}),
        ...(this.options.uiLocales ? { uiLocales: this.options.uiLocales } : {}),
      },
      firstFactor: { name: 'pwd', timestamp: new Date().toISOString() },
      sessionMethods: this.options.sessionMethods ?? [],
      sessionId: 'session-1',
      tenantId: 'test-tenant',
      secrets,
    });
  }

  private apply(outcome: PhaseOutcome): PhaseOutcome {
    if (outcome.kind !== 'error')
      this.user = { ...this.user, app_metadata: mergeMetadata(this.user.app_metadata, outcome.result.appMetadata) };
    return outcome;
  }

  async execute(): Promise<PhaseOutcome> {
    const canRedirect =
      (this.options.protocol ?? 'oidc-basic-profile') === 'oidc-basic-profile' && !(this.options.prompt ?? '').split(' ').includes('none');
    return this.apply(
      await runPostLoginPhase(this.action, {
        phase: 'execute',
        event: this.event('GET', {}, {}),
        transaction: this.transaction,
        tenantHost: TENANT_HOST,
        cache: this.cache,
        canRedirect,
      }),
    );
  }

  /** Resumes at /continue as the browser's POST would: `state` and `session_token` in the body. */
  async continueWith(body: Record<string, unknown>): Promise<PhaseOutcome> {
    return this.apply(
      await runPostLoginPhase(this.action, {
        phase: 'continue',
        event: this.event('POST', { state: this.transaction.state }, body),
        transaction: this.transaction,
        tenantHost: TENANT_HOST,
        cache: this.cache,
        canRedirect: false,
      }),
    );
  }
}

export function redirectQuery(outcome: PhaseOutcome): URLSearchParams {
  if (outcome.kind !== 'redirect')
    throw new Error(`expected a redirect, got ${outcome.kind}${outcome.kind === 'deny' ? `: ${outcome.reason}` : ''}`);
  return new URL(outcome.url).searchParams;
}

export interface ResultOverrides {
  secret?: string;
  sub?: string;
  state?: string;
  aud?: string;
  iss?: string;
  /** iat, epoch seconds. */
  now?: number;
  rememberDevice?: DeviceRegistration | null;
  recovery?: ResultRecovery;
}

/** The result token the forms server would post back for `login` (the sandbox tenant's host is `localhost`), with `over` changed. */
export function resultFor(login: Login, outcome: ResultOutcome, over: ResultOverrides = {}): string {
  return signResultToken(
    outcome,
    {
      formsOrigin: over.iss ?? FORMS_ORIGIN,
      audience: over.aud ?? 'localhost',
      userId: over.sub ?? login.user.user_id,
      state: over.state ?? login.transaction.state,
      secret: over.secret ?? SHARED_SECRET,
      ...(over.now !== undefined ? { nowSec: over.now } : {}),
      ...(over.rememberDevice ? { rememberDevice: over.rememberDevice } : {}),
    },
    over.recovery ?? {},
  );
}
