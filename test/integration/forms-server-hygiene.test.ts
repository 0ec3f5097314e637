/**
 * What every response of the forms server must have, page by page: security headers, no
 * inline script, accessible markup (labels, alerts, language), a safe cookie; and logs that
 * never hold a token, a code, a phone number, an email or a secret.
 */
import nock from 'nock';
import {
  authyStatus,
  AUTHY_ID,
  AUTHY_KEY,
  EMAIL,
  FLOW_COOKIE,
  MemoryStore,
  SECRET,
  STATE,
  Visit,
  alertsOf,
  authy,
  authyRegister,
  authyReplies,
  authySms,
  authyVerify,
  buildTestServer,
  continueFormOf,
  expectNoInlineScript,
  expectSecurityHeaders,
  mintOutbound,
  setCookieHeaders,
  statusesOf,
  guardAuthyCalls,
  type Page,
  type TestServer,
} from '../helpers/forms';

guardAuthyCalls();

async function get(server: TestServer, url: string, headers: Record<string, string> = {}): Promise<Page> {
  const r = await server.app.inject({ method: 'GET', url, headers });
  return { statusCode: r.statusCode, headers: r.headers, body: r.body };
}

/** Every page of a visit, in the order a user meets them, plus the error pages. */
async function everyPage(): Promise<{ server: TestServer; pages: Record<string, Page> }> {
  const server = await buildTestServer();
  const pages: Record<string, Page> = {};

  const enrolling = new Visit(server.app);
  pages.enroll = await enrolling.start(mintOutbound());
  pages.enrollError = await enrolling.post('/2fa/enroll', { country: 'US', phone: 'letters' });
  authyRegister().reply(200, authyReplies.userCreated(1234));
  authyStatus('1234', true);
  pages.codeEnrolling = await enrolling.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
  authyVerify('1234567').reply(200, authyReplies.tokenValid);
  pages.doneVerified = await enrolling.post('/2fa/verify', { code: '1234567' });

  const enrolled = new Visit(server.app);
  pages.code = await enrolled.start(mintOutbound({ authyId: AUTHY_ID, sub: 'auth0|enrolled' }));
  authySms().reply(200, authyReplies.smsSent);
  pages.codeInfo = await enrolled.post('/2fa/send', { channel: 'sms' });
  authyVerify('7654321').reply(401, authyReplies.tokenInvalid);
  pages.codeError = await enrolled.post('/2fa/verify', { code: '7654321' });
  const uuid = 'b1b2c3d4-0000-4000-8000-000000000002';
  authy().post(`/onetouch/json/users/${AUTHY_ID}/approval_requests`).reply(200, authyReplies.approvalCreated(uuid));
  pages.push = await enrolled.post('/2fa/push');
  authy()
    .get(`/onetouch/json/approval_requests/${uuid}`)
    .reply(200, authyReplies.approvalStatus('pending', uuid, 1234));
  pages.pushPending = await enrolled.post('/2fa/push/check', { action: 'check' });
  pages.doneCancelled = await enrolled.post('/2fa/cancel');

  const locking = new Visit(server.app);
  await locking.start(mintOutbound({ authyId: '5678', sub: 'auth0|locking', maxFailures: 1 }));
  authyVerify('1111111', '5678').reply(401, authyReplies.tokenInvalid);
  pages.locked = await locking.post('/2fa/verify', { code: '1111111' });

  pages.error400 = await get(server, '/2fa?state=x');
  pages.error403 = await enrolled.post('/2fa/verify', { code: '1' }, { csrf: 'wrong' });
  pages.error404 = await get(server, '/nowhere');
  pages.error413 = await enrolled.post('/2fa/verify', { code: 'x'.repeat(20_000) });
  return { server, pages };
}

