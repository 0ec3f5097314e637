/**
 * Deploy failures, each with a stable code and a message an admin can act on. Errors from
 * Auth0 (token endpoint, Management API, a0deploy) are turned into these in one place.
 */
import { isRecord } from '../../lib/is-record';
import { networkMessage } from '../admin/network-errors';

export type DeployErrorCode =
  | 'INPUT' // a missing or malformed setting; nothing was sent to Auth0
  | 'BUILD_FAILED' // the Action did not build
  | 'BAD_CREDENTIALS' // 401: wrong client id/secret or an expired/invalid token
  | 'MISSING_SCOPES' // 403: the Machine-to-Machine application lacks Management API scopes
  | 'RATE_LIMITED' // 429: Auth0 rate limit
  | 'WOULD_UNBIND' // the binding list would unbind an Action that is bound today
  | 'NOT_VERIFIED' // the tenant does not show what the deploy should have done
  | 'RULE' // the rule to retire is missing, ambiguous, or it is not safe to disable it yet
  | 'UNREACHABLE' // no answer at all: DNS, refused, reset, TLS, timeout (scripts/admin/network-errors.ts)
  | 'AUTH0'; // any other Auth0 failure

/** Scopes the deploy's Machine-to-Machine application needs on the Management API. */
export const DEPLOY_SCOPES = ['read:actions', 'create:actions', 'update:actions', 'read:triggers', 'update:triggers'] as const;
/** Extra scope for a dry run: a0deploy's preview lists the tenant's applications. */
export const DRY_RUN_SCOPES = ['read:clients'] as const;
/** Extra scopes for retiring the rule-era rule. */
export const RULE_SCOPES = ['read:rules', 'update:rules'] as const;

export class DeployError extends Error {
  constructor(
    readonly code: DeployErrorCode,
    message: string,
    /** Every problem found, for INPUT errors (the message lists them too). */
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

function statusOf(err: unknown): number | undefined {
  if (!isRecord(err)) return undefined;
  for (const key of ['statusCode', 'status']) {
    const value = err[key];
    if (typeof value === 'number') return value;
  }
  const message = typeof err.message === 'string' ? err.message : '';
  // a0deploy rethrows some Management API errors as plain text ("Problem creating actions ... Forbidden: ...").
  if (/Insufficient scope|\bForbidden\b/i.test(message)) return 403;
  if (/\bUnauthorized\b|Invalid token|access_denied/i.test(message)) return 401;
  if (/Too Many Requests|rate limit/i.test(message)) return 429;
  return undefined;
}

/** Auth0's own explanation: the error body's message (v7 SDK) or the error text (a0deploy). */
function messageOf(err: unknown): string {
  if (isRecord(err) && isRecord(err.body)) {
    for (const key of ['message', 'error_description']) {
      const text = err.body[key];
      if (typeof text === 'string') return text;
    }
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Turns an error from Auth0 into a DeployError. `scopes` are the scopes the failing step needs,
 * named in the 403 message so the admin can grant exactly those.
 */
export function explainAuth0Error(err: unknown, domain: string, scopes: readonly string[]): DeployError {
  if (err instanceof DeployError) return err;
  // Before the status heuristics: a network failure has no status, only "fetch failed" and a code.
  const network = networkMessage(err, domain);
  if (network !== null) return new DeployError('UNREACHABLE', network);
  const status = statusOf(err);
  if (status === 401) {
    return new DeployError(
      'BAD_CREDENTIALS',
      `Auth0 refused the credentials for ${domain} (401). Check AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET ` +
        `(or that AUTH0_ACCESS_TOKEN is a current Management API token for this tenant), and that the ` +
        `Machine-to-Machine application is authorized for the Auth0 Management API.`,
    );
  }
  if (status === 403) {
    return new DeployError(
      'MISSING_SCOPES',
      `Auth0 refused the request for lack of permission (403). In the dashboard, Applications > APIs > ` +
        `Auth0 Management API > Machine to Machine Applications, grant the deploy application these scopes: ` +
        `${scopes.join(', ')}. (${messageOf(err).split('\n')[0]})`,
    );
  }
  if (status === 429) {
    return new DeployError(
      'RATE_LIMITED',
      `Auth0 rate-limited the deploy (429). Nothing is half-done that a re-run will not fix: wait a minute ` +
        `and run the same command again (each run applies the whole configuration).`,
    );
  }
  return new DeployError('AUTH0', `Auth0 deploy failed: ${messageOf(err)}`);
}
