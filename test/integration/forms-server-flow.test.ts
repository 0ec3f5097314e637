/**
 * The forms server's visit, through `inject` with Authy intercepted by nock: enrollment, the
 * code page, resends, wrong codes and the lock, cancel and push, ending each time on the page
 * that POSTs a signed result to the trusted tenant's /continue.
 */
import nock from 'nock';
import {
  AUTHY_ID,
  Clock,
  EMAIL,
  FORMS_ORIGIN,
  MemoryStore,
  SECOND_TENANT_HOST,
  STATE,
  TENANT_HOST,
  USER,
  Visit,
  alertsOf,
  authy,
  authyCall,
  authyRegister,
  authyStatus,
  authyReplies,
  authySms,
  authyVerify,
  buildTestServer,
  continueFormOf,
  decodeResult,
  expectNoInlineScript,
  expectSecurityHeaders,
  headingOf,
  mintOutbound,
  resultClaims,
  statusesOf,
  triesLeftText,
  guardAuthyCalls,
  type Page,
} from '../helpers/forms';

const authyGuard = guardAuthyCalls();

function continueOf(page: Page) {
  const form = continueFormOf(page.body);
  if (!form) throw new Error(`no continue form on page "${headingOf(page.body)}"`);
  return form;
}

describe('a user who is not enrolled', () => {
  test('enroll page → phone → code page → right code → done page with a verified, enrolled result', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    const enroll = await visit.start(mintOutbound());
    expect(enroll.statusCode).toBe(200);
    expectSecurityHeaders(enroll);
    expect(headingOf(enroll.body)).toBe('Protect your account');
    // Labelled fields: country select and a telephone input with the national-number autocomplete.
    expect(enroll.body).toMatch(/<label for="country">Country<\/label>/);
    expect(enroll.body).toMatch(/<select id="country" name="country"/);
    expect(enroll.body).toMatch(/<option value="US" selected>/);
    expect(enroll.body).toMatch(/<option value="DE">Germany \(\+49\)<\/option>/);
    expect(enroll.body).toMatch(/<label for="phone">Mobile number<\/label>/);
    const phoneInput = /<input id="phone"[^>]*>/.exec(enroll.body)?.[0] ?? '';
    expect(phoneInput).toContain('type="tel"');
    expect(phoneInput).toContain('autocomplete="tel-national"');
    expect(phoneInput).toContain('name="phone"');
    expect(visit.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);

    authyRegister({ email: EMAIL, cellphone: '2015550123', countryCode: '1' }).reply(200, authyReplies.userCreated(1234));
    authyStatus('1234', true);
    const code = await visit.post('/2fa/enroll', { country: 'US', phone: '(201) 555-0123' });
    expect(code.statusCode).toBe(200);
    expect(headingOf(code.body)).toBe('Enter your code');
    expect(code.body).toContain('Your number is registered.');
    const codeInput = /<input id="code"[^>]*>/.exec(code.body)?.[0] ?? '';
    expect(codeInput).toContain('autocomplete="one-time-code"');
    expect(codeInput).toContain('inputmode="numeric"');
    expect(code.body).toMatch(/<label for="code">Verification code<\/label>/);
    // A number registered a minute ago has no app to push to.
    expect(code.body).not.toContain('action="/2fa/push"');
    expect(code.body).toContain('action="/2fa/change-number"');

    authyVerify('1234567').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '123 4567' });
    expect(done.statusCode).toBe(200);
    expectSecurityHeaders(done);
    expectNoInlineScript(done.body);
    expect(done.body).toMatch(/<script src="\/2fa\/static\/continue\.js" defer><\/script>/);
    expect(done.body).toContain('<button type="submit" class="primary">Continue</button>');
    const form = continueOf(done);
    expect(form.action).toBe(`https://${TENANT_HOST}/continue`);
    expect(form.state).toBe(STATE);
    const result = decodeResult(form.sessionToken, clock.ms);
    expect(result).toMatchObject({
      issuer: FORMS_ORIGIN,
      audience: TENANT_HOST,
      userId: USER,
      state: STATE,
      issuedAtSec: clock.seconds(),
      expiresAtSec: clock.seconds() + 120,
      outcome: { kind: 'verified', method: 'app', authyId: AUTHY_ID, enrolledNow: true, approvalUuid: null },
    });
    expect(resultClaims(form.sessionToken)).toMatchObject({ result: 'verified', enrolled: true, method: 'app', failures: 0 });
    // The done page's CSP has no form-action (the POST to /continue redirects to the application,
    // and browsers check form-action on that redirect too), and still no inline script.
    const csp = String(done.headers['content-security-policy']);
    expect(csp).not.toContain('form-action');
    expect(csp).toContain("script-src 'self'");
  });
});