describe('every page', () => {
  test('has the security headers, no inline script or style, one h1, a viewport, and only local assets', async () => {
    const { pages } = await everyPage();
    expect(Object.keys(pages)).toHaveLength(15);
    for (const [name, page] of Object.entries(pages)) {
      try {
        expect(String(page.headers['content-type'])).toBe('text/html; charset=utf-8');
        expectSecurityHeaders(page);
        expectNoInlineScript(page.body);
        expect(page.body.match(/<h1\b/g)).toHaveLength(1);
        expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
        expect(page.body).toContain('<main class="card" aria-labelledby="heading">');
        expect(page.body).toContain('<link rel="stylesheet" href="/2fa/static/app.css">');
        // No external asset: the only absolute URL is the /continue form of the done and locked pages.
        const absolute = [...page.body.matchAll(/(?:src|href|action)="(https?:[^"]*)"/g)].map((m) => m[1]);
        expect(absolute.every((url) => url === 'https://tenant.example.auth0.com/continue')).toBe(true);
        // Every visible field has a label.
        for (const field of page.body.matchAll(/<(input|select)\b([^>]*)>/g)) {
          const attrs = field[2];
          if (/type="hidden"/.test(attrs)) continue;
          const id = /id="([^"]+)"/.exec(attrs)?.[1];
          expect(id).toBeDefined();
          expect(page.body).toContain(`<label for="${id}">`);
        }
      } catch (error) {
        throw new Error(`page ${name}: ${(error as Error).message}`, { cause: error });
      }
    }
  });

  test('flow pages name their language', async () => {
    const { pages } = await everyPage();
    for (const name of [
      'enroll',
      'enrollError',
      'codeEnrolling',
      'doneVerified',
      'code',
      'codeInfo',
      'codeError',
      'push',
      'pushPending',
      'doneCancelled',
      'locked',
    ]) {
      expect(`${name}: ${/<html lang="([^"]*)">/.exec(pages[name].body)?.[1]}`).toBe(`${name}: en`);
    }
  });

  // Error pages once rendered `<html lang="undefined">`.
  test('error pages name their language too', async () => {
    const { pages } = await everyPage();
    for (const name of ['error400', 'error403', 'error404', 'error413']) {
      expect(`${name}: ${/<html lang="([^"]*)">/.exec(pages[name].body)?.[1]}`).toBe(`${name}: en`);
    }
  });

  test('error notices are alerts, confirmations are status messages, and the field in error says so', async () => {
    const { pages } = await everyPage();
    expect(alertsOf(pages.enrollError.body)).toEqual([
      'Use only digits, spaces, brackets, dots, dashes and slashes, with + only at the start.',
    ]);
    expect(pages.enrollError.body).toMatch(/<input id="phone"[^>]*aria-describedby="phone-hint notice"[^>]*aria-invalid=true/);
    expect(alertsOf(pages.codeError.body)).toEqual(['That code is not right. 4 tries left.']);
    expect(pages.codeError.body).toContain('id="notice"');
    expect(statusesOf(pages.codeInfo.body)).toEqual(['We sent a code by text message.']);
    expect(alertsOf(pages.codeInfo.body)).toEqual([]);
    expect(/<input id="code"[^>]*>/.exec(pages.codeInfo.body)?.[0]).not.toContain('aria-invalid');
    expect(statusesOf(pages.pushPending.body)).toHaveLength(1);
    for (const name of ['error400', 'error403', 'error404', 'error413', 'locked'] as const)
      expect(alertsOf(pages[name].body)).toHaveLength(1);
  });

  test('the code field: one-time-code autocomplete, numeric keyboard, labelled, described by its hint', async () => {
    const { pages } = await everyPage();
    for (const name of ['code', 'codeEnrolling', 'codeInfo', 'codeError'] as const) {
      const input = /<input id="code"[^>]*>/.exec(pages[name].body)?.[0] ?? '';
      expect(input).toContain('autocomplete="one-time-code"');
      expect(input).toContain('inputmode="numeric"');
      expect(input).toContain('name="code"');
      expect(input).toMatch(/aria-describedby="code-hint/);
      expect(pages[name].body).toContain('<label for="code">Verification code</label>');
      expect(pages[name].body).toContain('id="code-hint"');
    }
  });

  test('every form that posts to the server carries the CSRF token; the done and locked forms carry none', async () => {
    const { pages } = await everyPage();
    for (const [name, page] of Object.entries(pages)) {
      for (const form of page.body.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
        const local = form[1].startsWith('/');
        expect(`${name} ${form[1]}: ${/name="csrf" value="[A-Za-z0-9_-]{43}"/.test(form[2])}`).toBe(`${name} ${form[1]}: ${local}`);
      }
    }
  });

  test("the done page's script is external, served from the server itself with a JS type, and the button works without it", async () => {
    const { server, pages } = await everyPage();
    const done = pages.doneVerified;
    expect([...done.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="/2fa/static/continue.js" defer></script>'.replace('</script>', ''),
    ]);
    expect(done.body).toMatch(
      /<form id="continue" method="post" action="https:\/\/tenant\.example\.auth0\.com\/continue">[\s\S]*<button type="submit"/,
    );
    const script = await get(server, '/2fa/static/continue.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain("getElementById('continue')");
    expect(script.body).toContain('.submit()');
    // Static files hold no user data: cacheable, with every other header.
    expectSecurityHeaders(script, 'public');
    const css = await get(server, '/2fa/static/app.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).not.toMatch(/url\(|@import|https?:/);
    // The done page posts to the tenant, whose answer redirects to the application: no form-action
    // there (browsers apply it to that redirect). The other pages only post to the server itself.
    expect(String(done.headers['content-security-policy'])).not.toContain('form-action');
    expect(String(pages.code.headers['content-security-policy'])).toContain("form-action 'self';");
  });

  test('redirects and JSON answers carry the headers too', async () => {
    const server = await buildTestServer();
    const r = await server.app.inject({ method: 'GET', url: `/2fa?state=${STATE}&session_token=${mintOutbound({ authyId: AUTHY_ID })}` });
    expect(r.statusCode).toBe(303);
    expectSecurityHeaders({ statusCode: r.statusCode, headers: r.headers, body: r.body });
    expectSecurityHeaders(await get(server, '/healthz'));
  });

  test('error pages follow the browser language', async () => {
    const server = await buildTestServer();
    const es = await get(server, '/nowhere', { 'accept-language': 'es-ES,es;q=0.9' });
    expect(es.statusCode).toBe(404);
    expect(alertsOf(es.body)).toHaveLength(1);
    expect(alertsOf(es.body)[0]).not.toBe('This page does not exist.');
    const garbage = await get(server, '/nowhere', { 'accept-language': '"><script>' });
    expect(alertsOf(garbage.body)).toEqual(['This page does not exist.']);
  });

  test.each([
    ['fr-FR,fr;q=0.9', 'fr', 'Cette page n’existe pas.'],
    ['pt-PT,pt;q=0.9', 'pt-BR', 'Esta página não existe.'],
    ['it', 'it', 'Questa pagina non esiste.'],
    ['nl-BE,nl;q=0.9', 'nl', 'Deze pagina bestaat niet.'],
    // The first language of the list that has pages, not just the first one.
    ['sv-SE,sv;q=0.9,nl;q=0.8', 'nl', 'Deze pagina bestaat niet.'],
  ])('an error page for a browser asking for %s is in %s', async (header, lang, text) => {
    const server = await buildTestServer();
    const page = await get(server, '/nowhere', { 'accept-language': header });
    expect(page.body).toContain(`<html lang="${lang}">`);
    expect(alertsOf(page.body)).toEqual([text]);
  });
});

describe('the flow cookie', () => {
  test('HttpOnly, Secure (public URL is https), SameSite=Lax, scoped to /2fa, no longer than the token', async () => {
    const server = await buildTestServer();
    const r = await server.app.inject({
      method: 'GET',
      url: `/2fa?state=${STATE}&session_token=${mintOutbound({ authyId: AUTHY_ID, expiresInSeconds: 300 })}`,
    });
    const cookies = setCookieHeaders({ statusCode: r.statusCode, headers: r.headers, body: r.body });
    expect(cookies).toHaveLength(1);
    const parts = (cookies[0] ?? '').split(';').map((p) => p.trim());
    expect(parts[0]).toMatch(new RegExp(`^${FLOW_COOKIE}=[A-Za-z0-9_-]{43}$`));
    expect(parts).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/2fa', 'Max-Age=300']));
    expect(parts.some((p) => /^Domain=/i.test(p))).toBe(false);
  });

  test('not Secure when the public URL is plain http on localhost (development)', async () => {
    const server = await buildTestServer({ env: { FORMS_PUBLIC_URL: 'http://localhost:3002' } });
    const r = await server.app.inject({ method: 'GET', url: `/2fa?state=${STATE}&session_token=${mintOutbound({ authyId: AUTHY_ID })}` });
    expect(String(r.headers['set-cookie'])).not.toMatch(/Secure/);
  });
});

// ---------------------------------------------------------------- logs

describe('logs', () => {
  test('a whole visit with every kind of event: no token, code, phone number, email, CSRF token, cookie or secret in any line', async () => {
    const server = await buildTestServer();
    const outbound = mintOutbound();
    const visit = new Visit(server.app);
    await visit.start(outbound);
    await visit.post('/2fa/enroll', { country: 'US', phone: '201-555-01' });
    authyRegister().reply(200, authyReplies.userCreated(1234));
    authyStatus('1234', true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '(201) 555-0123' });
    authySms().reply(200, authyReplies.smsSent);
    await visit.post('/2fa/send', { channel: 'sms' });
    authyVerify('8642097').reply(401, authyReplies.tokenInvalid);
    await visit.post('/2fa/verify', { code: '8642097' });
    authyVerify('7531864').delay(2000).reply(200, authyReplies.tokenValid);
    await visit.post('/2fa/verify', { code: '7531864' });
    authyVerify('9182736').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '9182736' });
    const result = continueFormOf(done.body)?.sessionToken ?? '';
    expect(result).not.toBe('');
    // Refusals and errors log too.
    await new Visit(server.app).start(outbound);
    await new Visit(server.app).start(`${outbound}x`);
    await visit.post('/2fa/verify', { code: '1'.repeat(20_000) });
    await visit.post('/2fa/verify', { code: '5555555' }, { csrf: 'wrong' });
    nock.abortPendingRequests();

    const logs = server.logs.join('\n');
    expect(server.logs.length).toBeGreaterThan(20);
    const secrets: Record<string, string> = {
      'outbound token': outbound,
      'outbound token signature': outbound.split('.')[2] ?? '',
      'result token': result,
      'result token signature': result.split('.')[2] ?? '',
      'sealed email': (JSON.parse(Buffer.from(outbound.split('.')[1] ?? '', 'base64url').toString()) as { sealed_email: string })
        .sealed_email,
      state: STATE,
      'csrf token': visit.csrf ?? '',
      'flow cookie': visit.cookie ?? '',
      'shared secret': SECRET,
      'Authy API key': AUTHY_KEY,
      email: EMAIL,
      'wrong code': '8642097',
      'slow code': '7531864',
      'right code': '9182736',
      'phone (digits)': '2015550123',
      'phone (as typed)': '(201) 555-0123',
      'phone (E.164)': '+12015550123',
      'phone (invalid, as typed)': '201-555-01',
      'phone (masked by Authy)': 'XX02',
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value).not.toBe('');
      expect(`${name}: ${logs.includes(value)}`).toBe(`${name}: false`);
    }
    // The logs are JSON lines and do say what happened, by step.
    for (const line of server.logs) expect(() => JSON.parse(line)).not.toThrow();
    expect(logs).toContain('"step":"entry"');
    expect(logs).toContain('"step":"verify"');
    expect(logs).toContain('"step":"enroll"');
  });

  test('an unexpected failure (the store throws): a plain 500 page, and the log has the kind of error but no request data', async () => {
    const store = new MemoryStore();
    const server = await buildTestServer({ store });
    const visit = new Visit(server.app);
    const outbound = mintOutbound({ authyId: AUTHY_ID });
    await visit.start(outbound);
    jest.spyOn(store, 'getVisit').mockRejectedValue(new Error('store unreachable'));
    const page = await visit.post('/2fa/verify', { code: '2468024' });
    expect(page.statusCode).toBe(500);
    expectSecurityHeaders(page);
    expect(alertsOf(page.body)).toEqual(['Something went wrong on our side. Go back to the application and sign in again.']);
    expect(page.body).not.toMatch(/store unreachable|at |node_modules/);
    const logs = server.logs.join('\n');
    expect(logs).toContain('unexpected error');
    for (const value of [outbound, '2468024', visit.csrf ?? '', visit.cookie ?? '', SECRET]) expect(logs.includes(value)).toBe(false);
  });
});
