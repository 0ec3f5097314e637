/**
 * The per-IP rate limit behind proxies. Without TRUST_PROXY, X-Forwarded-For is only a header:
 * a client cannot pick its own rate-limit key by changing it. With TRUST_PROXY naming the proxy
 * (inject's remote address is 127.0.0.1), the address that proxy forwarded is the key, and
 * addresses a client writes in front of it change nothing. TRUST_PROXY=true and hop counts are
 * refused at start with a message that says what to write instead.
 */
import { ConfigError, loadConfig } from '../../forms-server/config';
import { expectRefusalPage, testEnv, type Page, type TestServer } from '../helpers/forms';
import { buildSecurityServer, expectQuietLogs, pageOf, securityLifecycle } from '../helpers/security-kit';

securityLifecycle();

const LIMIT = 5;
const SESSION_ENDED = /^Your two-step verification session has ended/;
const RATE_LIMITED = /^Too many requests\. Wait a minute and try again\.$/;

/** A page every client may ask for; without a visit it is a 400 page, but it costs a request. */
async function hit(server: TestServer, forwardedFor?: string): Promise<Page> {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return pageOf(await server.app.inject({ method: 'GET', url: '/2fa/flow', headers }));
}

describe('TRUST_PROXY unset', () => {
  test('X-Forwarded-For is ignored: a new address in it every time still hits the limit of the real client', async () => {
    const server = await buildSecurityServer({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    for (let n = 0; n < LIMIT; n += 1) expectRefusalPage(await hit(server, `198.51.100.${n + 1}`), 400, SESSION_ENDED);
    for (const spoofed of ['198.51.100.99', '203.0.113.7, 198.51.100.100', '::1', 'unknown', '']) {
      expectRefusalPage(await hit(server, spoofed), 429, RATE_LIMITED);
    }
    expectRefusalPage(await hit(server), 429, RATE_LIMITED);
    expectQuietLogs(server.logs);
  });
});

describe('TRUST_PROXY=127.0.0.1 (the proxy is the inject client)', () => {
  test('the forwarded address is the key: one client is limited, another behind the same proxy is not', async () => {
    const server = await buildSecurityServer({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1' } });
    for (let n = 0; n < LIMIT; n += 1) expectRefusalPage(await hit(server, '198.51.100.1'), 400, SESSION_ENDED);
    expectRefusalPage(await hit(server, '198.51.100.1'), 429, RATE_LIMITED);
    expectRefusalPage(await hit(server, '198.51.100.2'), 400, SESSION_ENDED);
  });

  test('addresses a client writes before the one the proxy appended change nothing', async () => {
    const server = await buildSecurityServer({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1' } });
    for (let n = 0; n < LIMIT; n += 1) expectRefusalPage(await hit(server, `203.0.113.${n + 1}, 198.51.100.1`), 400, SESSION_ENDED);
    expectRefusalPage(await hit(server, '10.9.8.7, 203.0.113.200, 198.51.100.1'), 429, RATE_LIMITED);
  });

  test('a client that reaches the server directly (not through the trusted proxy) cannot use the header', async () => {
    const server = await buildSecurityServer({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUST_PROXY: '10.0.0.1' } });
    for (let n = 0; n < LIMIT; n += 1) expectRefusalPage(await hit(server, `198.51.100.${n + 1}`), 400, SESSION_ENDED);
    expectRefusalPage(await hit(server, '198.51.100.77'), 429, RATE_LIMITED);
  });
});

describe('rate-limit headers', () => {
  test('an answer within the limit carries none; a refused one says when to come back', async () => {
    const server = await buildSecurityServer({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    const first = await server.app.inject({ method: 'GET', url: '/2fa/flow' });
    expect(first.statusCode).toBe(400);
    expect(Object.keys(first.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    const refused = await server.app.inject({ method: 'GET', url: '/2fa/flow' });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-limit']).toBe('1');
  });
});

describe('TRUST_PROXY values that would trust anyone', () => {
  const HELP = 'set TRUST_PROXY to the addresses or CIDRs of the proxies in front of this server, e.g. 10.0.0.0/8,127.0.0.1';

  test.each([
    ['true', 'TRUST_PROXY=true would let any client choose its own address'],
    [' true ', 'TRUST_PROXY=true would let any client choose its own address'],
    ['2', 'TRUST_PROXY=2 (a hop count) cannot tell a proxy from a client'],
    ['1', 'TRUST_PROXY=1 (a hop count) cannot tell a proxy from a client'],
    ['TRUE', 'TRUST_PROXY has "TRUE", which is not an address or CIDR'],
    ['*', 'TRUST_PROXY has "*", which is not an address or CIDR'],
    ['loopback', 'TRUST_PROXY has "loopback", which is not an address or CIDR'],
    ['127.0.0.1/33', 'TRUST_PROXY has "127.0.0.1/33", which is not an address or CIDR'],
    [',', 'TRUST_PROXY is empty'],
  ])('TRUST_PROXY=%j is refused with a message saying what to write', (value, start) => {
    let error: unknown;
    try {
      loadConfig(testEnv({ TRUST_PROXY: value }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('TRUST_PROXY');
    expect((error as ConfigError).message.startsWith(start)).toBe(true);
    expect((error as ConfigError).message.endsWith(HELP)).toBe(true);
  });

  test('addresses and CIDRs are taken as they are', () => {
    expect(loadConfig(testEnv({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' })).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    expect(loadConfig(testEnv({})).trustProxy).toBe(false);
    expect(loadConfig(testEnv({ TRUST_PROXY: 'false' })).trustProxy).toBe(false);
  });
});
