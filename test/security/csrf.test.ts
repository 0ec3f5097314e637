/**
 * Cross-site requests, open redirects and header injection.
 *
 * - CSRF: every POST route refuses a form without the visit's own CSRF token (missing, wrong,
 *   empty, another visit's, given twice) with the 403 page, changes nothing and sends nothing to
 *   Authy (nock would see any call).
 * - Open redirects: whatever the parameters (continue_host, iss, state with CRLF or URLs, extra
 *   query parameters, the Host and X-Forwarded-Host headers), the browser is only ever sent to
 *   the server's own `/2fa/flow` (Location) or to `https://<trusted tenant>/continue` (the only
 *   absolute form action).
 * - Header injection: CRLF in state, in the cookie, in Accept-Language never puts a header of
 *   the attacker's in an answer (over a real socket, where CR and LF are real bytes).
 */
import { connect } from 'node:net';
import nock from 'nock';
import {
  authyStatus,
  AUTHY_ID,
  FLOW_COOKIE,
  SECOND_TENANT_HOST,
  STATE,
  TENANT_HOST,
  UNTRUSTED_HOST,
  Visit,
  authy,
  authyReplies,
  entryUrl,
  expectRefusalPage,
  headingOf,
  mintOutbound,
  setCookieHeaders,
  type Page,
  type TestServer,
} from '../helpers/forms';
import {
  buildSecurityServer,
  expectQuietLogs,
  formActionsOf,
  pageOf,
  resultOutcomesOf,
  resultTokensOf,
  securityLifecycle,
} from '../helpers/security-kit';
import { decodeResult } from '../helpers/forms';

securityLifecycle({ allowLoopback: true });

const SESSION_ENDED = /^Your two-step verification session has ended or this page was opened in another browser\./;
const UUID = 'c0ffee00-0000-4000-8000-000000000001';

/** A visit at the step where `route` would call Authy, and the step's heading. */
async function visitFor(server: TestServer, route: string): Promise<{ visit: Visit; heading: string }> {
  const visit = new Visit(server.app);
  if (route === '/2fa/enroll') {
    await visit.start(mintOutbound({ sub: `auth0|csrf-${Math.random()}` }));
    return { visit, heading: 'Protect your account' };
  }
  if (route === '/2fa/change-number') {
    await visit.start(mintOutbound({ sub: `auth0|csrf-${Math.random()}` }));
    authy().post('/protected/json/users/new').reply(200, authyReplies.userCreated(4242));
    authyStatus('4242', true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    return { visit, heading: 'Enter your code' };
  }
  await visit.start(mintOutbound({ authyId: AUTHY_ID, sub: `auth0|csrf-${Math.random()}` }));
  if (route === '/2fa/push/check') {
    authy().post(`/onetouch/json/users/${AUTHY_ID}/approval_requests`).reply(200, authyReplies.approvalCreated(UUID));
    await visit.post('/2fa/push');
    return { visit, heading: 'Approve the request' };
  }
  return { visit, heading: 'Enter your code' };
}

const ROUTES: Array<[string, Record<string, string>]> = [
  ['/2fa/enroll', { country: 'US', phone: '2015550123' }],
  ['/2fa/change-number', {}],
  ['/2fa/verify', { code: '1234567' }],
  ['/2fa/send', { channel: 'sms' }],
  ['/2fa/push', {}],
  ['/2fa/push/check', { action: 'check' }],
  ['/2fa/cancel', {}],
];

async function postForm(server: TestServer, path: string, body: string, cookie: string | null): Promise<Page> {
  return pageOf(
    await server.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie: `${FLOW_COOKIE}=${cookie}` } : {}) },
      payload: body,
    }),
  );
}