describe('an enrolled user', () => {
  test('goes straight to the code page (with push), and a right code gives a verified result that is not an enrollment', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    const page = await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    expect(page.statusCode).toBe(200);
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(page.body).toContain('Open the Authy app on your phone');
    expect(page.body).toContain('action="/2fa/push"');
    expect(page.body).not.toContain('action="/2fa/change-number"');
    expect(page.body).not.toContain('action="/2fa/enroll"');

    authyVerify('7654321').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '7654321' });
    const result = decodeResult(continueOf(done).sessionToken, clock.ms);
    expect(result.outcome).toEqual({ kind: 'verified', method: 'app', authyId: AUTHY_ID, enrolledNow: false, approvalUuid: null });
    expect(result.userId).toBe(USER);
  });

  test('SMS, then a call: each with force=true and the key; a second ask within 30 s shows the wait notice and calls nobody', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));

    const sms = authySms().reply(200, authyReplies.smsSent);
    let page = await visit.post('/2fa/send', { channel: 'sms' });
    expect(sms.isDone()).toBe(true);
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(statusesOf(page.body)).toEqual(['We sent a code by text message.']);

    clock.advance(10);
    page = await visit.post('/2fa/send', { channel: 'sms' });
    expect(alertsOf(page.body)).toEqual(['Please wait 20 seconds before asking for another code.']);
    clock.advance(5);
    page = await visit.post('/2fa/send', { channel: 'call' });
    expect(alertsOf(page.body)).toEqual(['Please wait 15 seconds before asking for another code.']);

    clock.advance(15);
    const call = authyCall().reply(200, authyReplies.callStarted);
    page = await visit.post('/2fa/send', { channel: 'call' });
    expect(call.isDone()).toBe(true);
    expect(statusesOf(page.body)).toEqual(['We are calling your phone with a code.']);
    expect(alertsOf(page.body)).toEqual([]);

    authyVerify('1122334').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '1122334' });
    expect(decodeResult(continueOf(done).sessionToken, clock.ms).outcome).toMatchObject({ kind: 'verified', method: 'call' });
  });

  test('a request without force=true or without the API key would not match: the interceptors insist on both', async () => {
    // Guard for the other tests: a plain GET without force=true reaches no interceptor.
    const scope = authySms().reply(200, authyReplies.smsSent);
    const withoutForce = await fetch('https://api.authy.com/protected/json/sms/1234', {
      headers: { 'X-Authy-API-Key': 'authy-test-api-key-d41d8cd98f00b204' },
    }).catch((error: unknown) => error);
    expect(withoutForce).toBeInstanceOf(Error);
    const withoutKey = await fetch('https://api.authy.com/protected/json/sms/1234?force=true').catch((error: unknown) => error);
    expect(withoutKey).toBeInstanceOf(Error);
    expect(scope.isDone()).toBe(false);
    expect(authyGuard.unmatched).toHaveLength(2);
    authyGuard.unmatched.length = 0;
    nock.cleanAll();
  });

  test('after five asks the visit refuses more SMS or calls', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authySms().times(5).reply(200, authyReplies.smsSent);
    for (let i = 0; i < 5; i += 1) {
      const page = await visit.post('/2fa/send', { channel: 'sms' });
      expect(statusesOf(page.body)).toEqual(['We sent a code by text message.']);
      clock.advance(31);
    }
    const page = await visit.post('/2fa/send', { channel: 'sms' });
    expect(alertsOf(page.body)).toEqual(['You have asked for too many codes. Use the Authy app or try again later.']);
  });

  test('wrong code twice, then right: the page says how many tries are left, and success clears the counter', async () => {
    const { app, clock, store } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authyVerify('1111111').reply(401, authyReplies.tokenInvalid);
    let page = await visit.post('/2fa/verify', { code: '1111111' });
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(alertsOf(page.body)).toEqual([triesLeftText(4)]);
    expect(page.body).toContain('aria-invalid=true');
    expect(page.body).toMatch(/aria-describedby="code-hint notice"/);

    authyVerify('2222222').reply(401, authyReplies.tokenInvalid);
    page = await visit.post('/2fa/verify', { code: '2222222' });
    expect(alertsOf(page.body)).toEqual([triesLeftText(3)]);
    expect(continueFormOf(page.body)).toBeNull();
    expect((await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).failures).toBe(2);

    // A notice is shown once: reloading the page drops it.
    page = await visit.show();
    expect(alertsOf(page.body)).toEqual([]);

    authyVerify('3333333').reply(200, authyReplies.tokenValid);
    page = await visit.post('/2fa/verify', { code: '3333333' });
    expect(decodeResult(continueOf(page).sessionToken, clock.ms).outcome.kind).toBe('verified');
    expect(await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).toEqual({ failures: 0, inFlight: 0, lockedUntilMs: null });
  });

  test('a code Authy says was already used (60019) is not a guess: no try lost, and the page says to wait for the next code', async () => {
    const { app, store, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authyVerify('4444444').reply(401, authyReplies.tokenReused);
    const page = await visit.post('/2fa/verify', { code: '4444444' });
    expect(alertsOf(page.body)).toEqual(['That code was already used. No try was lost: wait for the next code, then enter it.']);
    expect(continueFormOf(page.body)).toBeNull();
    expect(await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).toEqual({ failures: 0, inFlight: 0, lockedUntilMs: null });
  });

  test('failures reported by the Action count: with 3 already, one wrong code leaves 1 try', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, failures: 3 }));
    authyVerify('1111111').reply(401, authyReplies.tokenInvalid);
    const page = await visit.post('/2fa/verify', { code: '1111111' });
    expect(alertsOf(page.body)).toEqual([triesLeftText(1, true)]);
  });
});

