/**
 * The visit state machine, exhaustively: every step × every user action (what it asks for, or
 * that it is refused), and every effect outcome at every step.
 */
import { MAX_PUSHES_PER_VISIT, MAX_SENDS_PER_VISIT } from '../../forms-server/visit/attempts';
import { next, type EffectOutcome, type UserAction } from '../../forms-server/visit/machine';
import { STEPS, stepOf, type Step, type Visit } from '../../forms-server/visit/visit';
import type { Counter } from '../../forms-server/store/types';
import { testVisit } from '../helpers/visit-start';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

function base(overrides: Partial<Visit> = {}): Visit {
  return { ...testVisit(NOW), ...overrides };
}

/** One visit at each step (and the two kinds of code step). */
const AT: Record<Step | 'code-enrolling', Visit> = {
  enroll: base(),
  code: base({ authyId: '1234' }),
  'code-enrolling': base({ pendingAuthyId: '999' }),
  push: base({ authyId: '1234', push: { uuid: 'uuid-1', reservationId: 'r1' }, pushes: 1 }),
  verified: base({
    authyId: '1234',
    outcome: { kind: 'verified', method: 'app', authyId: '1234', enrolledNow: false, approvalUuid: null },
  }),
  cancelled: base({ authyId: '1234', outcome: { kind: 'cancelled', failures: 1 } }),
  locked: base({ authyId: '1234', outcome: { kind: 'locked', failures: 5, lockedUntilSec: Math.floor(NOW / 1000) + 900 } }),
};

const ACTIONS: Record<string, UserAction> = {
  enrollOk: { type: 'enroll', country: 'US', phone: '201 555 0123' },
  enrollBad: { type: 'enroll', country: 'US', phone: 'abc' },
  changeNumber: { type: 'changeNumber' },
  codeOk: { type: 'submitCode', code: '123 4567' },
  codeBad: { type: 'submitCode', code: '12' },
  sendSms: { type: 'send', channel: 'sms' },
  sendCall: { type: 'send', channel: 'call' },
  sendBad: { type: 'send', channel: 'fax' },
  startPush: { type: 'startPush' },
  checkPush: { type: 'checkPush' },
  pushBack: { type: 'pushBack' },
  cancel: { type: 'cancel' },
};

/** What each action does at each step: the effect asked for, 'stay' (refused: nothing changes), '422' or 'badForm'. */
const FINAL = {
  enrollOk: 'stay',
  enrollBad: 'stay',
  changeNumber: 'stay',
  codeOk: 'stay',
  codeBad: 'stay',
  sendSms: 'stay',
  sendCall: 'stay',
  sendBad: 'badForm',
  startPush: 'stay',
  checkPush: 'stay',
  pushBack: 'stay',
  cancel: 'stay',
};
const TABLE: Record<keyof typeof AT, Record<keyof typeof ACTIONS, string>> = {
  enroll: {
    enrollOk: 'registerPhone',
    enrollBad: '422',
    changeNumber: 'stay',
    codeOk: 'stay',
    codeBad: 'stay',
    sendSms: 'stay',
    sendCall: 'stay',
    sendBad: 'badForm',
    startPush: 'stay',
    checkPush: 'stay',
    pushBack: 'stay',
    cancel: 'finishCancel',
  },
  code: {
    enrollOk: 'stay',
    enrollBad: 'stay',
    changeNumber: 'stay',
    codeOk: 'checkCode',
    codeBad: '422',
    sendSms: 'sendCode',
    sendCall: 'sendCode',
    sendBad: 'badForm',
    startPush: 'startPush',
    checkPush: 'stay',
    pushBack: 'stay',
    cancel: 'finishCancel',
  },
  'code-enrolling': {
    enrollOk: 'stay',
    enrollBad: 'stay',
    changeNumber: 'back to enroll',
    codeOk: 'checkCode',
    codeBad: '422',
    sendSms: 'sendCode',
    sendCall: 'sendCode',
    sendBad: 'badForm',
    startPush: 'stay',
    checkPush: 'stay',
    pushBack: 'stay',
    cancel: 'finishCancel',
  },
  push: {
    enrollOk: 'stay',
    enrollBad: 'stay',
    changeNumber: 'stay',
    codeOk: 'checkCode',
    codeBad: '422',
    sendSms: 'sendCode',
    sendCall: 'sendCode',
    sendBad: 'badForm',
    startPush: 'stay',
    checkPush: 'pollPush',
    pushBack: 'withdrawPush',
    cancel: 'finishCancel',
  },
  verified: FINAL,
  cancelled: FINAL,
  locked: FINAL,
};