describe('CSRF: every POST route', () => {
  test.each(ROUTES)('%s: missing, wrong, empty, foreign or doubled tokens get the 403 page and reach no one', async (route, fields) => {
    const server = await buildSecurityServer();
    const { visit, heading } = await visitFor(server, route);
    const other = await visitFor(server, route);
    const own = visit.csrf ?? '';
    const form = (csrf: string | string[] | null) => {
      const body = new URLSearchParams(fields);
      for (const value of csrf === null ? [] : Array.isArray(csrf) ? csrf : [csrf]) body.append('csrf', value);
      return body.toString();
    };
    const attempts: Array<[string, string]> = [
      ['missing', form(null)],
      ['empty', form('')],
      ['wrong', form('x'.repeat(own.length))],
      ["another visit's", form(other.visit.csrf ?? '')],
      ['own, upper-cased', form(own.toUpperCase() === own ? own.toLowerCase() : own.toUpperCase())],
      ['own with a space', form(`${own} `)],
      ['given twice (own and another)', form([own, other.visit.csrf ?? ''])],
      ['given twice (own twice)', form([own, own])],
    ];
    for (const [name, body] of attempts) {
      const page = await postForm(server, route, body, visit.cookie);
      try {
        expectRefusalPage(page, 403, SESSION_ENDED);
      } catch (error) {
        throw new Error(`${route} with ${name} token: ${(error as Error).message}`, { cause: error });
      }
    }
    // Nothing changed: the visit is where it was, and no interceptor beyond the set-up was used.
    expect(headingOf((await visit.show()).body)).toBe(heading);
    expect(nock.pendingMocks()).toEqual([]);
    // Without the cookie, even the right token opens nothing (the 400 page).
    expectRefusalPage(await postForm(server, route, form(own), null), 400, SESSION_ENDED);
    expectQuietLogs(server.logs, [own, other.visit.csrf, visit.cookie, other.visit.cookie]);
  });

  test('a form sent as JSON or multipart is no way around the token', async () => {
    const server = await buildSecurityServer();
    const { visit } = await visitFor(server, '/2fa/verify');
    const json = pageOf(
      await server.app.inject({
        method: 'POST',
        url: '/2fa/verify',
        headers: { 'content-type': 'application/json', cookie: `${FLOW_COOKIE}=${visit.cookie ?? ''}` },
        payload: JSON.stringify({ code: '1234567', csrf: { $ne: '' } }),
      }),
    );
    expectRefusalPage(json, 403, SESSION_ENDED);
    const multipart = pageOf(
      await server.app.inject({
        method: 'POST',
        url: '/2fa/verify',
        headers: { 'content-type': 'multipart/form-data; boundary=x', cookie: `${FLOW_COOKIE}=${visit.cookie ?? ''}` },
        payload: `--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${visit.csrf ?? ''}\r\n--x--\r\n`,
      }),
    );
    expect(multipart.statusCode).toBe(415);
    expect(headingOf((await visit.show()).body)).toBe('Enter your code');
  });
});

// ---------------------------------------------------------------- open redirects

/** Every Location is the server's own page; every absolute form action is `https://{host}/continue`. */
function expectOnlyTrusted(pages: readonly Page[], host: string): void {
  for (const page of pages) {
    const location = page.headers.location;
    if (location !== undefined) expect(location).toBe('/2fa/flow');
    for (const action of formActionsOf(page.body)) {
      if (/^\/2fa\/[a-z/-]+$/.test(action)) continue;
      expect(action).toBe(`https://${host}/continue`);
    }
  }
}

async function walk(server: TestServer, url: string, headers: Record<string, string> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  const entry = pageOf(await server.app.inject({ method: 'GET', url, headers }));
  pages.push(entry);
  const cookie = /authy2fa_flow=([^;]*)/.exec(setCookieHeaders(entry).join(';'))?.[1];
  if (!cookie) return pages;
  const flow = pageOf(
    await server.app.inject({ method: 'GET', url: '/2fa/flow', headers: { ...headers, cookie: `${FLOW_COOKIE}=${cookie}` } }),
  );
  pages.push(flow);
  const csrf = /name="csrf" value="([^"]*)"/.exec(flow.body)?.[1] ?? '';
  const cancel = pageOf(
    await server.app.inject({
      method: 'POST',
      url: '/2fa/cancel',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', cookie: `${FLOW_COOKIE}=${cookie}` },
      payload: new URLSearchParams({ csrf }).toString(),
    }),
  );
  pages.push(cancel);
  pages.push(
    pageOf(await server.app.inject({ method: 'GET', url: '/2fa/flow', headers: { ...headers, cookie: `${FLOW_COOKIE}=${cookie}` } })),
  );
  return pages;
}