describe('the lock', () => {
  async function startedVisit(app: Visit['app']): Promise<Visit> {
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    return visit;
  }

  async function fiveWrong(visit: Visit): Promise<Page> {
    authyVerify('9999999').times(5).reply(401, authyReplies.tokenInvalid);
    let page: Page | null = null;
    for (let left = 4; left >= 0; left -= 1) {
      page = await visit.post('/2fa/verify', { code: '9999999' });
      if (left > 0) expect(alertsOf(page.body)).toEqual([triesLeftText(left)]);
    }
    return page as Page;
  }

  test('five wrong codes lock: the page says until when, and its form posts a locked result', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    const locked = await fiveWrong(visit);
    expect(locked.statusCode).toBe(200);
    expectSecurityHeaders(locked);
    expectNoInlineScript(locked.body);
    expect(headingOf(locked.body)).toBe('Too many wrong codes');
    expect(alertsOf(locked.body)).toEqual([
      'For your security, two-step verification is locked until 2030-01-01 12:15 UTC (in 15 minutes). Please come back then.',
    ]);
    expect(locked.body).not.toContain('action="/2fa/verify"');
    const form = continueOf(locked);
    expect(form.action).toBe(`https://${TENANT_HOST}/continue`);
    expect(form.state).toBe(STATE);
    const result = decodeResult(form.sessionToken, clock.ms);
    expect(result.outcome).toEqual({ kind: 'locked', failures: 5, lockedUntilSec: clock.seconds() + 900 });
    expect(resultClaims(form.sessionToken)).toMatchObject({ result: 'locked', failures: 5, locked_until: clock.seconds() + 900 });
    expect(resultClaims(form.sessionToken)).not.toHaveProperty('authy_id');

    // The locked visit's old code form, replayed: still locked, and Authy is not asked.
    const replay = await visit.post('/2fa/verify', { code: '1234567' });
    expect(headingOf(replay.body)).toBe('Too many wrong codes');
  });

  test.each([
    ['fr', 'Pour votre sécurité, la vérification en deux étapes est bloquée jusqu’à 2030-01-01 12:15 UTC (dans 14 minutes).'],
    ['pt-PT', 'Para sua segurança, a verificação em duas etapas está bloqueada até 2030-01-01 12:15 UTC (em 14 minutos).'],
    ['it', 'Per la tua sicurezza, la verifica in due passaggi è bloccata fino a 2030-01-01 12:15 UTC (tra 14 minuti).'],
    ['nl', 'Voor je veiligheid is verificatie in twee stappen geblokkeerd tot 2030-01-01 12:15 UTC (over 14 minuten).'],
    ['es', 'Por su seguridad, la verificación en dos pasos está bloqueada hasta las 2030-01-01 12:15 UTC (dentro de 14 minutos).'],
    ['de', 'Zu Ihrer Sicherheit ist die Bestätigung in zwei Schritten bis 2030-01-01 12:15 UTC gesperrt (in 14 Minuten).'],
  ])('the locked page of a later login (locale %s) tells the time left in its language, and the UTC time', async (locale, intro) => {
    const { app, clock } = await buildTestServer();
    await fiveWrong(await startedVisit(app));
    clock.advance(60);
    const page = await new Visit(app).start(mintOutbound({ authyId: AUTHY_ID, at: clock.ms, locale }), 'state-login-2');
    expect(alertsOf(page.body)[0]).toContain(intro);
  });

  test('the lock holds across logins (a new outbound token, the same store, even another replica) until it ends', async () => {
    const store = new MemoryStore();
    const clock = new Clock();
    const first = await buildTestServer({ store, clock });
    const visit = new Visit(first.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    await fiveWrong(visit);

    clock.advance(60);
    // The Action reports no failures (it may not have stored them yet): the server's counter decides.
    const again = new Visit(first.app);
    const page = await again.start(mintOutbound({ authyId: AUTHY_ID, at: clock.ms, failures: 0 }), 'state-login-2');
    expect(headingOf(page.body)).toBe('Too many wrong codes');
    expect(decodeResult(continueOf(page).sessionToken, clock.ms).outcome).toMatchObject({
      kind: 'locked',
      failures: 5,
      lockedUntilSec: Math.floor(first.clock.ms / 1000) - 60 + 900,
    });
    // The locked page offers no form back into the flow (no CSRF token to post a code with).
    expect(again.csrf).toBeNull();
    expect(page.body).not.toContain('name="csrf"');

    const replica = await buildTestServer({ store, clock });
    const third = new Visit(replica.app);
    expect(headingOf((await third.start(mintOutbound({ authyId: AUTHY_ID, at: clock.ms }), 'state-login-3')).body)).toBe(
      'Too many wrong codes',
    );

    // Another user of the same tenant is not affected.
    const other = new Visit(first.app);
    expect(headingOf((await other.start(mintOutbound({ authyId: '5678', sub: 'auth0|someone-else', at: clock.ms }))).body)).toBe(
      'Enter your code',
    );

    clock.advance(900);
    const after = new Visit(first.app);
    const fresh = await after.start(mintOutbound({ authyId: AUTHY_ID, at: clock.ms }), 'state-login-4');
    expect(headingOf(fresh.body)).toBe('Enter your code');
    authyVerify('9999999').reply(401, authyReplies.tokenInvalid);
    expect(alertsOf((await after.post('/2fa/verify', { code: '9999999' })).body)).toEqual([triesLeftText(4)]);
  });

  test('a replayed older form (same CSRF token) counts again and cannot reset the counter; a new login does not reset it either', async () => {
    const { app, clock, store } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    const firstCsrf = visit.csrf;
    authyVerify('1111111').times(3).reply(401, authyReplies.tokenInvalid);
    await visit.post('/2fa/verify', { code: '1111111' });
    await visit.post('/2fa/verify', { code: '1111111' });
    // The older form, posted again exactly as it was.
    const replay = await visit.post('/2fa/verify', { code: '1111111' }, { csrf: firstCsrf });
    expect(alertsOf(replay.body)).toEqual([triesLeftText(2)]);
    expect((await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).failures).toBe(3);

    // A new login whose token says 0 failures starts where the server left off.
    const next = new Visit(app);
    await next.start(mintOutbound({ authyId: AUTHY_ID, at: clock.ms, failures: 0 }), 'state-of-the-next-login');
    authyVerify('2222222').reply(401, authyReplies.tokenInvalid);
    expect(alertsOf((await next.post('/2fa/verify', { code: '2222222' })).body)).toEqual([triesLeftText(1, true)]);
  });

  test('lockout numbers come from the token: 3 tries, 60 seconds', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, maxFailures: 3, lockSeconds: 60 }));
    authyVerify('1111111').times(3).reply(401, authyReplies.tokenInvalid);
    expect(alertsOf((await visit.post('/2fa/verify', { code: '1111111' })).body)).toEqual([triesLeftText(2)]);
    expect(alertsOf((await visit.post('/2fa/verify', { code: '1111111' })).body)).toEqual([triesLeftText(1)]);
    const locked = await visit.post('/2fa/verify', { code: '1111111' });
    expect(decodeResult(continueOf(locked).sessionToken, clock.ms).outcome).toEqual({
      kind: 'locked',
      failures: 3,
      lockedUntilSec: clock.seconds() + 60,
    });
  });
});

