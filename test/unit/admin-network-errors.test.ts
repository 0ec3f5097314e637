/**
 * Network failures in plain words (scripts/admin/network-errors.ts), from the error shapes the
 * tools really meet: Node's fetch (undici: TypeError "fetch failed" with a coded cause), the
 * auth0 v7 SDK's ManagementError / ManagementTimeoutError, auth0-deploy-cli's own auth0 v6
 * FetchError, a0deploy's errors flattened to text, and nock's replyWithError objects.
 */
import { ManagementError, ManagementTimeoutError } from 'auth0';
import { FetchError as DeployCliFetchError } from 'auth0-deploy-cli/node_modules/auth0';
import {
  explainNetworkError,
  formatNetworkProblem,
  hostOf,
  isPermanentNetworkFailure,
  lastNetworkMessage,
  networkMessage,
  recordingFetch,
} from '../../scripts/admin/network-errors';

const HOST = 'acme.eu.auth0.com';

/** What Node's fetch throws: TypeError "fetch failed" whose cause is the socket or DNS error. */
function undiciError(code: string, extra: Record<string, unknown> = {}): TypeError {
  const cause = Object.assign(new Error(`${code} while connecting`), { code, ...extra });
  return new TypeError('fetch failed', { cause });
}

describe('explainNetworkError', () => {
  it('DNS: ENOTFOUND, in plain words with a hint, naming the host the caller gives (else the one the error names)', () => {
    const error = undiciError('ENOTFOUND', { hostname: 'acme.eu.auth0.co', syscall: 'getaddrinfo' });
    expect(explainNetworkError(error, HOST)).toMatchObject({ kind: 'dns', host: HOST, code: 'ENOTFOUND' });
    const message = networkMessage(error);
    expect(message).toMatch(/^cannot reach acme\.eu\.auth0\.co: the name does not resolve \(DNS\)\. Check the host name for typos/);
    expect(message).toContain('AUTH0_DOMAIN');
    expect(networkMessage(error, HOST)).toMatch(/^cannot reach acme\.eu\.auth0\.com: /);
  });

  it.each([
    ['EAI_AGAIN', 'dns-temporary', 'the name could not be looked up just now (DNS)'],
    ['ECONNREFUSED', 'refused', 'the connection was refused'],
    ['ECONNRESET', 'reset', 'the connection was closed before an answer (reset)'],
    ['UND_ERR_SOCKET', 'reset', 'the connection was closed before an answer (reset)'],
    ['EHOSTUNREACH', 'unreachable', 'the network or host is unreachable'],
    ['ENETUNREACH', 'unreachable', 'the network or host is unreachable'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout', 'no answer in time (timeout)'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout', 'no answer in time (timeout)'],
    ['ETIMEDOUT', 'timeout', 'no answer in time (timeout)'],
    ['ERR_TLS_HANDSHAKE_TIMEOUT', 'timeout', 'no answer in time (timeout)'],
  ])('%s is %s', (code, kind, reason) => {
    const problem = explainNetworkError(undiciError(code), HOST);
    expect(problem).toMatchObject({ kind, reason, host: HOST, code });
    expect(problem?.hint.length).toBeGreaterThan(20);
  });

  it.each([
    ['CERT_HAS_EXPIRED', 'its TLS certificate has expired (CERT_HAS_EXPIRED)'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'its TLS certificate could not be verified (no trusted issuer) (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'its TLS certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'its TLS certificate chain holds a self-signed certificate (SELF_SIGNED_CERT_IN_CHAIN)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'its TLS certificate is for another host name (ERR_TLS_CERT_ALTNAME_INVALID)'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'its TLS certificate was refused (ERR_SSL_WRONG_VERSION_NUMBER)'],
  ])('TLS: %s', (code, reason) => {
    const problem = explainNetworkError(undiciError(code), HOST);
    expect(problem).toMatchObject({ kind: 'tls', reason });
    expect(problem?.hint).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('timeouts without a code: AbortSignal.timeout, abort(), and the auth0 SDK timeouts', () => {
    expect(explainNetworkError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))?.kind).toBe('timeout');
    expect(explainNetworkError(new DOMException('This operation was aborted', 'AbortError'))?.kind).toBe('timeout');
    const sdkTimeout = new ManagementTimeoutError('Timeout exceeded when calling GET /users/x.', {
      cause: new DOMException('x', 'AbortError'),
    });
    expect(explainNetworkError(sdkTimeout, HOST)?.kind).toBe('timeout');
    // The SDK's token request makes up a 408 when it times out.
    const tokenTimeout = new ManagementError({ message: 'ManagementClient: token request timed out', statusCode: 408 });
    expect(explainNetworkError(tokenTimeout, HOST)?.kind).toBe('timeout');
  });

  it('the auth0 v7 SDK: ManagementError "fetch failed" with the fetch error as cause', () => {
    const fetchError = undiciError('ECONNREFUSED');
    const sdk = new ManagementError({ message: fetchError.message, cause: fetchError });
    expect(sdk.message).toBe('fetch failed');
    expect(networkMessage(sdk, HOST)).toMatch(/^cannot reach acme\.eu\.auth0\.com: the connection was refused\. /);
  });

  it("auth0-deploy-cli's auth0 v6 FetchError, and a0deploy's rethrow as text", () => {
    const v6 = new DeployCliFetchError(
      undiciError('ENOTFOUND'),
      'The request failed and the interceptors did not return an alternative response',
    );
    expect(explainNetworkError(v6, HOST)).toMatchObject({ kind: 'dns', host: HOST });
    // a0deploy: throw new Error(`Problem creating actions ...\n${err}`): only the text is left.
    const flattened = new Error(`Problem creating actions {"name":"authy-2fa"}\n${String(v6)}`);
    expect(explainNetworkError(flattened, HOST)).toMatchObject({ kind: 'network', host: HOST });
    expect(explainNetworkError(new Error('request to https://x/ failed, reason: getaddrinfo ENOTFOUND x'), HOST)?.kind).toBe('dns');
    expect(explainNetworkError(new Error('socket hang up'), HOST)?.kind).toBe('reset');
  });

  it('nock replyWithError objects (no Error instance, no "fetch failed")', () => {
    expect(explainNetworkError({ code: 'ENOTFOUND' }, HOST)?.kind).toBe('dns');
    expect(explainNetworkError({ code: 'CERT_HAS_EXPIRED' }, HOST)?.kind).toBe('tls');
  });

  it("Node's happy-eyeballs AggregateError: every address refused", () => {
    const aggregate = new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' })], '');
    expect(explainNetworkError(new TypeError('fetch failed', { cause: aggregate }), HOST)?.kind).toBe('refused');
  });

  it('is null for anything that is not a network failure: an HTTP answer, a plain error, not an error', () => {
    const answered = new ManagementError({ message: 'Unauthorized', statusCode: 401, body: { message: 'Invalid token' } });
    expect(explainNetworkError(answered, HOST)).toBeNull();
    expect(explainNetworkError(new ManagementError({ statusCode: 503, body: 'fetch failed upstream' }), HOST)).toBeNull();
    expect(explainNetworkError(new Error('Unexpected token < in JSON'), HOST)).toBeNull();
    expect(explainNetworkError(new TypeError("Cannot read properties of undefined (reading 'id')"), HOST)).toBeNull();
    for (const value of [null, undefined, 'ENOTFOUND', 42]) expect(explainNetworkError(value, HOST)).toBeNull();
  });

  it('never repeats the error text itself (a URL with a token, a secret in a message)', () => {
    const leaky = undiciError('ECONNRESET', { message: 'reset at https://acme.eu.auth0.com/oauth/token?client_secret=s3cr3t' });
    const message = networkMessage(leaky, HOST) ?? '';
    expect(message).toContain('cannot reach acme.eu.auth0.com');
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('/oauth/token');
    expect(message).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  });

  it('a cause that points back at itself does not loop', () => {
    const loop: Error & { cause?: unknown } = new Error('fetch failed');
    loop.cause = loop;
    expect(explainNetworkError(loop, HOST)?.kind).toBe('network');
  });
});

describe('formatNetworkProblem, hostOf, isPermanentNetworkFailure', () => {
  it('says "the server" when no host is known', () => {
    const problem = explainNetworkError({ code: 'ECONNREFUSED' });
    expect(problem).not.toBeNull();
    expect(formatNetworkProblem(problem!)).toMatch(/^cannot reach the server: the connection was refused\. /);
  });

  it('takes only the host of a URL, never its path or query', () => {
    expect(hostOf('https://exports.example.test/abc/def.json.gz?X-Amz-Signature=secret')).toBe('exports.example.test');
    expect(hostOf('not a url')).toBeUndefined();
  });

  it('a name that does not exist and a refused certificate are permanent (no retry); refused, reset and timeouts are not', () => {
    expect(isPermanentNetworkFailure(undiciError('ENOTFOUND'))).toBe(true);
    expect(isPermanentNetworkFailure(undiciError('CERT_HAS_EXPIRED'))).toBe(true);
    for (const code of ['EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT']) {
      expect(isPermanentNetworkFailure(undiciError(code))).toBe(false);
    }
    expect(isPermanentNetworkFailure(new Error('x'))).toBe(false);
  });
});

describe('recordingFetch', () => {
  it('passes answers through, and remembers the last failure with its host (for clients that keep only their own code)', async () => {
    const failing = recordingFetch(() => Promise.reject(undiciError('ECONNREFUSED')));
    expect(lastNetworkMessage(failing)).toBeNull();
    await expect(failing.fetch('https://api.authy.com/protected/json/users/1/remove?x=1', { method: 'POST' })).rejects.toThrow(
      'fetch failed',
    );
    expect(failing.lastFailure()?.host).toBe('api.authy.com');
    expect(lastNetworkMessage(failing)).toMatch(/^cannot reach api\.authy\.com: the connection was refused\. /);
    const answering = recordingFetch(() => Promise.resolve(new Response('{}', { status: 200 })));
    expect((await answering.fetch('https://api.authy.com/')).status).toBe(200);
    expect(answering.lastFailure()).toBeNull();
  });
});