describe('open redirects: the browser only ever goes back to https://<trusted tenant>/continue', () => {
  test('state holding URLs, markup or a redirect target is kept as data; the form still goes to the tenant', async () => {
    const server = await buildSecurityServer();
    for (const state of [
      'https://evil.example.net/',
      '//evil.example.net',
      'javascript:alert(1)',
      `"><form/action="https://${UNTRUSTED_HOST}/continue">`,
    ]) {
      const pages = await walk(server, entryUrl(mintOutbound({ authyId: AUTHY_ID }), state));
      expect(pages).toHaveLength(4);
      expectOnlyTrusted(pages, TENANT_HOST);
      const last = pages[3];
      expect(resultOutcomesOf(last.body, server.clock.ms).map((o) => o.kind)).toEqual(['cancelled']);
      expect(decodeResult(resultTokensOf(last.body)[0] ?? '', server.clock.ms).state).toBe(state);
    }
  });

  test('CRLF or spaces in state: the 400 page, no cookie, no redirect', async () => {
    const server = await buildSecurityServer();
    for (const state of [
      `${STATE}\r\nLocation: https://${UNTRUSTED_HOST}/`,
      `${STATE}\nSet-Cookie: x=1`,
      `${STATE} https://${UNTRUSTED_HOST}`,
    ]) {
      const page = pageOf(await server.app.inject({ method: 'GET', url: entryUrl(mintOutbound({ authyId: AUTHY_ID }), state) }));
      expectRefusalPage(page, 400);
      expect(page.headers.location).toBeUndefined();
      expect(setCookieHeaders(page)).toEqual([]);
    }
  });

  test('extra parameters (redirect_uri, continue, return_to, next) are ignored', async () => {
    const server = await buildSecurityServer();
    const extra = ['redirect_uri', 'continue', 'return_to', 'next', 'continue_host', 'iss']
      .map((name) => `&${name}=https%3A%2F%2F${UNTRUSTED_HOST}%2F`)
      .join('');
    const pages = await walk(server, `${entryUrl(mintOutbound({ authyId: AUTHY_ID }))}${extra}`);
    expect(pages).toHaveLength(4);
    expectOnlyTrusted(pages, TENANT_HOST);
  });

  test('Host and X-Forwarded-Host of an attacker, even with TRUST_PROXY set, change no destination', async () => {
    for (const env of [{}, { TRUST_PROXY: '127.0.0.1' }]) {
      const server = await buildSecurityServer({ env });
      const headers = {
        host: UNTRUSTED_HOST,
        'x-forwarded-host': UNTRUSTED_HOST,
        'x-forwarded-proto': 'http',
        forwarded: `host=${UNTRUSTED_HOST}`,
      };
      const pages = await walk(server, entryUrl(mintOutbound({ authyId: AUTHY_ID })), headers);
      expect(pages).toHaveLength(4);
      expectOnlyTrusted(pages, TENANT_HOST);
      expect(JSON.stringify(pages.map((p) => p.headers))).not.toContain(UNTRUSTED_HOST);
    }
  });

  test('continue_host of the second trusted tenant, any case: back to that tenant exactly', async () => {
    const server = await buildSecurityServer();
    const pages = await walk(server, entryUrl(mintOutbound({ authyId: AUTHY_ID, continueHost: SECOND_TENANT_HOST.toUpperCase() })));
    expectOnlyTrusted(pages, SECOND_TENANT_HOST);
  });

  test('paths that look like redirects are 404 pages, never a Location', async () => {
    const server = await buildSecurityServer();
    for (const url of [
      `//${UNTRUSTED_HOST}/`,
      `/2fa//${UNTRUSTED_HOST}`,
      `/2fa/flow/`,
      `/%2F%2F${UNTRUSTED_HOST}`,
      `/2fa/static/..%2f..%2fpackage.json`,
    ]) {
      const page = pageOf(await server.app.inject({ method: 'GET', url }));
      expect([url, page.headers.location]).toEqual([url, undefined]);
      expect(page.statusCode).toBeGreaterThanOrEqual(400);
      expect(page.statusCode).toBeLessThan(500);
    }
  });
});

