/**
 * Races against the wrong-code limit, with a SLOW Authy (every verify answered after 300 ms),
 * so that every guess of an attack is in flight at once. However the guesses are spread (one
 * visit, several visits of one user, several logins through the real Action), at most
 * MAX_FAILURES (5) of them may reach Authy per lock period, the user ends locked, and a right
 * code sent after the wrong ones never turns into a verified result.
 *
 * Guesses that reached the provider, the most seen over repeated runs of each race:
 *   (a) 20 at once on one visit ................................ 5
 *   (b) 60 at once over 3 visits of one user ................... 5
 *   (c) 11 wrong + the right one over 12 visits of one user .... 5
 *   (d) 11 wrong + the right one over 12 logins (sandbox) ...... 5
 */
import { AUTHY_ID, TENANT_HOST, USER, Visit, headingOf, mintOutbound, type Page } from '../helpers/forms';
import {
  buildSecurityServer,
  expectNoVerifiedResult,
  expectQuietLogs,
  pageSecrets,
  resultOutcomesOf,
  securityLifecycle,
  sleep,
  slowVerify,
  untilInFlight,
} from '../helpers/security-kit';
import {
  SandboxLogin,
  appCode,
  clearFaults,
  faultsRemaining,
  hideActionLog,
  queueFault,
  smsCode,
  startSecuritySandbox,
  wrongCodes,
  type SecuritySandbox,
} from '../helpers/security-sandbox';

securityLifecycle({ allowLoopback: true });

const MAX_FAILURES = 5;
const LOCKED = 'Too many wrong codes';
const COUNTER = `${TENANT_HOST}|${USER}`;
const wrong = (n: number) => String(1_000_000 + n);
const RIGHT = '7654321';

/** Every answer to a guess is a redirect to the visit's page or, for a visit dropped meanwhile, the "session ended" page. */
function expectGuessAnswers(answers: readonly Page[]): void {
  for (const answer of answers) {
    if (answer.statusCode === 303) expect(answer.headers.location).toBe('/2fa/flow');
    else expect([answer.statusCode, headingOf(answer.body)]).toEqual([400, 'Something went wrong']);
  }
}

