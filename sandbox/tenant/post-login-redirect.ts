/**
 * `api.redirect` of a post-login Action ("Redirect with Actions"):
 *   - `sendUserTo` appends Auth0's `state`; one redirect per Action per login, and each distinct
 *     URL once per login (a second one throws, and the login then fails even if the Action
 *     catches the error);
 *   - `encodeToken`: HS256, `sub` = user_id, `iss` = tenant host, `iat`, `exp`, `ip`, payload as
 *     top-level claims (the standard claims win over payload keys of the same name);
 *   - `validateToken`: only after a redirect; signature, expiry and the `state` claim.
 */
import { signHs256, verifyHs256, JwtError, type JwtClaims } from '../../lib/jwt-hs256';
import { nowSec } from '../../lib/time';
import { httpUrl, isPlainObject, PostLoginApiError, type PostLoginApiContext, type PostLoginResult } from './post-login-api-base';

const DEFAULT_TOKEN_LIFETIME_SEC = 900;

/** Builds `api.redirect`; `chain()` is the whole `api`, which the chaining methods return. */
export function createRedirectApi(ctx: PostLoginApiContext, result: PostLoginResult, chain: () => unknown) {
  const now = ctx.now ?? Date.now;
  return {
    sendUserTo(url: unknown, options: unknown = {}) {
      sendUserTo(ctx, result, url, options);
      return chain();
    },
    encodeToken: (options: unknown): string => encodeToken(ctx, now, options),
    validateToken: (options: unknown): JwtClaims => validateToken(ctx, now, options),
    canRedirect(): boolean {
      return ctx.canRedirect && ctx.transaction.redirects === 0;
    },
  };
}

function sendUserTo(ctx: PostLoginApiContext, result: PostLoginResult, url: unknown, options: unknown): void {
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
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the Action's values are sent as String() spells them, objects too
    target.searchParams.set(name, String(value));
  }
  target.searchParams.set('state', ctx.transaction.state);
  ctx.transaction.redirects += 1;
  ctx.transaction.redirectedUrls.add(key);
  result.redirect = target.toString();
}

function encodeToken(ctx: PostLoginApiContext, now: () => number, options: unknown): string {
  if (!isPlainObject(options)) throw new PostLoginApiError('invalid_argument', 'encodeToken: options are required');
  const { secret, payload } = options;
  const expiresInSeconds = options.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SEC;
  if (typeof secret !== 'string' || secret === '') throw new PostLoginApiError('invalid_argument', 'encodeToken: secret is required');
  if (!isPlainObject(payload)) throw new PostLoginApiError('invalid_argument', 'encodeToken: payload must be an object');
  if (typeof expiresInSeconds !== 'number' || !Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) {
    throw new PostLoginApiError('invalid_argument', 'encodeToken: expiresInSeconds must be a positive number');
  }
  const iatSec = nowSec(now);
  const claims: JwtClaims = {
    ...(JSON.parse(JSON.stringify(payload)) as JwtClaims),
    iat: iatSec,
    sub: ctx.event.user.user_id,
    iss: ctx.tenantHost,
    exp: iatSec + Math.floor(expiresInSeconds),
    ip: ctx.event.request.ip,
  };
  return signHs256(claims, secret);
}

function validateToken(ctx: PostLoginApiContext, now: () => number, options: unknown): JwtClaims {
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
    claims = verifyHs256(token, options.secret, { nowSec: nowSec(now), clockToleranceSeconds: 0 });
  } catch (error) {
    const reason = error instanceof JwtError ? error.message : 'it could not be verified';
    throw new PostLoginApiError('invalid_session_token', `The session token is invalid: ${reason}.`);
  }
  if (claims.state !== ctx.transaction.state) {
    const reason = 'State in the token does not match the /continue state.';
    throw new PostLoginApiError('invalid_session_token', `The session token is invalid: ${reason}`);
  }
  return claims;
}