function behaviour(visit: Visit, action: UserAction): string {
  const t = next(visit, action, NOW);
  if (t.badForm) return 'badForm';
  if (t.status === 422) return '422';
  if (t.effects.length > 0) return t.effects.map((e) => e.type).join('+');
  if (stepOf(t.visit) !== stepOf(visit)) return `back to ${stepOf(t.visit)}`;
  return t.visit === visit ? 'stay' : 'stay (changed)';
}

describe('every step × every user action', () => {
  const cases = (Object.keys(AT) as (keyof typeof AT)[]).flatMap((step) => Object.keys(ACTIONS).map((action) => [step, action] as const));
  test.each(cases)('at %s, %s', (step, action) => {
    expect(behaviour(AT[step], ACTIONS[action])).toBe(TABLE[step][action]);
  });

  test('the table covers every step', () => {
    expect(STEPS.every((step) => step in AT)).toBe(true);
    expect(Object.values(AT).map(stepOf).sort()).toEqual([...STEPS, 'code'].sort());
  });
});

describe('user actions: what they ask for', () => {
  test('a valid phone asks Authy to register it, national number and calling code apart', () => {
    expect(next(AT.enroll, ACTIONS.enrollOk, NOW).effects).toEqual([
      { type: 'registerPhone', countryCallingCode: '1', nationalNumber: '2015550123' },
    ]);
  });

  test('a refused phone: the reason, a 422, and what was typed shown again (never markup or a long string)', () => {
    const t = next(AT.enroll, { type: 'enroll', country: 'US', phone: 'abc' }, NOW);
    expect(t).toMatchObject({
      status: 422,
      typed: { phone: 'abc', country: 'US' },
      visit: { notice: { key: 'phoneLetters', kind: 'error' } },
    });
    expect(next(AT.enroll, { type: 'enroll', country: 'XX', phone: '1'.repeat(40) }, NOW).typed).toEqual({});
  });

  test('a code is normalised before it is checked, against the enrolled id or the one registered in this visit', () => {
    expect(next(AT.code, ACTIONS.codeOk, NOW).effects).toEqual([{ type: 'checkCode', authyId: '1234', code: '1234567' }]);
    expect(next(AT['code-enrolling'], ACTIONS.codeOk, NOW).effects).toEqual([{ type: 'checkCode', authyId: '999', code: '1234567' }]);
  });

  test('sends are paced and capped per visit', () => {
    const sent = { ...AT.code, sends: 1, lastSendAtMs: NOW - 10_000 };
    expect(next(sent, ACTIONS.sendSms, NOW)).toMatchObject({
      effects: [],
      visit: { notice: { key: 'sendTooSoon', params: { seconds: 20 } } },
    });
    expect(next({ ...sent, lastSendAtMs: NOW - 30_000 }, ACTIONS.sendCall, NOW).effects).toEqual([
      { type: 'sendCode', channel: 'call', authyId: '1234', undo: { sends: 1, lastSendAtMs: NOW - 30_000, channel: 'app' } },
    ]);
    const capped = { ...AT.code, sends: MAX_SENDS_PER_VISIT, lastSendAtMs: 0 };
    expect(next(capped, ACTIONS.sendSms, NOW)).toMatchObject({ effects: [], visit: { notice: { key: 'sendLimit' } } });
  });

  test(`at most ${MAX_PUSHES_PER_VISIT} pushes per visit`, () => {
    const used = { ...AT.code, pushes: MAX_PUSHES_PER_VISIT };
    expect(next(used, ACTIONS.startPush, NOW)).toMatchObject({ effects: [], visit: { notice: { key: 'pushLimit' } } });
    expect(next({ ...used, pushes: MAX_PUSHES_PER_VISIT - 1 }, ACTIONS.startPush, NOW).effects).toEqual([
      { type: 'startPush', authyId: '1234' },
    ]);
  });

  test('the pending push: polled with its reservation; withdrawn or cancelled, its reservation is settled', () => {
    expect(next(AT.push, ACTIONS.checkPush, NOW).effects).toEqual([
      { type: 'pollPush', authyId: '1234', uuid: 'uuid-1', reservationId: 'r1' },
    ]);
    expect(next(AT.push, ACTIONS.pushBack, NOW).effects).toEqual([{ type: 'withdrawPush', reservationId: 'r1' }]);
    expect(next(AT.push, ACTIONS.cancel, NOW).effects).toEqual([{ type: 'finishCancel', pushReservationId: 'r1' }]);
    expect(next(AT.code, ACTIONS.cancel, NOW).effects).toEqual([{ type: 'finishCancel', pushReservationId: null }]);
  });

  test('change number forgets the number registered in this visit', () => {
    const t = next(AT['code-enrolling'], ACTIONS.changeNumber, NOW);
    expect(t.visit).toMatchObject({ pendingAuthyId: null, channel: 'app' });
  });

  test('next is pure: the visit given is never changed', () => {
    for (const visit of Object.values(AT)) {
      const copy = structuredClone(visit);
      for (const action of Object.values(ACTIONS)) next(visit, action, NOW);
      expect(visit).toEqual(copy);
    }
  });
});