describe('races on the forms server (Authy answers after 300 ms)', () => {
  test('(a) 20 wrong codes at once on one visit: at most 5 reach Authy, and the visit ends locked', async () => {
    const server = await buildSecurityServer();
    const authy = slowVerify({ delayMs: 300 });
    const token = mintOutbound({ authyId: AUTHY_ID });
    const visit = new Visit(server.app);
    expect(headingOf((await visit.start(token)).body)).toBe('Enter your code');

    const codes = Array.from({ length: 20 }, (_, n) => wrong(n));
    const answers = await Promise.all(codes.map((code) => visit.postRaw('/2fa/verify', { code })));

    expect(answers.map((a) => [a.statusCode, a.headers.location])).toEqual(codes.map(() => [303, '/2fa/flow']));
    expect(authy.calls).toBeLessThanOrEqual(MAX_FAILURES);
    expect(authy.calls).toBe(MAX_FAILURES);
    const page = await visit.show();
    expect(page.statusCode).toBe(200);
    expect(headingOf(page.body)).toBe(LOCKED);
    expect(resultOutcomesOf(page.body, server.clock.ms)).toEqual([
      { kind: 'locked', failures: 5, lockedUntilSec: server.clock.seconds() + 900 },
    ]);
    // And the lock holds: one more guess reaches no one.
    expect(headingOf((await visit.post('/2fa/verify', { code: RIGHT })).body)).toBe(LOCKED);
    expect(authy.calls).toBe(MAX_FAILURES);
    expect(await server.store.getCounter(COUNTER, server.clock.ms)).toEqual({
      failures: 5,
      inFlight: 0,
      lockedUntilMs: server.clock.ms + 900_000,
    });
    expectQuietLogs(server.logs, [token, ...codes, RIGHT, visit.cookie, visit.csrf, ...pageSecrets([page])]);
  });

  test('(b) 60 wrong codes at once over 3 logins of one user: at most 5 reach Authy, every visit ends locked', async () => {
    // Authy answers after 300 ms; on a loaded machine that can pass the tests' 600 ms timeout, and a
    // timed-out check rightly counts no failure. A wider timeout keeps this test about the race.
    const server = await buildSecurityServer({ env: { AUTHY_TIMEOUT_MS: '3000' } });
    const authy = slowVerify({ delayMs: 300 });
    const tokens: string[] = [];
    const visits: Visit[] = [];
    for (let n = 0; n < 3; n += 1) {
      // Three logins, one second apart (three outbound tokens, as the Action mints them).
      const token = mintOutbound({ authyId: AUTHY_ID, at: server.clock.ms });
      const visit = new Visit(server.app);
      expect(headingOf((await visit.start(token)).body)).toBe('Enter your code');
      tokens.push(token);
      visits.push(visit);
      server.clock.advance(1);
    }

    const codes = Array.from({ length: 60 }, (_, n) => wrong(n));
    const answers = await Promise.all(codes.map((code, n) => visits[n % 3].postRaw('/2fa/verify', { code })));

    expect(answers.map((a) => [a.statusCode, a.headers.location])).toEqual(codes.map(() => [303, '/2fa/flow']));
    expect(authy.calls).toBe(MAX_FAILURES);
    const pages: Page[] = [];
    for (const visit of visits) {
      // The visit that took the fifth wrong answer shows the lock at once; the others on their next try.
      let page = await visit.show();
      if (headingOf(page.body) !== LOCKED) page = await visit.post('/2fa/verify', { code: RIGHT });
      expect(headingOf(page.body)).toBe(LOCKED);
      expect(resultOutcomesOf(page.body, server.clock.ms).map((o) => o.kind)).toEqual(['locked']);
      pages.push(page);
    }
    expect(authy.calls).toBe(MAX_FAILURES);
    // A fourth login of the user starts locked, without asking Authy.
    const fourth = new Visit(server.app);
    expect(headingOf((await fourth.start(mintOutbound({ authyId: AUTHY_ID, at: server.clock.ms }))).body)).toBe(LOCKED);
    expect(authy.calls).toBe(MAX_FAILURES);
    expectQuietLogs(server.logs, [...tokens, ...codes, ...visits.flatMap((v) => [v.cookie, v.csrf]), ...pageSecrets(pages)]);
  });

  test('(c) 11 wrong codes, then 100 ms later the right one, over 12 logins of one user: no verified result', async () => {
    const server = await buildSecurityServer();
    const authy = slowVerify({ delayMs: 300, right: [RIGHT] });
    const tokens: string[] = [];
    const guesses: Promise<Page>[] = [];
    const visits: Visit[] = [];
    // Each login opens its visit and sends its guess; the next login starts once that guess is
    // at Authy (or refused). A user keeps 3 open visits, so older visits are dropped while their
    // guesses are still at Authy: their answers then say the session ended, and the wrong
    // guesses still count. (Opened all at once, most visits would be dropped before they guess.)
    for (let n = 0; n < 11; n += 1) {
      const token = mintOutbound({ authyId: AUTHY_ID });
      const visit = new Visit(server.app);
      expect(headingOf((await visit.start(token)).body)).toBe('Enter your code');
      tokens.push(token);
      visits.push(visit);
      const guess = visit.postRaw('/2fa/verify', { code: wrong(n) });
      guesses.push(guess);
      // The clock stands still: the guesses are in flight together, well within their hold.
      await untilInFlight(guess, () => authy.calls);
    }
    const rightToken = mintOutbound({ authyId: AUTHY_ID });
    const rightVisit = new Visit(server.app);
    expect(headingOf((await rightVisit.start(rightToken)).body)).toBe('Enter your code');
    await sleep(100);
    guesses.push(rightVisit.postRaw('/2fa/verify', { code: RIGHT }));
    const answers = await Promise.all(guesses);

    expectGuessAnswers(answers);
    expect(authy.calls).toBeLessThanOrEqual(MAX_FAILURES);
    expect(authy.codes).not.toContain(RIGHT);
    const pages: Page[] = [...answers];
    for (const visit of [...visits, rightVisit]) pages.push(await visit.show());
    // The attacker tries the right code again once the wrong ones have settled: the user is locked.
    const again = await rightVisit.post('/2fa/verify', { code: RIGHT });
    pages.push(again);
    expect(headingOf(again.body)).toBe(LOCKED);
    expect(resultOutcomesOf(again.body, server.clock.ms).map((o) => o.kind)).toEqual(['locked']);
    expectNoVerifiedResult(pages, server.clock.ms);
    expect(authy.codes).not.toContain(RIGHT);
    expect((await server.store.getCounter(COUNTER, server.clock.ms)).failures).toBe(MAX_FAILURES);
    expectQuietLogs(server.logs, [...tokens, rightToken, RIGHT, ...visits.flatMap((v) => [v.cookie, v.csrf]), ...pageSecrets(pages)]);
  });
});

