/**
 * What the stand-in tenant keeps in memory between requests: browser sessions, login pages
 * waiting for a password, logins waiting for /continue, authorization codes, refresh tokens.
 * Times are epoch milliseconds (`expiresAtMs`) or, where they become token claims, epoch
 * seconds (`authTimeSec`).
 */
import type { AuthenticationMethod, LoginTransaction } from './post-login-runtime';
import type { FlatQuery } from '../shared/page-headers';
import type { TenantClient } from './context';

/** How long a login page, and a login waiting for /continue, stay usable. */
export const LOGIN_TTL_MS = 30 * 60_000;
/** How long an authorization code can be exchanged. */
export const CODE_TTL_MS = 60_000;

/** A checked /authorize request: the client is known and the redirect_uri is registered for it. */
export interface AuthorizeRequest {
  client: TenantClient;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  prompt?: string;
  uiLocales?: string;
  query: FlatQuery;
}

export interface TenantSession {
  id: string;
  userId: string;
  authTimeSec: number;
  /** First factor, then methods recorded by the Action in this session. */
  methods: AuthenticationMethod[];
}

/** A login page shown, waiting for the password (keyed by the page's transaction id). */
export interface PendingLogin {
  authz: AuthorizeRequest;
  expiresAtMs: number;
}

/** A login the Action redirected, waiting for /continue (keyed by the transaction's state). */
export interface AwaitingContinue {
  authz: AuthorizeRequest;
  transaction: LoginTransaction;
  userId: string;
  sessionId: string;
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
  expiresAtMs: number;
}

/** Claims the Action set for the tokens of one login. */
export interface ActionClaims {
  idTokenClaims: Record<string, unknown>;
  accessTokenClaims: Record<string, unknown>;
}

export interface IssuedCode extends ActionClaims {
  clientId: string;
  redirectUri: string;
  userId: string;
  sessionId: string;
  scope: string;
  nonce?: string;
  authTimeSec: number;
  expiresAtMs: number;
}

export interface RefreshGrant {
  clientId: string;
  userId: string;
  sessionId: string | null;
  scope: string;
  authTimeSec: number;
  methods: AuthenticationMethod[];
}
