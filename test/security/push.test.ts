/**
 * Push bombing: an attacker who knows the password presses "Send a request to my Authy app"
 * again and again, hoping the owner approves one by reflex. A visit sends at most 5 approval
 * requests, only one pending at a time (pressing again while one is pending, or pressing many
 * times at once, sends nothing more); a denied, expired or withdrawn ("Enter a code instead")
 * request is a failure like a wrong code; after 5 the user is locked, across logins.
 */
import nock from 'nock';
import {
  AUTHY_ID,
  TENANT_HOST,
  USER,
  Visit,
  alertsOf,
  authy,
  authyReplies,
  headingOf,
  mintOutbound,
  statusesOf,
  type Page,
} from '../helpers/forms';
import {
  buildSecurityServer,
  expectNoVerifiedResult,
  expectQuietLogs,
  pageSecrets,
  resultOutcomesOf,
  securityLifecycle,
} from '../helpers/security-kit';

securityLifecycle();

const COUNTER = `${TENANT_HOST}|${USER}`;
const LOCKED = 'Too many wrong codes';
const PUSH_PAGE = 'Approve the request';
const CODE_PAGE = 'Enter your code';

/** Authy's approval requests: every creation answered with a new uuid, counted. */
function approvals(options: { delayMs?: number } = {}): { readonly created: string[] } {
  const created: string[] = [];
  authy()
    .persist()
    .post(`/onetouch/json/users/${AUTHY_ID}/approval_requests`)
    .delay(options.delayMs ?? 0)
    .reply(() => {
      const uuid = `00000000-0000-4000-8000-${String(created.length + 1).padStart(12, '0')}`;
      created.push(uuid);
      return [200, authyReplies.approvalCreated(uuid)];
    });
  return { created };
}

/** The next status Authy reports for an approval request. */
function status(uuid: string, value: 'pending' | 'approved' | 'denied' | 'expired'): void {
  authy()
    .get(`/onetouch/json/approval_requests/${uuid}`)
    .reply(200, authyReplies.approvalStatus(value, uuid, Number(AUTHY_ID)));
}

describe('one pending request at a time', () => {
  test('pressing push again while a request is pending sends nothing to Authy', async () => {
    const server = await buildSecurityServer();
    const sent = approvals();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    expect(headingOf((await visit.post('/2fa/push')).body)).toBe(PUSH_PAGE);
    for (let n = 0; n < 5; n += 1) expect(headingOf((await visit.post('/2fa/push')).body)).toBe(PUSH_PAGE);
    expect(sent.created).toHaveLength(1);
    expect((await server.store.getCounter(COUNTER, server.clock.ms)).inFlight).toBe(1);
  });

  // Parallel presses: the visit is claimed (saved compare-and-set, the push marked pending) before
  // Authy is asked, so only the first press sends a request; the others find it pending.
  test('10 presses at once (Authy slow to answer): one approval request reaches the phone', async () => {
    const server = await buildSecurityServer();
    const sent = approvals({ delayMs: 200 });
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    const answers = await Promise.all(Array.from({ length: 10 }, () => visit.postRaw('/2fa/push')));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 303));
    expect(headingOf((await visit.show()).body)).toBe(PUSH_PAGE);
    expect(sent.created).toHaveLength(1);
    // Nor is more than that one attempt held for the user.
    expect((await server.store.getCounter(COUNTER, server.clock.ms)).inFlight).toBe(1);
  });

  test('across logins of one user: never more requests pending than MAX_FAILURES', async () => {
    const server = await buildSecurityServer();
    const sent = approvals();
    for (let n = 0; n < 8; n += 1) {
      const visit = new Visit(server.app);
      await visit.start(mintOutbound({ authyId: AUTHY_ID, at: server.clock.ms }));
      await visit.post('/2fa/push');
      server.clock.advance(1);
    }
    expect(sent.created.length).toBeLessThanOrEqual(5);
  });
});

describe('SMS and voice bombing', () => {
  function sms(): { readonly sent: number } {
    let sent = 0;
    authy()
      .persist()
      .get(`/protected/json/sms/${AUTHY_ID}`)
      .query({ force: 'true' })
      .delay(200)
      .reply(() => {
        sent += 1;
        return [200, authyReplies.smsSent];
      });
    return {
      get sent() {
        return sent;
      },
    };
  }

  test('pressing "Text me a code" again at once waits for the resend interval: one SMS', async () => {
    const server = await buildSecurityServer();
    const texts = sms();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    await visit.post('/2fa/send', { channel: 'sms' });
    const again = await visit.post('/2fa/send', { channel: 'sms' });
    expect(alertsOf(again.body)).toEqual(['Please wait 30 seconds before asking for another code.']);
    expect(texts.sent).toBe(1);
  });

  // Parallel presses: the send is counted and paced in the visit, saved compare-and-set before
  // Authy is asked, so the other presses see "wait 30 seconds".
  test('10 presses at once: one SMS, not ten', async () => {
    const server = await buildSecurityServer();
    const texts = sms();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    const answers = await Promise.all(Array.from({ length: 10 }, () => visit.postRaw('/2fa/send', { channel: 'sms' })));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 303));
    expect(texts.sent).toBe(1);
  });
});