// ---------------------------------------------------------------- effect outcomes

const counter = (failures: number, lockedUntilMs: number | null = null): Counter => ({ failures, inFlight: 0, lockedUntilMs });

const OUTCOMES: EffectOutcome[] = [
  { type: 'registered', authyId: '777' },
  { type: 'providerFailed', notice: 'authyUnavailable' },
  { type: 'codeRight', authyId: '1234' },
  { type: 'codeWrong', counter: counter(1) },
  { type: 'codeWrong', counter: counter(5, NOW + 900_000) },
  { type: 'codeReused' },
  { type: 'attemptRefused', reason: 'busy', counter: counter(4) },
  { type: 'attemptRefused', reason: 'locked', counter: counter(5, NOW + 60_000) },
  { type: 'sent', channel: 'sms' },
  { type: 'pushStarted', uuid: 'uuid-2', reservationId: 'r2' },
  { type: 'pushApproved', uuid: 'uuid-1' },
  { type: 'pushPending' },
  { type: 'pushEnded', how: 'denied', counter: counter(2) },
  { type: 'cancelled', failures: 3 },
  { type: 'sendFailed', notice: 'authyUnavailable', undo: { sends: 0, lastSendAtMs: 0, channel: 'app' } },
  { type: 'pushFailed', notice: 'authyUnavailable' },
];