// ---------------------------------------------------------------- header injection, over a real socket

async function raw(server: TestServer, request: string): Promise<{ status: number; head: string; body: string }> {
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return new Promise((resolve) => {
    const socket = connect(address.port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body });
    });
    socket.end(request);
  });
}

describe('header injection: no header of the attacker in any answer', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await buildSecurityServer();
    await server.app.listen({ host: '127.0.0.1', port: 0 });
  });

  const injected = /^(x-injected|set-cookie: pwned|location: https?:\/\/evil)/im;

  test.each([
    [
      'CRLF (encoded) in state',
      `GET /2fa?state=a%0D%0AX-Injected:%201&session_token=x HTTP/1.1\r\nHost: 2fa.example.com\r\nConnection: close\r\n\r\n`,
    ],
    [
      'bare CR in the cookie',
      `GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nCookie: ${FLOW_COOKIE}=abc\rX-Injected: 1\r\nConnection: close\r\n\r\n`,
    ],
    [
      'bare LF in the cookie',
      `GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nCookie: ${FLOW_COOKIE}=abc\nX-Injected: 1\r\nConnection: close\r\n\r\n`,
    ],
    [
      'a Set-Cookie line after Accept-Language',
      `GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nAccept-Language: en\r\nSet-Cookie: pwned=1\r\nConnection: close\r\n\r\n`,
    ],
    [
      'bare CR in Accept-Language',
      `GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nAccept-Language: de\rX-Injected: 1\r\nConnection: close\r\n\r\n`,
    ],
    [
      'obsolete line folding',
      `GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nAccept-Language: en\r\n X-Injected: 1\r\nConnection: close\r\n\r\n`,
    ],
    [
      'a NUL in a header',
      `GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nAccept-Language: en\u0000X-Injected: 1\r\nConnection: close\r\n\r\n`,
    ],
  ])('%s: a 4xx, nothing injected', async (_name, request) => {
    const answer = await raw(server, request);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.head).not.toMatch(injected);
    expect(answer.head).not.toContain('pwned');
  });

  test('Accept-Language with markup or CRLF-like text: the page language stays a language tag', async () => {
    for (const language of ['"><script>alert(1)</script>', 'en\\r\\nX-Injected: 1', 'a'.repeat(5000)]) {
      const page = pageOf(await server.app.inject({ method: 'GET', url: '/2fa/flow', headers: { 'accept-language': language } }));
      expect(page.statusCode).toBe(400);
      expect(page.body).toMatch(/<html lang="en">/);
      expect(Object.keys(page.headers)).not.toContain('x-injected');
    }
  });

  test('the only cookie ever set is the visit id, with its fixed attributes', async () => {
    const entry = pageOf(
      await server.app.inject({ method: 'GET', url: entryUrl(mintOutbound({ authyId: AUTHY_ID }), 'state\r\nSet-Cookie: x=1') }),
    );
    expect(setCookieHeaders(entry)).toEqual([]);
    const ok = pageOf(
      await server.app.inject({ method: 'GET', url: entryUrl(mintOutbound({ authyId: AUTHY_ID }), 'Set-Cookie:pwned=1;Path=/') }),
    );
    expect(setCookieHeaders(ok)).toHaveLength(1);
    expect(setCookieHeaders(ok)[0]).toMatch(/^authy2fa_flow=[A-Za-z0-9_-]{43}; Path=\/2fa; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
  });
});