describe('at most 5 requests per visit', () => {
  test('the 6th press sends nothing and says why; the page stops offering push', async () => {
    const server = await buildSecurityServer();
    const sent = approvals();
    const visit = new Visit(server.app);
    // MAX_FAILURES 10, so that the cap per visit shows before the lock.
    await visit.start(mintOutbound({ authyId: AUTHY_ID, maxFailures: 10 }));
    for (let n = 0; n < 5; n += 1) {
      expect(headingOf((await visit.post('/2fa/push')).body)).toBe(PUSH_PAGE);
      expect(headingOf((await visit.post('/2fa/push/check', { action: 'back' })).body)).toBe(CODE_PAGE);
    }
    const page = await visit.show();
    expect(page.body).not.toContain('action="/2fa/push"');
    const sixth = await visit.post('/2fa/push');
    expect(headingOf(sixth.body)).toBe(CODE_PAGE);
    expect(alertsOf(sixth.body)).toEqual(['You have sent too many requests to the Authy app. Enter a code instead.']);
    expect(sent.created).toHaveLength(5);
    expect((await server.store.getCounter(COUNTER, server.clock.ms)).failures).toBe(5);
  });
});

describe('every request that is not approved is a failure', () => {
  test('denied, expired and "Enter a code instead" each count; after 5 the user is locked, in this login and the next', async () => {
    const server = await buildSecurityServer();
    const sent = approvals();
    const visit = new Visit(server.app);
    const token = mintOutbound({ authyId: AUTHY_ID });
    await visit.start(token);
    const pages: Page[] = [];
    const steps: Array<['denied' | 'expired' | 'back', string]> = [
      ['denied', 'The request was denied in the Authy app. 4 tries left.'],
      ['expired', 'The request expired. 3 tries left. Send a new one or enter a code.'],
      ['back', 'The request was withdrawn. 2 tries left.'],
      ['denied', 'The request was denied in the Authy app. 1 try left.'],
    ];
    for (const [how, notice] of steps) {
      expect(headingOf((await visit.post('/2fa/push')).body)).toBe(PUSH_PAGE);
      const uuid = sent.created[sent.created.length - 1] ?? '';
      if (how !== 'back') status(uuid, how);
      const page = await visit.post('/2fa/push/check', { action: how === 'back' ? 'back' : 'check' });
      pages.push(page);
      expect(headingOf(page.body)).toBe(CODE_PAGE);
      expect(alertsOf(page.body)).toEqual([notice]);
    }
    // The fifth: withdrawn too; the lock page, with a locked result.
    await visit.post('/2fa/push');
    const locked = await visit.post('/2fa/push/check', { action: 'back' });
    pages.push(locked);
    expect(headingOf(locked.body)).toBe(LOCKED);
    expect(resultOutcomesOf(locked.body, server.clock.ms)).toEqual([
      { kind: 'locked', failures: 5, lockedUntilSec: server.clock.seconds() + 900 },
    ]);
    expect(sent.created).toHaveLength(5);
    // Another login of the user: locked at once, and push sends nothing.
    const next = new Visit(server.app);
    const nextToken = mintOutbound({ authyId: AUTHY_ID });
    expect(headingOf((await next.start(nextToken)).body)).toBe(LOCKED);
    // The lock page has no form of the visit (no CSRF token to send): a push is refused outright.
    expect((await next.post('/2fa/push')).statusCode).toBe(403);
    expect(headingOf((await next.show()).body)).toBe(LOCKED);
    expect(sent.created).toHaveLength(5);
    expectNoVerifiedResult(pages, server.clock.ms);
    expectQuietLogs(server.logs, [token, nextToken, visit.cookie, visit.csrf, ...sent.created, ...pageSecrets(pages)]);
  });

  test('a pending request checked as pending costs nothing; cancelling with one pending is a failure', async () => {
    const server = await buildSecurityServer();
    const sent = approvals();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    await visit.post('/2fa/push');
    const uuid = sent.created[0] ?? '';
    status(uuid, 'pending');
    const pending = await visit.post('/2fa/push/check', { action: 'check' });
    expect(statusesOf(pending.body)).toEqual(['The request is not approved yet. Approve it in the Authy app, then try again.']);
    expect((await server.store.getCounter(COUNTER, server.clock.ms)).failures).toBe(0);
    const done = await visit.post('/2fa/cancel');
    expect(resultOutcomesOf(done.body, server.clock.ms)).toEqual([{ kind: 'cancelled', failures: 1 }]);
    expect(await server.store.getCounter(COUNTER, server.clock.ms)).toEqual({ failures: 1, inFlight: 0, lockedUntilMs: null });
  });

  test('an approval of another Authy user is not an approval', async () => {
    const server = await buildSecurityServer();
    const sent = approvals();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID }));
    await visit.post('/2fa/push');
    const uuid = sent.created[0] ?? '';
    authy()
      .get(`/onetouch/json/approval_requests/${uuid}`)
      .reply(200, authyReplies.approvalStatus('approved', uuid, 9999));
    const page = await visit.post('/2fa/push/check', { action: 'check' });
    expect(headingOf(page.body)).toBe(PUSH_PAGE);
    expect(alertsOf(page.body)).toEqual(['Authy is not reachable right now. Try again in a moment.']);
    expectNoVerifiedResult([page], server.clock.ms);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
