/**
 * The link Auth0 sends the browser with, as an attacker reuses it: the same outbound token
 * with another `state` (which anyone can change) opens no second visit and sends nothing to
 * Authy; the same browser opening it again resumes its own visit; one user holds at most 3
 * open visits (a 4th drops the oldest); a full store refuses new visits with a 503 page and
 * keeps every live visit of other users working.
 */
import {
  AUTHY_ID,
  MemoryStore,
  STATE,
  TENANT_HOST,
  Visit,
  alertsOf,
  authyVerify,
  authyReplies,
  entryUrl,
  expectRefusalPage,
  headingOf,
  mintOutbound,
  setCookieHeaders,
  type Page,
} from '../helpers/forms';
import {
  buildSecurityServer,
  storeSizes,
  expectQuietLogs,
  formActionsOf,
  pageOf,
  pageSecrets,
  resultOutcomesOf,
  resultTokensOf,
  securityLifecycle,
} from '../helpers/security-kit';
import { decodeResult } from '../helpers/forms';

securityLifecycle();

const LINK_USED = 'This sign-in link was already opened, in another tab or browser. Go back to the application and sign in again.';
const SESSION_ENDED = /^Your two-step verification session has ended or this page was opened in another browser\./;
const BUSY = /^Too many people are signing in right now\. Wait a moment, then try again\.$/;

describe('one link, one visit', () => {
  test('the same token with another state, in another browser: a 409 page, no second visit, nothing sent to Authy', async () => {
    const server = await buildSecurityServer();
    // A user who must enroll: the first visit would register a phone and send an SMS.
    const token = mintOutbound();
    const first = new Visit(server.app);
    expect(headingOf((await first.start(token)).body)).toBe('Protect your account');
    const before = storeSizes(server);

    const pages: Page[] = [];
    for (const state of [`${STATE}x`, 'https://evil.example.net/', 'attacker-state']) {
      const page = await new Visit(server.app).start(token, state);
      pages.push(page);
      expect(page.statusCode).toBe(409);
      expect(alertsOf(page.body)).toEqual([LINK_USED]);
      expect(setCookieHeaders(page)).toEqual([]);
      // The only way on is back to the trusted tenant, with a cancelled result.
      expect(formActionsOf(page.body)).toEqual([`https://${TENANT_HOST}/continue`]);
      expect(resultOutcomesOf(page.body, server.clock.ms)).toEqual([{ kind: 'cancelled', failures: 0 }]);
    }
    expect(storeSizes(server)).toEqual(before);
    expect(before.visits).toBe(1);
    // The first visit goes on, untouched.
    expect(headingOf((await first.show()).body)).toBe('Protect your account');
    expectQuietLogs(server.logs, [token, first.cookie, first.csrf, ...pageSecrets(pages)]);
  });

  test('the same token with another state, in the same browser: resumes the visit, which keeps its own state', async () => {
    const server = await buildSecurityServer();
    const token = mintOutbound({ authyId: AUTHY_ID });
    const visit = new Visit(server.app);
    await visit.start(token);
    const again = pageOf(
      await server.app.inject({
        method: 'GET',
        url: entryUrl(token, 'state-chosen-by-someone-else'),
        headers: { cookie: `authy2fa_flow=${visit.cookie ?? ''}` },
      }),
    );
    expect([again.statusCode, again.headers.location]).toEqual([303, '/2fa/flow']);
    expect(setCookieHeaders(again)).toEqual([]);
    const done = await visit.post('/2fa/cancel');
    const [result] = resultTokensOf(done.body);
    expect(decodeResult(result, server.clock.ms).state).toBe(STATE);
    expect(storeSizes(server).visits).toBe(1);
  });

  test('the same link again in the same browser resumes where the visit was (no new cookie, no new visit)', async () => {
    const server = await buildSecurityServer();
    const token = mintOutbound({ authyId: AUTHY_ID });
    const visit = new Visit(server.app);
    await visit.start(token);
    authyVerify('1111111').reply(401, authyReplies.tokenInvalid);
    expect(alertsOf((await visit.post('/2fa/verify', { code: '1111111' })).body)).toEqual(['That code is not right. 4 tries left.']);
    const cookie = visit.cookie;
    const again = pageOf(
      await server.app.inject({ method: 'GET', url: entryUrl(token), headers: { cookie: `authy2fa_flow=${cookie ?? ''}` } }),
    );
    expect([again.statusCode, again.headers.location]).toEqual([303, '/2fa/flow']);
    expect(setCookieHeaders(again)).toEqual([]);
    const page = await visit.show();
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(storeSizes(server).visits).toBe(1);
    expect((await server.store.getCounter(`${TENANT_HOST}|auth0|64f0c0ffee0000000000abcd`, server.clock.ms)).failures).toBe(1);
  });

  test('a forged cookie with the link of another browser opens nothing', async () => {
    const server = await buildSecurityServer();
    const token = mintOutbound({ authyId: AUTHY_ID });
    await new Visit(server.app).start(token);
    const forged = 'A'.repeat(43);
    const page = pageOf(await server.app.inject({ method: 'GET', url: entryUrl(token), headers: { cookie: `authy2fa_flow=${forged}` } }));
    expect(page.statusCode).toBe(409);
    expect(alertsOf(page.body)).toEqual([LINK_USED]);
    expect(setCookieHeaders(page)).toEqual([]);
  });
});