describe('effect outcomes', () => {
  test.each(['verified', 'cancelled', 'locked'] as const)('a %s visit stays as it is, whatever a slower request reports', (step) => {
    for (const outcome of OUTCOMES) expect(next(AT[step], outcome, NOW)).toEqual({ visit: AT[step], effects: [] });
  });

  test('no outcome ever asks for another effect (so a save conflict can apply them again)', () => {
    for (const visit of Object.values(AT)) for (const outcome of OUTCOMES) expect(next(visit, outcome, NOW).effects).toEqual([]);
  });

  test('registered: the number becomes the code target (only while enrolling)', () => {
    expect(stepOf(next(AT.enroll, OUTCOMES[0], NOW).visit)).toBe('code');
    expect(next(AT.enroll, OUTCOMES[0], NOW).visit.pendingAuthyId).toBe('777');
    expect(next(AT.code, OUTCOMES[0], NOW).visit).toBe(AT.code);
  });

  test('a right code: verified, with the method of the last channel asked for; an enrolling user enrolls now', () => {
    expect(next(AT.code, { type: 'codeRight', authyId: '1234' }, NOW).visit.outcome).toEqual({
      kind: 'verified',
      method: 'app',
      authyId: '1234',
      enrolledNow: false,
      approvalUuid: null,
    });
    const bySms = next({ ...AT['code-enrolling'], channel: 'sms' }, { type: 'codeRight', authyId: '999' }, NOW).visit;
    expect(bySms.outcome).toMatchObject({ method: 'sms', authyId: '999', enrolledNow: true });
    // A code typed while a push is pending: the push is over too.
    expect(next(AT.push, { type: 'codeRight', authyId: '1234' }, NOW).visit).toMatchObject({ push: null, outcome: { method: 'app' } });
  });

  test('a wrong code: the tries left, or the lock page when the counter locked', () => {
    expect(next(AT.code, OUTCOMES[3], NOW).visit.notice).toEqual({ key: 'wrongCode', kind: 'error', params: { left: 4 } });
    expect(next(AT.code, OUTCOMES[4], NOW).visit.outcome).toEqual({
      kind: 'locked',
      failures: 5,
      lockedUntilSec: Math.floor(NOW / 1000) + 900,
    });
  });

  test('an already-used code and a busy reservation cost nothing and say so; a locked reservation ends the visit', () => {
    expect(next(AT.code, { type: 'codeReused' }, NOW).visit.notice).toEqual({ key: 'codeReused', kind: 'error' });
    expect(next(AT.code, OUTCOMES[6], NOW).visit).toMatchObject({ outcome: null, notice: { key: 'attemptBusy' } });
    expect(next(AT.code, OUTCOMES[7], NOW).visit.outcome).toMatchObject({ kind: 'locked', failures: 5 });
  });

  test('a send is counted and paced when it is asked for (the visit is saved so before Authy is called), and given back if it fails', () => {
    const asked = next(AT.code, ACTIONS.sendCall, NOW);
    expect(asked.visit).toMatchObject({ sends: 1, lastSendAtMs: NOW, channel: 'call' });
    expect(asked.effects).toEqual([
      { type: 'sendCode', channel: 'call', authyId: '1234', undo: { sends: 0, lastSendAtMs: 0, channel: 'app' } },
    ]);
    // A second press, seeing the saved claim, sends nothing.
    expect(next(asked.visit, ACTIONS.sendCall, NOW + 1000)).toMatchObject({ effects: [], visit: { notice: { key: 'sendTooSoon' } } });
    expect(next(asked.visit, { type: 'sent', channel: 'call' }, NOW).visit).toMatchObject({
      sends: 1,
      channel: 'call',
      notice: { key: 'callStarted', kind: 'info' },
    });
    const failed = next(
      asked.visit,
      { type: 'sendFailed', notice: 'authyUnavailable', undo: { sends: 0, lastSendAtMs: 0, channel: 'app' } },
      NOW,
    );
    expect(failed.visit).toMatchObject({ sends: 0, lastSendAtMs: 0, channel: 'app', notice: { key: 'authyUnavailable' } });
  });

  test('a push is claimed when it is asked for: a second press finds it pending and sends nothing; a failed send gives it back', () => {
    const asked = next(AT.code, ACTIONS.startPush, NOW);
    expect(asked.visit).toMatchObject({ pushes: 1, push: { uuid: null, reservationId: null } });
    expect(stepOf(asked.visit)).toBe('push');
    expect(next(asked.visit, ACTIONS.startPush, NOW).effects).toEqual([]);
    expect(next(asked.visit, ACTIONS.checkPush, NOW)).toMatchObject({ effects: [], visit: { notice: { key: 'pushPending' } } });
    expect(next(asked.visit, { type: 'pushStarted', uuid: 'u', reservationId: 'r' }, NOW).visit).toMatchObject({
      pushes: 1,
      push: { uuid: 'u', reservationId: 'r' },
    });
    expect(next(asked.visit, { type: 'pushFailed', notice: 'authyUnavailable' }, NOW).visit).toMatchObject({ pushes: 0, push: null });
    expect(next(asked.visit, { type: 'attemptRefused', reason: 'busy', counter: counter(4) }, NOW).visit).toMatchObject({
      pushes: 0,
      push: null,
    });
    // "Enter a code instead" while it is being sent just leaves it.
    expect(next(asked.visit, ACTIONS.pushBack, NOW)).toMatchObject({ effects: [], visit: { pushes: 0, push: null } });
  });

  test('push: started, approved only for the pending uuid, ended denied/expired/withdrawn as a failure each', () => {
    expect(next(AT.push, OUTCOMES[9], NOW).visit).toMatchObject({ push: { uuid: 'uuid-2', reservationId: 'r2' }, pushes: 1 });
    expect(next(AT.push, { type: 'pushApproved', uuid: 'uuid-1' }, NOW).visit.outcome).toEqual({
      kind: 'verified',
      method: 'push',
      authyId: '1234',
      enrolledNow: false,
      approvalUuid: 'uuid-1',
    });
    expect(next(AT.push, { type: 'pushApproved', uuid: 'other' }, NOW).visit).toBe(AT.push);
    for (const [how, key] of [
      ['denied', 'pushDenied'],
      ['expired', 'pushExpired'],
      ['withdrawn', 'pushWithdrawn'],
    ] as const) {
      expect(next(AT.push, { type: 'pushEnded', how, counter: counter(2) }, NOW).visit).toMatchObject({
        push: null,
        notice: { key, params: { left: 3 } },
      });
    }
    expect(next(AT.push, { type: 'pushEnded', how: 'denied', counter: counter(5, NOW + 1000) }, NOW).visit.outcome).toMatchObject({
      kind: 'locked',
    });
  });

  test('cancelled: the failures so far go back to the Action', () => {
    expect(next(AT.push, { type: 'cancelled', failures: 3 }, NOW).visit).toMatchObject({
      push: null,
      outcome: { kind: 'cancelled', failures: 3 },
    });
  });
});

