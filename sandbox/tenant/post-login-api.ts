/**
 * The `api` object of a post-login Action, as Auth0 documents it (post-login API object,
 * "Redirect with Actions"), for one phase of one login. Calls are recorded in a `result` that the
 * tenant applies once the handler has returned: deny, redirect, metadata, methods, claims.
 *
 * Behaviour kept from Auth0 on purpose:
 *   - `sendUserTo` appends Auth0's `state`; one redirect per Action per login, and each distinct
 *     URL once per login (a second one throws, and the login then fails even if the Action
 *     catches the error);
 *   - `encodeToken`: HS256, `sub` = user_id, `iss` = tenant host, `iat`, `exp`, `ip`, payload as
 *     top-level claims (the standard claims win over payload keys of the same name);
 *   - `validateToken`: only after a redirect; signature, expiry and the `state` claim;
 *   - `setAppMetadata`/`setUserMetadata` are batched (null removes a key) and kept after a deny;
 *   - `recordMethod`: only in onContinuePostLogin.
 */
import { signHs256, verifyHs256, JwtError, type JwtClaims } from '../../lib/jwt-hs256';
import type { AuthenticationMethod, PostLoginEvent } from './post-login-event';

export type Phase = 'execute' | 'continue';

/** Error thrown by an `api` method, as Auth0 throws to the Action's code. */
export class PostLoginApiError extends Error {
  constructor(
    readonly code: 'invalid_argument' | 'redirect_limit' | 'invalid_session_token' | 'wrong_phase' | 'not_supported',
    message: string,
  ) {
    super(message);
    this.name = 'PostLoginApiError';
  }
}

/**
 * What the tenant remembers about one login across its phases (/authorize → /continue):
 * the opaque state Auth0 hands to the redirect target, and the redirects already made.
 */
export interface LoginTransaction {
  id: string;
  /** The `state` appended by sendUserTo and expected back at /continue (and in the token's `state` claim). */
  state: string;
  /** URLs (origin + path) already used as redirect targets in this login. */
  redirectedUrls: Set<string>;
  /** Redirects the Action has issued in this login. */
  redirects: number;
}

export function newLoginTransaction(id: string, state: string): LoginTransaction {
  return { id, state, redirectedUrls: new Set(), redirects: 0 };
}

/** `api.cache`: Auth0's per-trigger ephemeral cache (values are strings; default lifetime 15 minutes). */
export interface ActionCache {
  get(key: string): { value: string; expires_at: number } | undefined;
  set(key: string, value: string, options?: { ttl?: number; expires_at?: number }): unknown;
  delete(key: string): unknown;
}

export function createActionCache(now: () => number = Date.now): ActionCache {
  const records = new Map<string, { value: string; expires_at: number }>();
  return {
    get(key) {
      const record = records.get(key);
      if (!record) return undefined;
      if (record.expires_at <= now()) {
        records.delete(key);
        return undefined;
      }
      return { ...record };
    },
    set(key, value, options = {}) {
      if (typeof key !== 'string' || typeof value !== 'string') return { type: 'error', code: 'FailedToSetCacheRecord' };
      const candidates = [now() + 15 * 60_000];
      if (typeof options.ttl === 'number') candidates.push(now() + options.ttl);
      if (typeof options.expires_at === 'number') candidates.push(options.expires_at);
      const expires_at = Math.min(...candidates);
      if (expires_at <= now()) return { type: 'error', code: 'ItemAlreadyExpired' };
      const record = { value, expires_at };
      records.set(key, record);
      return { type: 'success', record: { ...record } };
    },
    delete(key) {
      records.delete(key);
      return { type: 'success' };
    },
  };
}

export interface PostLoginApiContext {
  phase: Phase;
  event: PostLoginEvent;
  transaction: LoginTransaction;
  /** The tenant's host as Auth0 uses it for `iss` (host name and port, no scheme), e.g. `localhost:3001`. */
  tenantHost: string;
  cache: ActionCache;
  /** False for refresh-token and password grants and for prompt=none: `canRedirect()` answers this. */
  canRedirect: boolean;
  /** Clock in milliseconds; tests move it. */
  now?: () => number;
}

