/**
 * The demo application's calls to the tenant over the back channel: the token endpoint, and the
 * ID token's verification against the tenant's JWKS (RS256, issuer, audience, expiry, nonce).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendHtml } from '../shared/page-headers';
import { verifyRs256 } from '../shared/rs256';
import { errorPage } from './pages';

/** The tenant answered something the app cannot use; the message is safe to show. */
export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

export interface TenantApi {
  /** POSTs a grant to /oauth/token with the app's credentials; a refusal throws SignInError. */
  tokenRequest(form: Record<string, string>): Promise<Record<string, unknown>>;
  /** The verified claims of an ID token; a refusal throws SignInError. */
  verifiedClaims(idToken: unknown, nonce?: string): Promise<Record<string, unknown>>;
}

export interface TenantApiOptions {
  /** Origin this server uses to reach the tenant. */
  backchannel: string;
  /** The ID tokens' expected `iss`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export function createTenantApi(options: TenantApiOptions): TenantApi {
  const { backchannel, issuer, clientId, clientSecret } = options;
  return {
    async tokenRequest(form) {
      const res = await fetch(`${backchannel}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...form }).toString(),
        signal: AbortSignal.timeout(25_000),
      });
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (!res.ok) {
        const code = typeof body.error === 'string' ? body.error : 'token_error';
        const description = typeof body.error_description === 'string' ? body.error_description : `The tenant answered HTTP ${res.status}.`;
        throw new SignInError(code, description);
      }
      return body;
    },

    async verifiedClaims(idToken, nonce) {
      if (typeof idToken !== 'string') throw new SignInError('invalid_token', 'The tenant did not return an ID token.');
      const res = await fetch(`${backchannel}/.well-known/jwks.json`, { signal: AbortSignal.timeout(5000) });
      const jwks = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(jwks.keys)) throw new SignInError('invalid_token', 'The tenant JWKS is unreadable.');
      try {
        return verifyRs256(idToken, { keys: jwks.keys }, { issuer, audience: clientId, ...(nonce !== undefined ? { nonce } : {}) });
      } catch (error) {
        throw new SignInError('invalid_token', `The ID token was refused: ${(error as Error).message}.`);
      }
    },
  };
}

/** The page for a failed sign-in or refresh: the tenant's reason, or "could not be reached" (logged). */
export function sendSignInFailure(request: FastifyRequest, reply: FastifyReply, error: unknown, logMessage: string) {
  if (error instanceof SignInError) {
    return sendHtml(reply, error.code === 'access_denied' ? 403 : 502, errorPage(error.code, error.message));
  }
  request.log.error({ err: error }, logMessage);
  return sendHtml(reply, 502, errorPage('server_error', 'The tenant could not be reached.'));
}
