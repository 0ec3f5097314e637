/**
 * Recovery codes on the forms server, through `inject` with Authy intercepted by nock: the codes
 * an enrolling user is shown (page and download) go to the Action only as salted hashes, and only
 * with the first right code; an enrolled user asks for new ones the same way; "Lost your phone?"
 * takes a recovery code, counts it as a try, and sends it to the Action in a `recovery` result.
 */
import nock from 'nock';
import { matchRecoveryCode } from '../../lib/recovery-codes';
import { seal } from '../../lib/seal';
import {
  AUTHY_ID,
  EMAIL,
  FLOW_COOKIE,
  SECRET,
  USER,
  Visit,
  alertsOf,
  authyRegister,
  authyStatus,
  authyReplies,
  authyVerify,
  buildTestServer,
  continueFormOf,
  decodeResult,
  expectNoInlineScript,
  expectSecurityHeaders,
  guardAuthyCalls,
  headingOf,
  mintOutbound,
  resultClaims,
  statusesOf,
  type Page,
} from '../helpers/forms';
import { userKeyOf } from '../../forms-server/visit/visit';
import { TENANT_HOST } from '../helpers/forms';

guardAuthyCalls();

const CODE = /<li><code>([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})<\/code><\/li>/g;
const codesOn = (page: Page) => [...page.body.matchAll(CODE)].map((m) => m[1]);

function resultOf(page: Page) {
  const form = continueFormOf(page.body);
  if (!form) throw new Error(`no continue form on page "${headingOf(page.body)}"`);
  return form.sessionToken;
}

async function enrolled(claims: Record<string, number> = { recovery_left: 3 }, failures = 0) {
  const server = await buildTestServer();
  const visit = new Visit(server.app);
  const page = await visit.start(mintOutbound({ authyId: AUTHY_ID, failures, claims }));
  return { ...server, visit, page };
}

describe('new codes at enrollment', () => {
  test('the enrolling code page shows 10 codes; the first right code sends their hashes, never the codes', async () => {
    const { app, clock, logs } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound());
    authyRegister().reply(200, authyReplies.userCreated(1234));
    authyStatus('1234', true);
    const code = await visit.post('/2fa/enroll', { country: 'US', phone: '201 555 0123' });
    const codes = codesOn(code);
    expect(codes).toHaveLength(10);
    expect(code.body).toContain('Your recovery codes');
    expect(code.body).toContain('They start to work when you enter the code from your phone.');
    expect(code.body).toContain('<script src="/2fa/static/recovery.js" defer></script>');
    expectNoInlineScript(code.body);
    // The same codes again on a reload of the page (one set per visit).
    expect(codesOn(await visit.show())).toEqual(codes);

    // Without the visit's cookie there is nothing to download.
    expect((await app.inject({ method: 'GET', url: '/2fa/recovery-codes.txt' })).statusCode).toBe(400);
    const text = await app.inject({ method: 'GET', url: '/2fa/recovery-codes.txt', headers: { cookie: cookieOf(visit) } });
    expect(text.statusCode).toBe(200);
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.headers['content-disposition']).toBe('attachment; filename="recovery-codes.txt"');
    expect(text.headers['cache-control']).toBe('no-store');
    expect(text.body.split('\n').filter((line) => /^[0-9A-Z]{4}-/.test(line))).toEqual(codes);

    authyVerify('1234567').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '1234567' });
    expectSecurityHeaders(done);
    const token = resultOf(done);
    const result = decodeResult(token, clock.ms);
    expect(result.outcome).toMatchObject({ kind: 'verified', enrolledNow: true });
    expect(result.recoveryHashes).toHaveLength(10);
    for (const [i, shown] of codes.entries()) expect(matchRecoveryCode(result.recoveryHashes ?? [], shown)).toBe(i);
    const claims = JSON.stringify(resultClaims(token, clock.ms));
    for (const shown of codes) expect(claims).not.toContain(shown.replace(/-/g, ''));
    // Gone once the visit has ended, and never in a log line.
    const after = await app.inject({ method: 'GET', url: '/2fa/recovery-codes.txt', headers: { cookie: cookieOf(visit) } });
    expect(after.statusCode).toBe(404);
    expect(after.body).toContain('There are no recovery codes to download on this page.');
    for (const shown of codes) expect(logs.join('\n')).not.toContain(shown);
  });

  test('an enrollment that is cancelled sends no hashes', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound());
    authyRegister().reply(200, authyReplies.userCreated(1234));
    authyStatus('1234', true);
    await visit.post('/2fa/enroll', { country: 'US', phone: '201 555 0123' });
    const cancelled = await visit.post('/2fa/cancel');
    expect(resultClaims(resultOf(cancelled)).recovery_hashes).toBeUndefined();
  });
});

