/**
 * A faithful stand-in for Auth0's post-login Action runtime: load the bundled `code.js`
 * (action-loader), build `event` (post-login-event) and `api` (post-login-api), run one phase
 * and turn what the Action asked for into an outcome the tenant acts on.
 *
 * As in Auth0, a handler that throws, times out (20 s per phase), misuses the API in a way
 * Auth0 rejects, or is missing, ends the login with an error: never with a success.
 */
import type { LoadedAction } from './action-loader';
import { createPostLoginApi, type PostLoginApiContext, type PostLoginResult } from './post-login-api';

export { loadAction, ActionLoadError, type LoadedAction, type PostLoginHandler } from './action-loader';
export {
  createPostLoginApi,
  createActionCache,
  newLoginTransaction,
  PostLoginApiError,
  type ActionCache,
  type LoginTransaction,
  type Phase,
  type PostLoginApiContext,
  type PostLoginResult,
} from './post-login-api';
export {
  buildEvent,
  hostnameOf,
  type BuildEventInput,
  type PostLoginEvent,
  type StoredUser,
  type AuthenticationMethod,
} from './post-login-event';

/** Auth0 gives each execution 20 seconds, separately before and after a redirect. */
export const PHASE_TIMEOUT_MS = 20_000;

/** What the application is told when the Action fails the login (the cause goes to the tenant's log). */
const ACTION_ERROR = 'The login could not be completed because of an error in a login Action.';

/** The OAuth error codes a login can end with, besides success. */
export type LoginErrorCode = 'access_denied' | 'server_error' | 'interaction_required';

export type PhaseOutcome =
  | { kind: 'allow'; result: PostLoginResult }
  | { kind: 'deny'; reason: string; result: PostLoginResult }
  | { kind: 'redirect'; url: string; result: PostLoginResult }
  | { kind: 'error'; error: LoginErrorCode; description: string; cause: string; result: PostLoginResult };

export interface RunPhaseOptions extends PostLoginApiContext {
  timeoutMs?: number;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Action execution took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs `onExecutePostLogin` (phase 'execute') or `onContinuePostLogin` (phase 'continue').
 * The outcome's `result` always carries what the Action asked for; the tenant persists its
 * metadata changes on allow, deny and redirect, not on error.
 */
export async function runPostLoginPhase(action: LoadedAction, options: RunPhaseOptions): Promise<PhaseOutcome> {
  const { api, result } = createPostLoginApi(options);
  const name = options.phase === 'execute' ? 'onExecutePostLogin' : 'onContinuePostLogin';
  const handler = options.phase === 'execute' ? action.onExecutePostLogin : action.onContinuePostLogin;
  const fail = (error: LoginErrorCode, cause: string, description = ACTION_ERROR): PhaseOutcome => ({
    kind: 'error',
    error,
    description,
    cause,
    result,
  });

  if (!handler) return fail('server_error', `The Action does not export ${name}`);
  try {
    await withTimeout(Promise.resolve(handler(options.event, api)), options.timeoutMs ?? PHASE_TIMEOUT_MS);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail('server_error', `${name} threw: ${message}`);
  }

  if (result.fatal) return fail('server_error', result.fatal);
  if (result.denied !== null) return { kind: 'deny', reason: result.denied, result };
  if (result.redirect !== null) {
    // Silent logins and token grants cannot show a page: Auth0 answers interaction_required.
    if (!options.canRedirect) {
      return fail('interaction_required', 'The Action asked for a redirect in a flow that cannot redirect', 'Interaction required');
    }
    return { kind: 'redirect', url: result.redirect, result };
  }
  return { kind: 'allow', result };
}

/** Applies batched metadata changes the way Auth0 merges them: key by key, `null` removes the key. */
export function mergeMetadata(current: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- JSON metadata, not a map: null removes a key, as Auth0 merges
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
