/**
 * The types and checks shared by the parts of the post-login `api` object (post-login-api,
 * post-login-redirect): the phase, the login transaction, what the tenant gives the `api`, what
 * the Action asked for, and the errors Auth0 throws to the Action's code.
 */
import type { ActionCache } from './post-login-cache';
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

/** A result with nothing asked for yet. */
export function emptyPostLoginResult(): PostLoginResult {
  return {
    denied: null,
    redirect: null,
    appMetadata: {},
    userMetadata: {},
    recordedMethods: [],
    idTokenClaims: {},
    accessTokenClaims: {},
    fatal: null,
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function httpUrl(value: unknown, what: string): URL {
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