// ---------------------------------------------------------------- Twilio Verify visits

const YF = 'YF' + 'a'.repeat(32);
const NEW_YF = 'YF' + 'b'.repeat(32);
const YC = 'YC' + 'c'.repeat(32);
const FACTOR = { sid: NEW_YF, uri: `otpauth://totp/Example:user?secret=JBSWY3DPEHPK3PXP&issuer=Example`, secret: 'JBSWY3DPEHPK3PXP' };

function verifyBase(overrides: Partial<Visit> = {}): Visit {
  return { ...testVisit(NOW, { email: null, provider: 'verify', verifyFactorSid: null }), ...overrides };
}

/** One Verify visit at each step: setting up the app, entering the first code of the new factor, signing in with a code. */
const VERIFY_AT: Record<Step | 'code-enrolling', Visit> = {
  enroll: verifyBase(),
  code: verifyBase({ verifyFactorSid: YF }),
  'code-enrolling': verifyBase({ pendingFactor: FACTOR }),
  // Verify has no push: a push step cannot arise; a visit carrying one still only takes codes.
  push: verifyBase({ verifyFactorSid: YF, push: { uuid: 'uuid-1', reservationId: 'r1' }, pushes: 1 }),
  verified: verifyBase({
    verifyFactorSid: YF,
    outcome: { kind: 'verify-verified', method: 'app', enrolledNow: false, result: { kind: 'code', id: YC } },
  }),
  cancelled: verifyBase({ verifyFactorSid: YF, outcome: { kind: 'cancelled', failures: 1 } }),
  locked: verifyBase({ verifyFactorSid: YF, outcome: { kind: 'locked', failures: 5, lockedUntilSec: Math.floor(NOW / 1000) + 900 } }),
};

/** Verify: the phone fields are not read ("enroll" sets up the app); no SMS, call or push. */
const VERIFY_TABLE: Record<keyof typeof VERIFY_AT, Record<keyof typeof ACTIONS, string>> = {
  enroll: { ...FINAL, enrollOk: 'createFactor', enrollBad: 'createFactor', cancel: 'finishCancel' },
  code: { ...FINAL, codeOk: 'verifyCode', codeBad: '422', cancel: 'finishCancel' },
  'code-enrolling': { ...FINAL, changeNumber: 'back to enroll', codeOk: 'verifyCode', codeBad: '422', cancel: 'finishCancel' },
  push: { ...FINAL, pushBack: 'withdrawPush', cancel: 'finishCancel' },
  verified: FINAL,
  cancelled: FINAL,
  locked: FINAL,
};

describe('Verify: every step × every user action', () => {
  const cases = (Object.keys(VERIFY_AT) as (keyof typeof VERIFY_AT)[]).flatMap((step) =>
    Object.keys(ACTIONS).map((action) => [step, action] as const),
  );
  test.each(cases)('at %s, %s', (step, action) => {
    expect(behaviour(VERIFY_AT[step], ACTIONS[action])).toBe(VERIFY_TABLE[step][action]);
  });

  test('the table covers every step', () => {
    expect(Object.values(VERIFY_AT).map(stepOf).sort()).toEqual([...STEPS, 'code'].sort());
  });

  test('a code is checked against the enrolled factor (a Challenge) or the new one (its first code)', () => {
    expect(next(VERIFY_AT.code, ACTIONS.codeOk, NOW).effects).toEqual([
      { type: 'verifyCode', factorSid: YF, code: '1234567', enrolling: false },
    ]);
    expect(next(VERIFY_AT['code-enrolling'], ACTIONS.codeOk, NOW).effects).toEqual([
      { type: 'verifyCode', factorSid: NEW_YF, code: '1234567', enrolling: true },
    ]);
    expect(next(VERIFY_AT['code-enrolling'], ACTIONS.changeNumber, NOW).visit.pendingFactor).toBeNull();
  });
});

const VERIFY_OUTCOMES: EffectOutcome[] = [
  { type: 'factorCreated', factorSid: NEW_YF, uri: FACTOR.uri, secret: FACTOR.secret },
  { type: 'verifyApproved', result: { kind: 'code', id: YC } },
  { type: 'providerLimit', counter: counter(2), dropFactor: false },
  { type: 'providerLimit', counter: counter(5, NOW + 900_000), dropFactor: true },
];

