/**
 * The subset of Auth0's post-login (v3) `event` and `api` that this Action uses, written by
 * hand from Auth0's docs ("post-login event object", "post-login API object") because the
 * official `@auth0/actions` types are not available on our registry. Everything optional in
 * the docs is optional here, so the code must cope with its absence.
 */

export interface AuthenticationMethod {
  name: string;
  timestamp?: string;
}

export interface PostLoginEvent {
  user: {
    user_id: string;
    email?: string;
    email_verified?: boolean;
    app_metadata?: Record<string, unknown>;
    user_metadata?: Record<string, unknown>;
  };
  client: { client_id: string; name?: string; metadata?: Record<string, string> };
  connection: { id?: string; name: string; strategy?: string };
  request: {
    ip: string;
    hostname?: string;
    method?: string;
    query?: Record<string, unknown>;
    body?: Record<string, unknown>;
    user_agent?: string;
  };
  transaction?: {
    id?: string;
    protocol?: string;
    ui_locales?: string[];
    locale?: string;
    prompt?: string[] | string;
    acr_values?: string[];
  };
  authentication?: { methods?: AuthenticationMethod[] };
  session?: { id?: string };
  tenant?: { id?: string };
  /** Always sent by Auth0; optional here so that the Action copes without it (it denies: misconfigured). */
  secrets?: Record<string, string | undefined>;
}

export interface PostLoginApi {
  access: { deny(reason: string): unknown };
  redirect: {
    sendUserTo(url: string, options?: { query?: Record<string, string> }): unknown;
    encodeToken(options: { secret: string; expiresInSeconds?: number; payload: Record<string, unknown> }): string;
    validateToken(options: { secret: string; tokenParameterName?: string }): Record<string, unknown>;
  };
  user: { setAppMetadata(key: string, value: unknown): unknown };
  authentication: { recordMethod(providerUrl: string): unknown };
  idToken: { setCustomClaim(name: string, value: unknown): unknown };
}