describe('what a visit cannot do', () => {
  test('an enrolled user cannot register another number or change it in the visit', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    let page = await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    expect(headingOf(page.body)).toBe('Enter your code');
    page = await visit.post('/2fa/change-number');
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(page.body).not.toContain('action="/2fa/enroll"');
  });

  test('a number registered in this visit cannot be approved by push (there is no app yet), only by a code', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound());
    authyRegister().reply(200, authyReplies.userCreated(1234));
    authyStatus('1234', true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    let page = await visit.post('/2fa/push');
    expect(headingOf(page.body)).toBe('Enter your code');
    page = await visit.post('/2fa/push/check', { action: 'check' });
    expect(continueFormOf(page.body)).toBeNull();
  });

  test('a visit opened before another visit locked the user cannot verify a code afterwards', async () => {
    const { app, clock } = await buildTestServer();
    const early = new Visit(app);
    await early.start(mintOutbound({ authyId: AUTHY_ID }), 'state-early');
    clock.advance(5);
    const locking = new Visit(app);
    await locking.start(mintOutbound({ authyId: AUTHY_ID, at: clock.ms }), 'state-locking');
    authyVerify('9999999').times(5).reply(401, authyReplies.tokenInvalid);
    for (let i = 0; i < 5; i += 1) await locking.post('/2fa/verify', { code: '9999999' });
    // The early visit's right code never reaches Authy: the lock is checked first.
    const page = await early.post('/2fa/verify', { code: '1234567' });
    expect(headingOf(page.body)).toBe('Too many wrong codes');
    expect(decodeResult(continueOf(page).sessionToken, clock.ms).outcome.kind).toBe('locked');
  });

  test('a visit opened before another visit locked the user cannot ask for SMS or calls afterwards', async () => {
    const { app, clock } = await buildTestServer();
    const early = new Visit(app);
    await early.start(mintOutbound({ authyId: AUTHY_ID }), 'state-early');
    const locking = new Visit(app);
    await locking.start(mintOutbound({ authyId: AUTHY_ID, at: clock.ms + 1000 }), 'state-locking');
    authyVerify('9999999').times(5).reply(401, authyReplies.tokenInvalid);
    for (let i = 0; i < 5; i += 1) await locking.post('/2fa/verify', { code: '9999999' });
    // No SMS interceptor: a send reaching Authy would fail the test (net connect is disabled).
    const page = await early.post('/2fa/send', { channel: 'sms' });
    expect(headingOf(page.body)).toBe('Too many wrong codes');
    expect(decodeResult(continueOf(page).sessionToken, clock.ms).outcome.kind).toBe('locked');
  });

  test('an enrolled user Authy no longer knows is told to have 2FA set up again (not "Authy is down")', async () => {
    const { app, store, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authyVerify('1234567').reply(404, {
      message: 'User not found.',
      success: false,
      errors: { message: 'User not found.' },
      error_code: '60026',
    });
    const page = await visit.post('/2fa/verify', { code: '1234567' });
    expect(alertsOf(page.body)).toEqual(['Your two-step verification needs to be set up again. Please contact support.']);
    expect(continueFormOf(page.body)).toBeNull();
    expect((await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).failures).toBe(0);
  });

  test('a user with no email cannot be registered (Authy needs one): a clean 400 page, no visit', async () => {
    const { app } = await buildTestServer();
    const page = await new Visit(app).start(mintOutbound({ email: '' }));
    expect(page.statusCode).toBe(400);
    expect(continueFormOf(page.body)).toBeNull();
  });
});