describe('Verify: effect outcomes', () => {
  test('final visits stay final; no outcome asks for an effect; an Authy visit ignores Verify outcomes and vice versa', () => {
    for (const step of ['verified', 'cancelled', 'locked'] as const) {
      for (const outcome of [...OUTCOMES, ...VERIFY_OUTCOMES]) expect(next(VERIFY_AT[step], outcome, NOW).visit).toBe(VERIFY_AT[step]);
    }
    for (const visit of [...Object.values(VERIFY_AT), ...Object.values(AT)]) {
      for (const outcome of [...OUTCOMES, ...VERIFY_OUTCOMES]) expect(next(visit, outcome, NOW).effects).toEqual([]);
    }
    for (const visit of Object.values(AT)) for (const outcome of VERIFY_OUTCOMES) expect(next(visit, outcome, NOW).visit).toBe(visit);
    for (const type of ['registered', 'codeRight', 'pushApproved'] as const) {
      const outcome = OUTCOMES.find((o) => o.type === type) as EffectOutcome;
      for (const visit of Object.values(VERIFY_AT)) expect(next(visit, outcome, NOW).visit).toBe(visit);
    }
  });

  test('factorCreated: the new factor (URI and secret for the page) becomes the code target, only while setting up', () => {
    const after = next(VERIFY_AT.enroll, VERIFY_OUTCOMES[0], NOW).visit;
    expect(after.pendingFactor).toEqual(FACTOR);
    expect(stepOf(after)).toBe('code');
    expect(next(VERIFY_AT.code, VERIFY_OUTCOMES[0], NOW).visit).toBe(VERIFY_AT.code);
  });

  test('verifyApproved: a verify-verified outcome naming the challenge, or (setting up) the factor; the secret is forgotten', () => {
    expect(next(VERIFY_AT.code, VERIFY_OUTCOMES[1], NOW).visit.outcome).toEqual({
      kind: 'verify-verified',
      method: 'app',
      enrolledNow: false,
      result: { kind: 'code', id: YC },
    });
    const enrolled = next(VERIFY_AT['code-enrolling'], { type: 'verifyApproved', result: { kind: 'enrollment', id: NEW_YF } }, NOW).visit;
    expect(enrolled.outcome).toEqual({
      kind: 'verify-verified',
      method: 'app',
      enrolledNow: true,
      result: { kind: 'enrollment', id: NEW_YF },
    });
    expect(enrolled.pendingFactor).toBeNull();
    expect(stepOf(enrolled)).toBe('verified');
  });

  test("Verify's own limit counts as a failure: tries left, a spent setup starts again, or the lock page", () => {
    const limited = next(VERIFY_AT.code, VERIFY_OUTCOMES[2], NOW).visit;
    expect(limited.notice).toEqual({ key: 'verifyTooManyChecks', kind: 'error', params: { left: 3 } });
    const spent = next(VERIFY_AT['code-enrolling'], { type: 'providerLimit', counter: counter(3), dropFactor: true }, NOW).visit;
    expect(spent).toMatchObject({ pendingFactor: null, notice: { key: 'verifyFactorSpent', params: { left: 2 } } });
    expect(stepOf(spent)).toBe('enroll');
    const locked = next(VERIFY_AT['code-enrolling'], VERIFY_OUTCOMES[3], NOW).visit;
    expect(locked.outcome).toMatchObject({ kind: 'locked', failures: 5 });
    expect(locked.pendingFactor).toBeNull();
  });

  test('a wrong code, a refused reservation and a provider failure mean what they mean with Authy', () => {
    expect(next(VERIFY_AT.code, { type: 'codeWrong', counter: counter(1) }, NOW).visit.notice).toMatchObject({
      key: 'wrongCode',
      params: { left: 4 },
    });
    expect(next(VERIFY_AT.code, { type: 'codeWrong', counter: counter(5, NOW + 900_000) }, NOW).visit.outcome).toMatchObject({
      kind: 'locked',
    });
    expect(next(VERIFY_AT.code, { type: 'providerFailed', notice: 'verifyConfig' }, NOW).visit.notice).toMatchObject({
      key: 'verifyConfig',
    });
    expect(next(VERIFY_AT.code, { type: 'attemptRefused', reason: 'busy', counter: counter(4) }, NOW).visit.notice).toMatchObject({
      key: 'attemptBusy',
    });
  });
});
