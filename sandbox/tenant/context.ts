/**
 * The stand-in tenant's options, and the context every route module receives from the factory
 * (app.ts): the tenant's identity, its users, signing key, clients, the bound Action, and the
 * in-memory records of logins in progress.
 */
import type { FastifyServerOptions } from 'fastify';
import { loadOrCreateSigningKey, type SigningKey } from '../shared/rs256';
import { createActionCache, loadAction, type ActionCache, type LoadedAction } from './post-login-runtime';
import type { AwaitingContinue, IssuedCode, PendingLogin, RefreshGrant, TenantSession } from './records';
import { createUserStore, type SeedUser, type UserStore } from './user-store';
import type { WayBack } from './way-back';

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

export interface TenantContext {
  /** The tenant's origin, e.g. http://localhost:3001. */
  publicUrl: string;
  /** The tenant host as Auth0 uses it (host and port, no scheme), e.g. localhost:3001. */
  tenantHost: string;
  /** The tokens' `iss`: the origin with a trailing slash. */
  issuer: string;
  tenantId: string;
  users: UserStore;
  signingKey: SigningKey;
  clients: Map<string, TenantClient>;
  /** The bound Action, or null: logins then pass without one. */
  action: LoadedAction | null;
  actionCache: ActionCache;
  actionSecrets: Record<string, string>;
  actionTimeoutMs?: number;
  /** Browser sessions by id (the tenant session cookie). */
  sessions: Map<string, TenantSession>;
  /** Login pages by transaction id. */
  pendingLogins: Map<string, PendingLogin>;
  /** Logins waiting for /continue, by state. */
  awaiting: Map<string, AwaitingContinue>;
  codes: Map<string, IssuedCode>;
  refreshTokens: Map<string, RefreshGrant>;
  /** Logins that finished, by state or login page id: where their error pages link back to. */
  finished: Map<string, { way: WayBack; expiresAtMs: number }>;
}

/** Reads the users, loads (or creates) the signing key and loads the Action. */
export function createTenantContext(options: TenantOptions): TenantContext {
  const publicUrl = new URL(options.publicUrl).origin;
  const users = createUserStore(options.seedUsers, options.dataFile);
  const signingKey = loadOrCreateSigningKey(options.keyFile);
  const action = options.action ? loadAction(options.action.code, options.action.filename) : null;
  return {
    publicUrl,
    tenantHost: new URL(publicUrl).host,
    issuer: `${publicUrl}/`,
    tenantId: options.tenantId ?? 'sandbox',
    users,
    signingKey,
    clients: new Map(options.clients.map((c) => [c.client_id, c])),
    action,
    actionCache: createActionCache(),
    actionSecrets: options.actionSecrets,
    ...(options.actionTimeoutMs !== undefined ? { actionTimeoutMs: options.actionTimeoutMs } : {}),
    sessions: new Map(),
    pendingLogins: new Map(),
    awaiting: new Map(),
    codes: new Map(),
    refreshTokens: new Map(),
    finished: new Map(),
  };
}