describe('new codes on request', () => {
  test('"Get new recovery codes" shows a set; the next right code sends their hashes', async () => {
    const { visit, page, clock } = await enrolled();
    expect(page.body).toContain('action="/2fa/recovery/new"');
    expect(codesOn(page)).toEqual([]);
    const asked = await visit.post('/2fa/recovery/new');
    const codes = codesOn(asked);
    expect(codes).toHaveLength(10);
    expect(asked.body).toContain('These new codes replace your old ones when you enter the code from your phone.');
    // A second press keeps the first set.
    expect(codesOn(await visit.post('/2fa/recovery/new'))).toEqual(codes);
    authyVerify('7654321').reply(200, authyReplies.tokenValid);
    const result = decodeResult(resultOf(await visit.post('/2fa/verify', { code: '7654321' })), clock.ms);
    expect(result.outcome).toMatchObject({ kind: 'verified', enrolledNow: false });
    expect(matchRecoveryCode(result.recoveryHashes ?? [], codes[0])).toBe(0);
  });

  test('without asking, a right code sends no hashes', async () => {
    const { visit, clock } = await enrolled();
    authyVerify('7654321').reply(200, authyReplies.tokenValid);
    expect(decodeResult(resultOf(await visit.post('/2fa/verify', { code: '7654321' })), clock.ms).recoveryHashes).toBeNull();
  });
});

describe('"Lost your phone?"', () => {
  test('the recovery page takes a code, checks the attempt limit, and sends it to the Action (which counts it)', async () => {
    const { visit, page, clock, store, logs } = await enrolled({ recovery_left: 3 }, 1);
    expect(page.body).toContain('Lost your phone? Use a recovery code');
    const recovery = await visit.post('/2fa/recovery/open');
    expect(headingOf(recovery.body)).toBe('Use a recovery code');
    expect(recovery.body).toContain('Codes left: 3.');
    expect(recovery.body).toMatch(/<label for="recovery-code">Recovery code<\/label>/);

    const bad = await visit.post('/2fa/recovery/use', { recovery_code: 'ABCD-EFGH' });
    expect(bad.statusCode).toBe(422);
    expect(alertsOf(bad.body)).toEqual(['A recovery code has 12 letters and digits, like ABCD-EFGH-JKMN.']);
    expect(bad.body).toContain('aria-invalid=true');

    const done = await visit.post('/2fa/recovery/use', { recovery_code: 'abcd efgh jkmn' });
    expect(headingOf(done.body)).toBe('Recovery code entered');
    expect(statusesOf(done.body)).toEqual([
      'When you continue, the sign-in checks your code. If it is right, it is used up and you have 2 recovery codes left.',
    ]);
    // No auto-submit: the user reads how many are left first.
    expect(done.body).not.toContain('continue.js');
    const token = resultOf(done);
    expect(decodeResult(token, clock.ms)).toMatchObject({ userId: USER, outcome: { kind: 'recovery', code: 'ABCDEFGHJKMN', failures: 1 } });
    const counter = await store.getCounter(userKeyOf(TENANT_HOST, USER), clock.ms);
    // Not counted here (the Action counts a wrong one), and not held either.
    expect(counter).toMatchObject({ failures: 1, inFlight: 0 });
    expect(logs.join('\n')).not.toContain('ABCDEFGHJKMN');
    expect(logs.join('\n')).not.toMatch(/abcd efgh/i);
  });

  test('"Use my phone instead" goes back to the code page', async () => {
    const { visit } = await enrolled();
    await visit.post('/2fa/recovery/open');
    expect(headingOf((await visit.post('/2fa/recovery/back')).body)).toBe('Enter your code');
  });

  test('at the limit (another check in flight), the code goes nowhere: "wait a moment"', async () => {
    const { visit, clock, store } = await enrolled({ recovery_left: 3 }, 4);
    await visit.post('/2fa/recovery/open');
    const held = await store.reserveAttempt(userKeyOf(TENANT_HOST, USER), {
      maxFailures: 5,
      lockSeconds: 900,
      nowMs: clock.ms,
      holdMs: 10_000,
    });
    expect(held.ok).toBe(true);
    const busy = await visit.post('/2fa/recovery/use', { recovery_code: 'ABCD-EFGH-JKMN' });
    expect(alertsOf(busy.body)).toEqual(['Another check of a code is still running. Wait a moment, then try again.']);
    expect(continueFormOf(busy.body)).toBeNull();
  });

  test('locked meanwhile (by another visit): the lock page, and the code goes nowhere', async () => {
    const { visit, clock, store } = await enrolled({ recovery_left: 3 }, 0);
    await visit.post('/2fa/recovery/open');
    await store.raiseFailures(userKeyOf(TENANT_HOST, USER), 5, { maxFailures: 5, lockSeconds: 900, nowMs: clock.ms });
    const locked = await visit.post('/2fa/recovery/use', { recovery_code: 'ABCD-EFGH-JKMN' });
    expect(headingOf(locked.body)).toBe('Too many wrong codes');
    expect(decodeResult(resultOf(locked), clock.ms).outcome).toMatchObject({ kind: 'locked', failures: 5 });
  });

  test('no codes left: no link, and the recovery actions do nothing', async () => {
    const { visit, page } = await enrolled({});
    expect(page.body).not.toContain('action="/2fa/recovery/open"');
    expect(headingOf((await visit.post('/2fa/recovery/open')).body)).toBe('Enter your code');
    const use = await visit.post('/2fa/recovery/use', { recovery_code: 'ABCD-EFGH-JKMN' });
    expect(headingOf(use.body)).toBe('Enter your code');
    expect(continueFormOf(use.body)).toBeNull();
  });

  test('a user who is not enrolled has no recovery page', async () => {
    const { app } = await buildTestServer();
    const visit = new Visit(app);
    await visit.start(mintOutbound({ claims: { recovery_left: 3 } }));
    expect(headingOf((await visit.post('/2fa/recovery/open')).body)).toBe('Protect your account');
  });

  test.each([
    ['a field sent twice', 'recovery_code=ABCDEFGHJKMN&recovery_code=ABCDEFGHJKMN'],
    ['no field', ''],
    ['far too long', `recovery_code=${'A'.repeat(500)}`],
  ])('bad input (%s) gets the page again with the reason, never a 500', async (_name, body) => {
    const { visit, app } = await enrolled();
    await visit.post('/2fa/recovery/open');
    const raw = await app.inject({
      method: 'POST',
      url: '/2fa/recovery/use',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(visit) },
      payload: `csrf=${visit.csrf ?? ''}&${body}`,
    });
    expect(raw.statusCode).toBe(422);
    expect(raw.body).toContain('A recovery code has 12 letters and digits');
  });

  test('without the CSRF token the code is refused', async () => {
    const { visit } = await enrolled();
    await visit.post('/2fa/recovery/open');
    const page = await visit.post('/2fa/recovery/use', { recovery_code: 'ABCD-EFGH-JKMN' }, { csrf: null });
    expect(page.statusCode).toBe(403);
    expect(continueFormOf(page.body)).toBeNull();
  });
});