describe('cancel', () => {
  test('from the code page: a done page whose form posts a cancelled result with the failures so far', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authyVerify('1111111').reply(401, authyReplies.tokenInvalid);
    await visit.post('/2fa/verify', { code: '1111111' });
    const page = await visit.post('/2fa/cancel');
    expect(headingOf(page.body)).toBe('Sign-in cancelled');
    expectNoInlineScript(page.body);
    const form = continueOf(page);
    expect(form.action).toBe(`https://${TENANT_HOST}/continue`);
    const result = decodeResult(form.sessionToken, clock.ms);
    expect(result.outcome).toEqual({ kind: 'cancelled', failures: 1 });
    expect(result.state).toBe(STATE);
    // Once over, the visit stays over: a code posted now changes nothing and asks no one.
    const after = await visit.post('/2fa/verify', { code: '1234567' });
    expect(headingOf(after.body)).toBe('Sign-in cancelled');
  });

  test('from the enrollment page', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound());
    const page = await visit.post('/2fa/cancel');
    expect(decodeResult(continueOf(page).sessionToken, clock.ms).outcome).toEqual({ kind: 'cancelled', failures: 0 });
  });
});

describe('enrollment details', () => {
  test('"use another number" goes back to the phone page; the new number is registered', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ locale: 'de' }));
    authyRegister({ email: EMAIL, cellphone: '15123456789', countryCode: '49' }).reply(200, authyReplies.userCreated(777));
    authyStatus('777', true);
    let page = await visit.post('/2fa/enroll', { country: 'DE', phone: '0151 23456789' });
    expect(headingOf(page.body)).toBe('Code eingeben');
    page = await visit.post('/2fa/change-number');
    expect(page.body).toContain('action="/2fa/enroll"');
    authyRegister({ email: EMAIL, cellphone: '2015550123', countryCode: '1' }).reply(200, authyReplies.userCreated(778));
    authyStatus('778', true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '201-555-0123' });
    authyVerify('1234567', '778').reply(200, authyReplies.tokenValid);
    page = await visit.post('/2fa/verify', { code: '1234567' });
    expect(decodeResult(continueOf(page).sessionToken).outcome).toMatchObject({ kind: 'verified', authyId: '778', enrolledNow: true });
  });

  test('Authy refusing the number is told in plain words, and the phone page stays', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound());
    authyRegister().reply(400, authyReplies.invalidPhone);
    const page = await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    expect(page.body).toContain('action="/2fa/enroll"');
    expect(alertsOf(page.body)).toHaveLength(1);
    expect(page.body).not.toContain('60027');
    expect(page.body).not.toContain('User was not valid');
  });

  test('pages follow the login locale: Spanish, German (country preselected from the region), English as the fallback', async () => {
    const { app } = await buildTestServer();
    const es = await new Visit(app).start(mintOutbound({ locale: 'es' }));
    expect(es.body).toContain('<html lang="es">');
    expect(es.body).not.toContain('Protect your account');
    const de = await new Visit(app).start(mintOutbound({ locale: 'de-AT', sub: 'auth0|de' }));
    expect(de.body).toContain('<html lang="de">');
    expect(headingOf(de.body)).toBe('Schützen Sie Ihr Konto');
    expect(de.body).toMatch(/<option value="AT" selected>/);
    const sv = await new Visit(app).start(mintOutbound({ locale: 'sv', sub: 'auth0|sv' }));
    expect(sv.body).toContain('<html lang="en">');
    expect(headingOf(sv.body)).toBe('Protect your account');
  });

  test.each([
    ['fr', 'fr', 'Protégez votre compte', 'FR'],
    ['fr-CA', 'fr', 'Protégez votre compte', 'CA'],
    ['pt-BR', 'pt-BR', 'Proteja sua conta', 'BR'],
    ['pt', 'pt-BR', 'Proteja sua conta', 'BR'],
    ['pt-PT', 'pt-BR', 'Proteja sua conta', 'PT'],
    ['it', 'it', 'Proteggi il tuo account', 'IT'],
    ['nl-BE', 'nl', 'Bescherm je account', 'BE'],
  ])('the enrollment page for the locale %s is in %s, its country preselected', async (locale, lang, heading, country) => {
    const { app } = await buildTestServer();
    const page = await new Visit(app).start(mintOutbound({ locale, sub: `auth0|${locale}` }));
    expect(page.body).toContain(`<html lang="${lang}">`);
    expect(headingOf(page.body)).toBe(heading);
    expect(page.body).toMatch(new RegExp(`<option value="${country}" selected>`));
  });

  // A locale the token contract accepts but Intl rejects (the Action passes the login's
  // ui_locales through) once made the enrollment page a 500.
  test('a locale Intl does not accept (en-a1) still gives the enrollment page, in English', async () => {
    const { app } = await buildTestServer();
    const page = await new Visit(app).start(mintOutbound({ locale: 'en-a1' }));
    expect(page.statusCode).toBe(200);
    expect(headingOf(page.body)).toBe('Protect your account');
  });

  test('a locale Intl does not accept (en-a1) is fine on the code page', async () => {
    const { app } = await buildTestServer();
    const page = await new Visit(app).start(mintOutbound({ locale: 'en-a1', authyId: AUTHY_ID }));
    expect(page.statusCode).toBe(200);
    expect(headingOf(page.body)).toBe('Enter your code');
  });

  test('a second trusted tenant: the form goes back to that tenant, and the result is for it', async () => {
    const { app, clock } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, iss: SECOND_TENANT_HOST, continueHost: SECOND_TENANT_HOST }));
    authyVerify('1234567').reply(200, authyReplies.tokenValid);
    const page = await visit.post('/2fa/verify', { code: '1234567' });
    const form = continueOf(page);
    expect(form.action).toBe(`https://${SECOND_TENANT_HOST}/continue`);
    expect(decodeResult(form.sessionToken, clock.ms).audience).toBe(SECOND_TENANT_HOST);
  });
});

