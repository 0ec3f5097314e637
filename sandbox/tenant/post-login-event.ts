/**
 * The `event` object of a post-login Action, shaped as Auth0 documents it (post-login event
 * object; types of auth0/auth0-actions post-login v3). Only the parts an Action can read in the
 * sandbox are filled; everything is a fresh copy, so an Action that mutates `event` cannot
 * touch the tenant's own records.
 */
import { transactionLocale } from './languages';

/** One completed authentication method, as in `event.authentication.methods`. */
export interface AuthenticationMethod {
  name: string;
  timestamp: string;
}

/** The protocols the stand-in tenant can run the Action for. */
export type TransactionProtocol = 'oidc-basic-profile' | 'oauth2-refresh-token' | 'oauth2-resource-owner' | 'oauth2-password';

export interface EventUser {
  user_id: string;
  email: string;
  email_verified: boolean;
  name: string;
  nickname: string;
  picture?: string;
  created_at: string;
  updated_at: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  identities: Array<{ connection: string; provider: string; user_id: string; isSocial: boolean }>;
}

export interface EventRequest {
  ip: string;
  /** The tenant's host name, without port (as Auth0 documents `hostname`). */
  hostname: string;
  method: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  user_agent?: string;
  language?: string;
  geoip: Record<string, unknown>;
}

export interface EventTransaction {
  id: string;
  protocol: TransactionProtocol;
  requested_scopes: string[];
  redirect_uri?: string;
  /** Auth0 documents this as a list (`prompt=none login` → ['none', 'login']). */
  prompt?: string[];
  ui_locales: string[];
  locale: string;
  response_type?: string[];
  state?: string;
  metadata: Record<string, string | number | boolean>;
}

export interface PostLoginEvent {
  user: EventUser;
  client: { client_id: string; name: string; metadata: Record<string, string> };
  connection: { id: string; name: string; strategy: string; metadata?: Record<string, string> };
  request: EventRequest;
  transaction: EventTransaction;
  authentication: { methods: AuthenticationMethod[] };
  authorization: { roles: string[] };
  session?: { id: string };
  stats: { logins_count: number };
  tenant: { id: string };
  secrets: Record<string, string>;
  configuration: Record<string, never>;
}

/** A user as the tenant stores it. */
export interface StoredUser {
  user_id: string;
  email: string;
  email_verified: boolean;
  name: string;
  created_at: string;
  updated_at: string;
  logins_count: number;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
}

export interface BuildEventInput {
  user: StoredUser;
  client: { client_id: string; name: string; metadata?: Record<string, string> };
  connection?: { id: string; name: string; strategy: string };
  request: {
    ip: string;
    /** Host header value, port allowed: the port is dropped, as in Auth0's `request.hostname`. */
    host: string;
    method: string;
    query?: Record<string, unknown>;
    body?: Record<string, unknown>;
    userAgent?: string;
    language?: string;
    /** The browser's Accept-Language header, matched against the tenant's languages for `transaction.locale`. */
    acceptLanguage?: string;
  };
  transaction: {
    id: string;
    protocol: TransactionProtocol;
    scope?: string;
    redirectUri?: string;
    /** The raw `prompt` parameter (space separated), if any. */
    prompt?: string;
    /** The raw `ui_locales` parameter (space separated), if any. */
    uiLocales?: string;
    state?: string;
  };
  /** Methods completed earlier in this session (e.g. recorded by a previous login's Action). */
  sessionMethods?: AuthenticationMethod[];
  /** The first factor of this login; `pwd` for the sandbox's database connection. */
  firstFactor?: AuthenticationMethod;
  sessionId?: string;
  tenantId: string;
  secrets: Record<string, string>;
}

export const DEFAULT_CONNECTION = { id: 'con_sandbox0000000001', name: 'Username-Password-Authentication', strategy: 'auth0' } as const;

function words(value: string | undefined): string[] {
  return (value ?? '')
    .split(' ')
    .map((w) => w.trim())
    .filter((w) => w !== '');
}

/** Drops the port from a Host header value (`localhost:3001` → `localhost`, `[::1]:80` → `[::1]`). */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Builds a post-login `event` as Auth0 documents it. */
export function buildEvent(input: BuildEventInput): PostLoginEvent {
  const { user, request, transaction } = input;
  const uiLocales = words(transaction.uiLocales);
  const prompt = words(transaction.prompt);
  const query = structuredClone(request.query ?? {});
  // Auth0 passes the authorize parameters through in request.query: keep prompt visible there too.
  if (transaction.prompt !== undefined && query.prompt === undefined) query.prompt = transaction.prompt;
  const methods: AuthenticationMethod[] = [];
  if (input.firstFactor) methods.push({ ...input.firstFactor });
  for (const m of input.sessionMethods ?? []) methods.push({ ...m });

  const event: PostLoginEvent = {
    user: {
      user_id: user.user_id,
      email: user.email,
      email_verified: user.email_verified,
      name: user.name,
      nickname: user.email.split('@')[0] ?? user.name,
      created_at: user.created_at,
      updated_at: user.updated_at,
      app_metadata: structuredClone(user.app_metadata),
      user_metadata: structuredClone(user.user_metadata),
      identities: [
        {
          connection: (input.connection ?? DEFAULT_CONNECTION).name,
          provider: 'auth0',
          user_id: user.user_id.replace(/^auth0\|/, ''),
          isSocial: false,
        },
      ],
    },
    client: { client_id: input.client.client_id, name: input.client.name, metadata: { ...(input.client.metadata ?? {}) } },
    connection: { ...(input.connection ?? DEFAULT_CONNECTION) },
    request: {
      ip: request.ip,
      hostname: hostnameOf(request.host),
      method: request.method,
      query,
      body: structuredClone(request.body ?? {}),
      geoip: { countryCode: 'ZZ', countryName: 'Sandbox', continentCode: 'ZZ', timeZone: 'UTC' },
      ...(request.userAgent !== undefined ? { user_agent: request.userAgent } : {}),
      ...(request.language !== undefined ? { language: request.language } : {}),
    },
    transaction: {
      id: transaction.id,
      protocol: transaction.protocol,
      requested_scopes: words(transaction.scope),
      ui_locales: uiLocales,
      locale: transactionLocale(uiLocales, request.acceptLanguage),
      metadata: {},
      ...(transaction.redirectUri !== undefined ? { redirect_uri: transaction.redirectUri } : {}),
      ...(prompt.length > 0 ? { prompt } : {}),
      ...(transaction.state !== undefined ? { state: transaction.state } : {}),
      ...(transaction.protocol === 'oidc-basic-profile' ? { response_type: ['code'] } : {}),
    },
    authentication: { methods },
    authorization: { roles: [] },
    stats: { logins_count: user.logins_count },
    tenant: { id: input.tenantId },
    secrets: { ...input.secrets },
    configuration: {},
    ...(input.sessionId !== undefined ? { session: { id: input.sessionId } } : {}),
  };
  return event;
}