describe('race through the sandbox: the real Action, 12 logins of one user', () => {
  let env: SecuritySandbox;
  beforeAll(async () => {
    hideActionLog();
    env = await startSecuritySandbox();
  });
  afterAll(async () => {
    await env.stop();
    jest.restoreAllMocks();
  });

  test('(d) 11 wrong codes, then the right one, in 12 parallel logins: no ID token carries the second_factor claim', async () => {
    const claim = `${env.sandbox.urls.forms}/second_factor`;
    const [user] = env.sandbox.users;
    const phoneNumber = '2015550123';

    // Alice enrolls once, with the right code: the one login that may pass.
    const enrolling = new SandboxLogin(env, '127.0.0.2');
    await enrolling.open(await enrolling.signIn(user.email, user.password));
    await enrolling.submit('/2fa/enroll', { country: 'US', phone: phoneNumber });
    // By SMS, so that the app's current code stays unused for the attack's right code.
    await enrolling.submit('/2fa/send', { channel: 'sms' });
    await enrolling.submit('/2fa/verify', { code: await smsCode(env, phoneNumber) });
    const enrolled = await enrolling.finish();
    expect(enrolled.idTokenClaims?.[claim]).toEqual({ provider: 'authy', method: 'sms' });

    // Twelve browsers (each its own address) log in with the password; the Action sends each to the forms server.
    const logins = Array.from({ length: 12 }, (_, n) => new SandboxLogin(env, `127.0.0.${10 + n}`));
    const links = await Promise.all(logins.map((login) => login.signIn(user.email, user.password)));

    // Authy answers slowly from now on (the emulator's hang fault); its remaining count tells how many calls arrived.
    await queueFault(env, { kind: 'hang', delay_ms: 400, count: 100 });
    const wrongs = await wrongCodes(env, phoneNumber, 11);
    const guesses: Promise<unknown>[] = [];
    for (let n = 0; n < 11; n += 1) {
      const login = logins[n];
      await login.open(links[n] ?? '');
      // On a loaded machine the first guesses may have settled already: a login opened after the
      // lock starts on the lock page, with nothing left to guess.
      if (headingOf(login.page?.body ?? '') === LOCKED) continue;
      const guess = login.submit('/2fa/verify', { code: wrongs[n] ?? '' });
      guesses.push(guess);
      await untilInFlight(guess, async () => -(await faultsRemaining(env)), 5);
    }
    const last = logins[11];
    await last.open(links[11] ?? '');
    const right = await appCode(env, phoneNumber);
    await sleep(100);
    if (headingOf(last.page?.body ?? '') !== LOCKED) guesses.push(last.submit('/2fa/verify', { code: right }));
    await Promise.all(guesses);
    const reached = 100 - (await faultsRemaining(env));
    await clearFaults(env);

    expect(reached).toBeLessThanOrEqual(MAX_FAILURES);
    // The right code again, after the wrong ones settled: the user is locked by now.
    if (!last.continueForm()) await last.submit('/2fa/verify', { code: right });
    expect(headingOf(last.page?.body ?? '')).toBe(LOCKED);

    const ends = [];
    for (const login of logins) {
      const status = login.page?.status ?? 0;
      expect(status).toBeLessThan(500);
      if (login.continueForm()) ends.push(await login.finish());
    }
    expect(ends.length).toBeGreaterThan(0);
    for (const end of ends) {
      expect(end.callback.searchParams.get('error')).toBe('access_denied');
      expect(end.idTokenClaims).toBeNull();
    }
    // No page of any login carried a verified result.
    const results = logins.flatMap((login) =>
      login.browser.history.flatMap((answer) => [...answer.body.matchAll(/name="session_token" value="([^"]*)"/g)].map((m) => m[1])),
    );
    for (const token of results) {
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { result?: string };
      expect(payload.result).not.toBe('verified');
    }
  }, 30_000);
});