describe('push (OneTouch)', () => {
  const UUID = 'f5c9c1a0-4b8e-0137-5d2b-0e8d2b6b1c3a';

  async function pushVisit() {
    const server = await buildTestServer();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    authy()
      .post(
        `/onetouch/json/users/${AUTHY_ID}/approval_requests`,
        (body: Record<string, string>) => body.message === 'Two-step verification' && body.seconds_to_expire === '120',
      )
      .reply(200, authyReplies.approvalCreated(UUID));
    const page = await visit.post('/2fa/push');
    expect(headingOf(page.body)).toBe('Approve the request');
    expectSecurityHeaders(page);
    return { ...server, visit };
  }

  function status(value: 'pending' | 'approved' | 'denied' | 'expired', owner = 1234) {
    return authy()
      .get(`/onetouch/json/approval_requests/${UUID}`)
      .reply(200, authyReplies.approvalStatus(value, UUID, owner));
  }

  test('pending, then approved: a verified push result naming the approval request', async () => {
    const { visit, clock } = await pushVisit();
    status('pending');
    let page = await visit.post('/2fa/push/check', { action: 'check' });
    expect(headingOf(page.body)).toBe('Approve the request');
    expect(statusesOf(page.body)).toEqual(['The request is not approved yet. Approve it in the Authy app, then try again.']);
    status('approved');
    page = await visit.post('/2fa/push/check', { action: 'check' });
    const result = decodeResult(continueOf(page).sessionToken, clock.ms);
    expect(result.outcome).toEqual({ kind: 'verified', method: 'push', authyId: AUTHY_ID, enrolledNow: false, approvalUuid: UUID });
  });

  test('denied: back to the code page, counted as a wrong answer', async () => {
    const { visit, store, clock } = await pushVisit();
    status('denied');
    const page = await visit.post('/2fa/push/check', { action: 'check' });
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(alertsOf(page.body)).toEqual(['The request was denied in the Authy app. 4 tries left.']);
    expect((await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).failures).toBe(1);
    expect(continueFormOf(page.body)).toBeNull();
  });

  test('expired (abandoned): back to the code page with a notice, counted as a failure', async () => {
    const { visit, store, clock } = await pushVisit();
    status('expired');
    const page = await visit.post('/2fa/push/check', { action: 'check' });
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(alertsOf(page.body)).toEqual(['The request expired. 4 tries left. Send a new one or enter a code.']);
    expect((await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).failures).toBe(1);
  });

  test("an approval that belongs to another Authy user is not this user's login", async () => {
    const { visit } = await pushVisit();
    status('approved', 999);
    const page = await visit.post('/2fa/push/check', { action: 'check' });
    expect(continueFormOf(page.body)).toBeNull();
    expect(headingOf(page.body)).toBe('Approve the request');
    expect(alertsOf(page.body)).toHaveLength(1);
  });

  test('"enter a code instead" ends the pending request without asking Authy, and counts it as a failure', async () => {
    const { visit, store, clock } = await pushVisit();
    const page = await visit.post('/2fa/push/check', { action: 'back' });
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(alertsOf(page.body)).toEqual(['The request was withdrawn. 4 tries left.']);
    expect(await store.getCounter(`${TENANT_HOST}|${USER}`, clock.ms)).toEqual({ failures: 1, inFlight: 0, lockedUntilMs: null });
  });
});