describe('open visits per user: at most 3', () => {
  test('a 4th login drops the oldest visit: its pages then say the session ended, and its forms reach no one', async () => {
    const server = await buildSecurityServer();
    const visits: Visit[] = [];
    for (let n = 0; n < 4; n += 1) {
      const visit = new Visit(server.app);
      expect(headingOf((await visit.start(mintOutbound({ authyId: AUTHY_ID, at: server.clock.ms }))).body)).toBe('Enter your code');
      visits.push(visit);
      server.clock.advance(1);
    }
    const [oldest, ...rest] = visits as [Visit, ...Visit[]];
    expectRefusalPage(await oldest.show(), 400, SESSION_ENDED);
    // Its CSRF token is still known to the attacker; the code goes nowhere (nock would see it).
    expectRefusalPage(await oldest.post('/2fa/verify', { code: '1234567' }), 400, SESSION_ENDED);
    for (const visit of rest) expect(headingOf((await visit.show()).body)).toBe('Enter your code');
    expect(storeSizes(server).visits).toBe(3);
  });

  test('another user is not affected by this user opening visits', async () => {
    const server = await buildSecurityServer();
    const other = new Visit(server.app);
    await other.start(mintOutbound({ authyId: '5678', sub: 'auth0|other-user' }));
    for (let n = 0; n < 6; n += 1) {
      await new Visit(server.app).start(mintOutbound({ authyId: AUTHY_ID, at: server.clock.ms }));
      server.clock.advance(1);
    }
    expect(headingOf((await other.show()).body)).toBe('Enter your code');
    expect(storeSizes(server).visits).toBe(4);
  });
});

describe('a full store', () => {
  test('new visits get a 503 page (never a 500) and start nothing; live visits of other users keep working', async () => {
    const server = await buildSecurityServer({ store: new MemoryStore({ capacity: 100 }), env: { VISIT_CAPACITY: '100' } });
    const visits: Visit[] = [];
    for (let n = 0; n < 100; n += 1) {
      const visit = new Visit(server.app);
      expect(headingOf((await visit.start(mintOutbound({ authyId: String(1000 + n), sub: `auth0|user-${n}` }))).body)).toBe(
        'Enter your code',
      );
      visits.push(visit);
    }
    const refused: Page[] = [];
    for (let n = 0; n < 5; n += 1) {
      const token = mintOutbound({ authyId: String(5000 + n), sub: `auth0|late-${n}` });
      const entry = pageOf(await server.app.inject({ method: 'GET', url: entryUrl(token) }));
      refused.push(entry);
      expect(entry.statusCode).toBe(503);
      expect(alertsOf(entry.body).join(' ')).toMatch(BUSY);
      // The way on: that login, cancelled, back to the application (a result that lets no one in).
      expect(resultOutcomesOf(entry.body, server.clock.ms)).toEqual([{ kind: 'cancelled', failures: 0 }]);
      expect(entry.headers['retry-after']).toBe('30');
      expect(setCookieHeaders(entry)).toEqual([]);
    }
    expect(storeSizes(server).visits).toBe(100);

    // A live visit of another user still verifies its right code; another still cancels.
    authyVerify('7654321', '1000').reply(200, authyReplies.tokenValid);
    const done = await visits[0].post('/2fa/verify', { code: '7654321' });
    expect(headingOf(done.body)).toBe('Signing you in…');
    expect(resultOutcomesOf(done.body, server.clock.ms)).toEqual([
      { kind: 'verified', method: 'app', authyId: '1000', enrolledNow: false, approvalUuid: null },
    ]);
    const cancelled = await visits[99].post('/2fa/cancel');
    expect(resultOutcomesOf(cancelled.body, server.clock.ms)).toEqual([{ kind: 'cancelled', failures: 0 }]);
    // A user already holding a visit, opening another: still refused, never by dropping someone else's.
    const same = pageOf(await server.app.inject({ method: 'GET', url: entryUrl(mintOutbound({ authyId: '1001', sub: 'auth0|user-1' })) }));
    expect(same.statusCode).toBe(503);
    expect(resultOutcomesOf(same.body, server.clock.ms)).toEqual([{ kind: 'cancelled', failures: 0 }]);
    expect(headingOf((await visits[2].show()).body)).toBe('Enter your code');
    expect(server.logs.some((line) => line.includes('"statusCode":500'))).toBe(false);
    expectQuietLogs(server.logs, ['7654321', ...pageSecrets([done, cancelled, ...refused])]);
  });
});
