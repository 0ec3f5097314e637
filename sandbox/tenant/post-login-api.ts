/**
 * The `api` object of a post-login Action, as Auth0 documents it (post-login API object,
 * "Redirect with Actions"), for one phase of one login. Calls are recorded in a `result` that the
 * tenant applies once the handler has returned: deny, redirect, metadata, methods, claims.
 *
 * Behaviour kept from Auth0 on purpose:
 *   - `api.redirect` (post-login-redirect): one redirect per Action per login, `encodeToken`,
 *     `validateToken` only after a redirect;
 *   - `setAppMetadata`/`setUserMetadata` are batched (null removes a key) and kept after a deny;
 *   - `recordMethod`: only in onContinuePostLogin;
 *   - `api.cache` (post-login-cache): Auth0's per-trigger ephemeral cache.
 */
import { emptyPostLoginResult, httpUrl, PostLoginApiError, type PostLoginApiContext, type PostLoginResult } from './post-login-api-base';
import { createRedirectApi } from './post-login-redirect';

export {
  newLoginTransaction,
  PostLoginApiError,
  type LoginTransaction,
  type Phase,
  type PostLoginApiContext,
  type PostLoginResult,
} from './post-login-api-base';
export { createActionCache, type ActionCache } from './post-login-cache';

type Api = Record<string, unknown>;

function notSupported(name: string): () => never {
  return () => {
    throw new PostLoginApiError('not_supported', `${name} is not supported in the sandbox`);
  };
}

function keyedSetter(target: Record<string, unknown>, name: string, chain: () => Api, undefinedAs: null | undefined) {
  return (key: unknown, value: unknown) => {
    if (typeof key !== 'string' || key === '') throw new PostLoginApiError('invalid_argument', `${name}: key must be a non-empty string`);
    // Stored as JSON, like Auth0: functions cannot be kept (metadata keeps undefined as null, claims as undefined).
    target[key] = value === undefined ? undefinedAs : JSON.parse(JSON.stringify(value));
    return chain();
  };
}

/** Builds the `api` object for one phase of a login and the `result` it fills. */
export function createPostLoginApi(ctx: PostLoginApiContext): { api: Api; result: PostLoginResult } {
  const now = ctx.now ?? Date.now;
  const result = emptyPostLoginResult();
  const chain = () => api;
  const metadataSetter = (target: Record<string, unknown>, name: string) => keyedSetter(target, name, chain, null);
  const claimSetter = (target: Record<string, unknown>, name: string) => keyedSetter(target, name, chain, undefined);

  const api: Api = {
    access: {
      deny(reason: unknown) {
        result.denied = typeof reason === 'string' ? reason : String(reason);
        return api;
      },
    },
    redirect: createRedirectApi(ctx, result, chain),
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