describe('a new phone after a recovery code', () => {
  async function afterRecoveryCode(withEmail = true) {
    const claims = { recovery_left: 3, ...(withEmail ? { sealed_email: seal(EMAIL, SECRET) } : {}) };
    const server = await buildTestServer();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, failures: 0, claims }));
    await visit.post('/2fa/recovery/open');
    const page = await visit.post('/2fa/recovery/use', { recovery_code: 'ABCD-EFGH-JKMN' });
    return { ...server, visit, page };
  }

  test('set up a new phone: enroll, new codes, first right code; its enrollment result carries the recovery code and the new hashes', async () => {
    const { visit, page, clock } = await afterRecoveryCode();
    expect(page.body).toContain('action="/2fa/recovery/new-phone"');
    const enroll = await visit.post('/2fa/recovery/new-phone');
    expect(headingOf(enroll.body)).toBe('Protect your account');
    expect(enroll.body).toContain('You are setting up a new phone after a recovery code.');
    expect(enroll.body).toContain('action="/2fa/recovery/skip"');
    authyRegister({ email: EMAIL, cellphone: '2015550199', countryCode: '1' }).reply(200, authyReplies.userCreated(5678));
    authyStatus('5678', true);
    const code = await visit.post('/2fa/enroll', { country: 'US', phone: '201 555 0199' });
    const codes = codesOn(code);
    expect(codes).toHaveLength(10);
    // The old phone is not offered any more: no push to it, no recovery page.
    expect(code.body).not.toContain('action="/2fa/push"');
    expect(code.body).not.toContain('action="/2fa/recovery/open"');
    authyVerify('1234567', '5678').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '1234567' });
    // Signed in at once (the auto-submitted page): the new codes were shown already.
    expect(headingOf(done.body)).toBe('Signing you in…');
    const result = decodeResult(resultOf(done), clock.ms);
    // The new phone's enrollment, with the recovery code that allowed it (the Action checks it first).
    expect(result.outcome).toEqual({ kind: 'verified', method: 'app', authyId: '5678', enrolledNow: true, approvalUuid: null });
    expect(result.recoveryCode).toBe('ABCDEFGHJKMN');
    expect(matchRecoveryCode(result.recoveryHashes ?? [], codes[2])).toBe(2);
  });

  test('"Continue without a new phone" goes back to the plain recovery result, without new codes', async () => {
    const { visit, clock } = await afterRecoveryCode();
    await visit.post('/2fa/recovery/new-phone');
    const skipped = await visit.post('/2fa/recovery/skip');
    expect(headingOf(skipped.body)).toBe('Recovery code entered');
    const result = decodeResult(resultOf(skipped), clock.ms);
    expect(result.outcome).toEqual({ kind: 'recovery', code: 'ABCDEFGHJKMN', failures: 0 });
    expect(result.recoveryHashes).toBeNull();
  });

  test('without the email Authy needs, no new phone is offered (and asking anyway changes nothing)', async () => {
    const { visit, page } = await afterRecoveryCode(false);
    expect(page.body).not.toContain('action="/2fa/recovery/new-phone"');
    expect(headingOf((await visit.post('/2fa/recovery/new-phone')).body)).toBe('Recovery code entered');
  });
});

function cookieOf(visit: Visit): string {
  return `${FLOW_COOKIE}=${visit.cookie ?? ''}`;
}

afterAll(() => nock.cleanAll());
