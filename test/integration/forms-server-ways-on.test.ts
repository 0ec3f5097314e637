/**
 * No dead ends: every error page of the forms server offers a way on. A link known but not this
 * browser's (used elsewhere, expired) posts a cancelled result back to the application; an error
 * inside a visit links back to the visit's page; nothing known says to close the tab. And a new
 * user without the Authy app gets the first code by SMS at once, worded for SMS.
 */
import {
  AUTHY_ID,
  STATE,
  TENANT_HOST,
  alertsOf,
  authy,
  authyRegister,
  authyReplies,
  authySms,
  authyStatus,
  authyVerify,
  buildTestServer,
  continueFormOf,
  decodeResult,
  guardAuthyCalls,
  headingOf,
  mintOutbound,
  OTHER_SECRET,
  Visit,
} from '../helpers/forms';

guardAuthyCalls();

const CLOSE_TAB = 'Close this tab, then sign in again from the application.';

describe('ways on from error pages', () => {
  test('a used link, opened in another browser: "already used", and a button that cancels that login back to the application', async () => {
    const { app } = await buildTestServer();
    const token = mintOutbound({ authyId: AUTHY_ID });
    await new Visit(app).start(token);
    const other = await new Visit(app).start(token);
    expect(other.statusCode).toBe(409);
    expect(headingOf(other.body)).toBe('This link was already used');
    const form = continueFormOf(other.body);
    expect(form).toMatchObject({ action: `https://${TENANT_HOST}/continue`, state: STATE });
    expect(decodeResult(form?.sessionToken ?? '').outcome).toEqual({ kind: 'cancelled', failures: 0 });
  });

  test('an expired link says it expired, and its login can still be cancelled back to the application', async () => {
    const { app, clock } = await buildTestServer();
    const token = mintOutbound({ authyId: AUTHY_ID, failures: 2 });
    clock.advance(700);
    const page = await new Visit(app).start(token);
    expect(page.statusCode).toBe(400);
    expect(alertsOf(page.body)).toEqual([
      'This sign-in link has expired: each link works for 10 minutes. Go back to the application and sign in again.',
    ]);
    const form = continueFormOf(page.body);
    expect(form?.state).toBe(STATE);
    expect(decodeResult(form?.sessionToken ?? '', clock.ms).outcome).toEqual({ kind: 'cancelled', failures: 2 });
  });

  test.each([
    ['forged', () => mintOutbound({ authyId: AUTHY_ID, secret: OTHER_SECRET })],
    ['garbage', () => 'not-a-token'],
  ])('a %s link: nothing is known, so the page says to close the tab (and offers no result)', async (_name, token) => {
    const { app } = await buildTestServer();
    const page = await new Visit(app).start(token());
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain(CLOSE_TAB);
    expect(continueFormOf(page.body)).toBeNull();
  });

  test('no visit (no cookie): the page says to close the tab', async () => {
    const { app } = await buildTestServer();
    const page = await app.inject({ method: 'GET', url: '/2fa/flow' });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain(CLOSE_TAB);
  });

  test('an error inside a visit (wrong CSRF token, unknown page) links back to the visit page, which has its own Cancel', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    const refused = await visit.post('/2fa/verify', { code: '1234567' }, { csrf: 'wrong' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('<a class="button primary" href="/2fa/flow">Back to the sign-in page</a>');
    expect(continueFormOf(refused.body)).toBeNull();
    const missing = await app.inject({ method: 'GET', url: '/2fa/nowhere', headers: { cookie: `authy2fa_flow=${visit.cookie ?? ''}` } });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('href="/2fa/flow"');
    const back = await visit.show();
    expect(headingOf(back.body)).toBe('Enter your code');
  });
});

describe('the first code of a new user without the Authy app', () => {
  const enrollAna = async (registered: boolean | 'unknown') => {
    const server = await buildTestServer();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound());
    authyRegister().reply(200, authyReplies.userCreated(Number(AUTHY_ID)));
    if (registered === 'unknown') authy().get(`/protected/json/users/${AUTHY_ID}/status`).reply(503, { success: false });
    else authyStatus(AUTHY_ID, registered);
    return { server, visit };
  };

  test('Authy says the user has no app: the code goes by SMS at once, the page says it was texted, and the SMS code signs in as "sms"', async () => {
    const { visit } = await enrollAna(false);
    authySms().reply(200, { success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX23' });
    const page = await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(page.body).toContain('We texted a code to your phone. Enter it here. A code from the Authy app works too.');
    expect(page.body).not.toContain('Enter the code from the Authy app');
    authyVerify('7654321').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '7654321' });
    const form = continueFormOf(done.body);
    expect(decodeResult(form?.sessionToken ?? '').outcome).toMatchObject({ kind: 'verified', method: 'sms', enrolledNow: true });
  });

  test('Authy says the user has the app: no SMS, the page asks for the app code', async () => {
    const { visit } = await enrollAna(true);
    const page = await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    expect(page.body).toContain('Your number is registered. Enter the code from the Authy app');
  });

  test('Authy cannot say (503): nothing is sent, the page offers the usual ways', async () => {
    const { visit } = await enrollAna('unknown');
    const page = await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    expect(page.body).toContain('Your number is registered. Enter the code from the Authy app');
  });

  test('"Text me a code" on the code page: the page then says the code was texted', async () => {
    const { visit } = await enrollAna(true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '2015550123' });
    authySms().reply(200, { success: true, message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX23' });
    const page = await visit.post('/2fa/send', { channel: 'sms' });
    expect(page.body).toContain('We texted a code to your phone.');
    expect(page.body).not.toContain('Enter the code from the Authy app');
  });
});

describe('earlier wrong codes count, and the code page says so', () => {
  test('3 wrong codes from earlier logins: "2 tries left, including earlier attempts", also after a wrong code', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    const page = await visit.start(mintOutbound({ authyId: AUTHY_ID, failures: 3 }));
    expect(page.body).toContain('2 tries left, including earlier attempts.');
    authyVerify('1111111').reply(401, authyReplies.tokenInvalid);
    const wrong = await visit.post('/2fa/verify', { code: '1111111' });
    expect(alertsOf(wrong.body)).toEqual(['That code is not right. 1 try left, including earlier attempts.']);
  });

  test('no earlier wrong codes: no such line', async () => {
    const { app } = await buildTestServer();
    const page = await new Visit(app).start(mintOutbound({ authyId: AUTHY_ID }));
    expect(page.body).not.toContain('including earlier attempts');
  });
});