/** Everything the Action asked for during one phase. */
export interface PostLoginResult {
  /** Reason given to `access.deny`, or null. */
  denied: string | null;
  /** The full redirect URL (query and `state` appended), or null. */
  redirect: string | null;
  /** Batched app_metadata changes; a null value removes the key. */
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
  recordedMethods: AuthenticationMethod[];
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  /** A misuse that makes Auth0 fail the login whatever the handler does next (e.g. a second redirect). */
  fatal: string | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function httpUrl(value: unknown, what: string): URL {
  if (typeof value !== 'string') throw new PostLoginApiError('invalid_argument', `${what} must be a string URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PostLoginApiError('invalid_argument', `${what} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PostLoginApiError('invalid_argument', `${what} must be an http: or https: URL`);
  }
  return url;
}

function notSupported(name: string): () => never {
  return () => {
    throw new PostLoginApiError('not_supported', `${name} is not supported in the sandbox`);
  };
}

/** Builds the `api` object for one phase of a login and the `result` it fills. */
export function createPostLoginApi(ctx: PostLoginApiContext): { api: Record<string, unknown>; result: PostLoginResult } {
  const now = ctx.now ?? Date.now;
  const result: PostLoginResult = {
    denied: null,
    redirect: null,
    appMetadata: {},
    userMetadata: {},
    recordedMethods: [],
    idTokenClaims: {},
    accessTokenClaims: {},
    fatal: null,
  };

  const metadataSetter = (target: Record<string, unknown>, name: string) => (key: unknown, value: unknown) => {
    if (typeof key !== 'string' || key === '') throw new PostLoginApiError('invalid_argument', `${name}: key must be a non-empty string`);
    // Stored as JSON, like Auth0: functions and undefined cannot be kept.
    target[key] = value === undefined ? null : JSON.parse(JSON.stringify(value));
    return api;
  };

  const claimSetter = (target: Record<string, unknown>, name: string) => (key: unknown, value: unknown) => {
    if (typeof key !== 'string' || key === '') throw new PostLoginApiError('invalid_argument', `${name}: key must be a non-empty string`);
    target[key] = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
    return api;
  };

  const api: Record<string, unknown> = {
    access: {
      deny(reason: unknown) {
        result.denied = typeof reason === 'string' ? reason : String(reason);
        return api;
      },
    },

    redirect: {
      sendUserTo(url: unknown, options: unknown = {}) {
        const target = httpUrl(url, 'sendUserTo: url');
        const key = `${target.origin}${target.pathname}`;
        if (ctx.transaction.redirects > 0 || ctx.transaction.redirectedUrls.has(key)) {
          // Auth0 allows one redirect per Action per login, and each URL once: the login fails.
          result.fatal = 'The Action tried to redirect more than once in the same login.';
          throw new PostLoginApiError('redirect_limit', 'Only one redirect per Action and login is allowed');
        }
        const query = isPlainObject(options) && isPlainObject(options.query) ? options.query : {};
        for (const [name, value] of Object.entries(query)) {
          if (value === undefined || value === null) continue;
          target.searchParams.set(name, String(value));
        }
        target.searchParams.set('state', ctx.transaction.state);
        ctx.transaction.redirects += 1;
        ctx.transaction.redirectedUrls.add(key);
        result.redirect = target.toString();
        return api;
      },

      encodeToken(options: unknown): string {
        if (!isPlainObject(options)) throw new PostLoginApiError('invalid_argument', 'encodeToken: options are required');
        const { secret, payload } = options;
        const expiresInSeconds = options.expiresInSeconds ?? 900;
        if (typeof secret !== 'string' || secret === '') throw new PostLoginApiError('invalid_argument', 'encodeToken: secret is required');
        if (!isPlainObject(payload)) throw new PostLoginApiError('invalid_argument', 'encodeToken: payload must be an object');
        if (typeof expiresInSeconds !== 'number' || !Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) {
          throw new PostLoginApiError('invalid_argument', 'encodeToken: expiresInSeconds must be a positive number');
        }
        const iat = Math.floor(now() / 1000);
        const claims: JwtClaims = {
          ...(JSON.parse(JSON.stringify(payload)) as JwtClaims),
          iat,
          sub: ctx.event.user.user_id,
          iss: ctx.tenantHost,
          exp: iat + Math.floor(expiresInSeconds),
          ip: ctx.event.request.ip,
        };
        return signHs256(claims, secret);
      },

      validateToken(options: unknown): JwtClaims {
        if (ctx.phase !== 'continue') {
          throw new PostLoginApiError('wrong_phase', 'validateToken can only be used in onContinuePostLogin');
        }
        if (!isPlainObject(options) || typeof options.secret !== 'string' || options.secret === '') {
          throw new PostLoginApiError('invalid_argument', 'validateToken: secret is required');
        }
        const name = typeof options.tokenParameterName === 'string' ? options.tokenParameterName : 'session_token';
        const { body, query } = ctx.event.request;
        const token = body[name] ?? query[name];
        if (typeof token !== 'string' || token === '') {
          throw new PostLoginApiError('invalid_session_token', `The session token is invalid: no ${name} parameter was sent to /continue.`);
        }
        let claims: JwtClaims;
        try {
          claims = verifyHs256(token, options.secret, { now: Math.floor(now() / 1000), clockToleranceSeconds: 0 });
        } catch (error) {
          const reason = error instanceof JwtError ? error.message : 'it could not be verified';
          throw new PostLoginApiError('invalid_session_token', `The session token is invalid: ${reason}.`);
        }
        if (claims.state !== ctx.transaction.state) {
          throw new PostLoginApiError('invalid_session_token', 'The session token is invalid: State in the token does not match the /continue state.');
        }
        return claims;
      },

      canRedirect(): boolean {
        return ctx.canRedirect && ctx.transaction.redirects === 0;
      },
    },

    user: {
      setAppMetadata: metadataSetter(result.appMetadata, 'setAppMetadata'),
      setUserMetadata: metadataSetter(result.userMetadata, 'setUserMetadata'),
    },

    authentication: {
      recordMethod(providerUrl: unknown) {
        if (ctx.phase !== 'continue') {
          throw new PostLoginApiError('wrong_phase', 'recordMethod can only be used in onContinuePostLogin');
        }
        httpUrl(providerUrl, 'recordMethod: provider_url');
        result.recordedMethods.push({ name: providerUrl as string, timestamp: new Date(now()).toISOString() });
        return api;
      },
      challengeWith: notSupported('api.authentication.challengeWith'),
      challengeWithAny: notSupported('api.authentication.challengeWithAny'),
      enrollWith: notSupported('api.authentication.enrollWith'),
      enrollWithAny: notSupported('api.authentication.enrollWithAny'),
      setPrimaryUser: notSupported('api.authentication.setPrimaryUser'),
    },

    idToken: { setCustomClaim: claimSetter(result.idTokenClaims, 'idToken.setCustomClaim') },
    accessToken: {
      setCustomClaim: claimSetter(result.accessTokenClaims, 'accessToken.setCustomClaim'),
      addScope: notSupported('api.accessToken.addScope'),
      removeScope: notSupported('api.accessToken.removeScope'),
    },
    multifactor: { enable: notSupported('api.multifactor.enable') },
    prompt: { render: notSupported('api.prompt.render') },
    cache: ctx.cache,
  };

  return { api, result };
}
