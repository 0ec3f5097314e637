/** The counter arithmetic both stores share (forms-server/store/counter.ts). */
import fc from 'fast-check';
import {
  afterRaise,
  afterSettle,
  afterWrong,
  checkAttemptLimits,
  freshState,
  isLocked,
  liveHolds,
  liveState,
  lockMs,
  normalizeCount,
  reserveRefusal,
  storageStep,
  toCounter,
  type CounterState,
} from '../../forms-server/store/counter';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const LIMITS = { maxFailures: 5, lockSeconds: 900, nowMs: NOW };
const LOCK = 900_000;

describe('liveState', () => {
  test('no record, an expired record and a lock that ended are all a fresh count', () => {
    expect(liveState(undefined, NOW)).toEqual(freshState());
    expect(liveState(null, NOW)).toEqual(freshState());
    expect(liveState({ failures: 3, lockedUntilMs: null, expiresAtMs: NOW }, NOW)).toEqual(freshState());
    expect(liveState({ failures: 5, lockedUntilMs: NOW, expiresAtMs: NOW + 1 }, NOW)).toEqual(freshState());
  });

  test('a live record reads as it is', () => {
    expect(liveState({ failures: 3, lockedUntilMs: null, expiresAtMs: NOW + 1 }, NOW)).toEqual({ failures: 3, lockedUntilMs: null });
    expect(liveState({ failures: 5, lockedUntilMs: NOW + 1, expiresAtMs: NOW + 1 }, NOW)).toEqual({ failures: 5, lockedUntilMs: NOW + 1 });
  });

  test('isLocked: until lockedUntilMs, not at it', () => {
    expect(isLocked({ failures: 5, lockedUntilMs: NOW + 1 }, NOW)).toBe(true);
    expect(isLocked({ failures: 5, lockedUntilMs: NOW }, NOW)).toBe(false);
    expect(isLocked(freshState(), NOW)).toBe(false);
  });
});

describe('wrong answers and locks', () => {
  test('each wrong answer counts; the maxFailures-th locks for lockSeconds from now', () => {
    let state: CounterState = freshState();
    for (let i = 1; i <= 4; i += 1) {
      state = afterWrong(state, LIMITS);
      expect(state).toEqual({ failures: i, lockedUntilMs: null });
    }
    expect(afterWrong(state, LIMITS)).toEqual({ failures: 5, lockedUntilMs: NOW + LOCK });
  });

  test('a max of 1 locks on the first wrong answer; fractional lock minutes are whole milliseconds', () => {
    expect(afterWrong(freshState(), { maxFailures: 1, lockSeconds: 0.0015, nowMs: NOW })).toEqual({ failures: 1, lockedUntilMs: NOW + 2 });
    expect(lockMs({ lockSeconds: 0.5 * 60 })).toBe(30_000);
  });

  test('a wrong answer during a lock counts, and the lock restarts from now but never shrinks', () => {
    const locked = { failures: 5, lockedUntilMs: NOW + LOCK };
    expect(afterWrong(locked, { ...LIMITS, nowMs: NOW + 1000 })).toEqual({ failures: 6, lockedUntilMs: NOW + 1000 + LOCK });
    expect(afterWrong(locked, { ...LIMITS, lockSeconds: 60, nowMs: NOW + 1000 })).toEqual({ failures: 6, lockedUntilMs: NOW + LOCK });
  });

  test('settle: wrong counts whether held or not; right resets only a held reservation; void changes nothing', () => {
    const state = { failures: 2, lockedUntilMs: null };
    expect(afterSettle(state, 'wrong', true, LIMITS)).toEqual({ failures: 3, lockedUntilMs: null });
    expect(afterSettle(state, 'wrong', false, LIMITS)).toEqual({ failures: 3, lockedUntilMs: null });
    expect(afterSettle(state, 'right', true, LIMITS)).toEqual(freshState());
    expect(afterSettle({ failures: 5, lockedUntilMs: NOW + 1 }, 'right', true, LIMITS)).toEqual(freshState());
    expect(afterSettle(state, 'right', false, LIMITS)).toEqual(state);
    expect(afterSettle(state, 'void', true, LIMITS)).toEqual(state);
  });
});

describe('raiseFailures', () => {
  test('raises to a reported count, never lowers', () => {
    expect(afterRaise(freshState(), 3, LIMITS)).toEqual({ failures: 3, lockedUntilMs: null });
    expect(afterRaise({ failures: 3, lockedUntilMs: null }, 1, LIMITS)).toEqual({ failures: 3, lockedUntilMs: null });
  });

  test('locks on reaching the limit; keeps an active lock as it is', () => {
    expect(afterRaise(freshState(), 5, LIMITS)).toEqual({ failures: 5, lockedUntilMs: NOW + LOCK });
    expect(afterRaise({ failures: 5, lockedUntilMs: NOW + 10 }, 9, LIMITS)).toEqual({ failures: 9, lockedUntilMs: NOW + 10 });
    expect(afterRaise({ failures: 5, lockedUntilMs: NOW + 10 }, 0, LIMITS)).toEqual({ failures: 5, lockedUntilMs: NOW + 10 });
  });

  test('reported counts are whole numbers from 0 (anything else is 0), capped', () => {
    expect(normalizeCount(Number.NaN)).toBe(0);
    expect(normalizeCount(-1)).toBe(0);
    expect(normalizeCount(2.9)).toBe(2);
    expect(normalizeCount(Number.POSITIVE_INFINITY)).toBe(1_000_000);
    expect(normalizeCount('3' as unknown as number)).toBe(0);
  });
});

describe('reservations', () => {
  test("refused when locked ('locked' wins), or when failures + in flight reach the limit ('busy')", () => {
    expect(reserveRefusal(freshState(), 0, LIMITS)).toBeNull();
    expect(reserveRefusal({ failures: 4, lockedUntilMs: null }, 0, LIMITS)).toBeNull();
    expect(reserveRefusal({ failures: 4, lockedUntilMs: null }, 1, LIMITS)).toBe('busy');
    expect(reserveRefusal(freshState(), 5, LIMITS)).toBe('busy');
    expect(reserveRefusal({ failures: 5, lockedUntilMs: NOW + 1 }, 3, LIMITS)).toBe('locked');
  });

  test('liveHolds counts holds that end after now', () => {
    expect(liveHolds([NOW - 1, NOW, NOW + 1, NOW + 2], NOW)).toBe(2);
    expect(liveHolds([], NOW)).toBe(0);
  });

  test('toCounter', () => {
    expect(toCounter({ failures: 2, lockedUntilMs: null }, 3)).toEqual({ failures: 2, inFlight: 3, lockedUntilMs: null });
  });
});

describe('storageStep', () => {
  test('fresh: delete; unchanged: keep (its expiry too); changed: write for one lock period, never ending before the lock', () => {
    const two = { failures: 2, lockedUntilMs: null };
    expect(storageStep(two, freshState(), LIMITS)).toEqual({ kind: 'delete' });
    expect(storageStep(freshState(), freshState(), LIMITS)).toEqual({ kind: 'delete' });
    expect(storageStep(two, { ...two }, LIMITS)).toEqual({ kind: 'keep' });
    expect(storageStep(two, { failures: 3, lockedUntilMs: null }, LIMITS)).toEqual({ kind: 'write', expiresAtMs: NOW + LOCK });
    expect(storageStep(two, { failures: 5, lockedUntilMs: NOW + 2 * LOCK }, LIMITS)).toEqual({
      kind: 'write',
      expiresAtMs: NOW + 2 * LOCK,
    });
  });
});

describe('checkAttemptLimits', () => {
  test('refuses limits no caller should pass', () => {
    expect(() => checkAttemptLimits(LIMITS, 1000)).not.toThrow();
    expect(() => checkAttemptLimits({ ...LIMITS, maxFailures: 0 })).toThrow(RangeError);
    expect(() => checkAttemptLimits({ ...LIMITS, maxFailures: 1.5 })).toThrow(RangeError);
    expect(() => checkAttemptLimits({ ...LIMITS, lockSeconds: 0 })).toThrow(RangeError);
    expect(() => checkAttemptLimits({ ...LIMITS, lockSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => checkAttemptLimits({ ...LIMITS, nowMs: NOW + 0.5 })).toThrow(RangeError);
    expect(() => checkAttemptLimits(LIMITS, 0)).toThrow(RangeError);
  });
});

describe('properties', () => {
  /**
   * Any interleaving of reserve / settle (wrong, right, void; known or unknown ids) / raise / time
   * passing, run through the pure rules as a store runs them. While every guess is answered
   * within its hold, wrong answers in one lock period (from one fresh count to the next) plus
   * guesses still in flight never exceed maxFailures; a reported count only ever raises, and
   * reaching the limit always locks.
   */
  test('never more than maxFailures guesses per lock period, however steps interleave', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('reserve' as const) }),
      fc.record({
        op: fc.constant('settle' as const),
        pick: fc.nat(),
        result: fc.constantFrom('wrong' as const, 'right' as const, 'void' as const),
      }),
      fc.record({ op: fc.constant('raise' as const), to: fc.integer({ min: -1, max: 8 }) }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 400_000 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 200 }), (maxFailures, steps) => {
        let now = NOW;
        let stored: { failures: number; lockedUntilMs: number | null; expiresAtMs: number } | null = null;
        const holds = new Set<number>(); // held far longer than the test runs
        let nextId = 0;
        let wrongInPeriod = 0;
        const limits = () => ({ maxFailures, lockSeconds: 300, nowMs: now });
        const apply = (current: CounterState, next: CounterState): void => {
          const s = storageStep(current, next, limits());
          if (s.kind === 'delete') stored = null;
          else if (s.kind === 'write') stored = { ...next, expiresAtMs: s.expiresAtMs };
        };
        for (const action of steps) {
          const current = liveState(stored, now);
          if (current.failures === 0 && current.lockedUntilMs === null) wrongInPeriod = 0;
          if (action.op === 'wait') {
            now += action.ms;
          } else if (action.op === 'reserve') {
            if (reserveRefusal(current, holds.size, limits()) === null) holds.add(nextId++);
          } else if (action.op === 'settle') {
            const ids = [...holds];
            const id = ids.length > 0 && action.pick % 4 !== 0 ? ids[action.pick % ids.length] : -1; // now and then an unknown id
            const known = holds.delete(id);
            const next = afterSettle(current, action.result, known, limits());
            if (action.result === 'wrong' && known) wrongInPeriod += 1;
            if (action.result === 'right' && known) expect(next).toEqual(freshState());
            else expect(next.failures).toBeGreaterThanOrEqual(current.failures);
            apply(current, next);
          } else {
            const next = afterRaise(current, action.to, limits());
            expect(next.failures).toBeGreaterThanOrEqual(current.failures);
            if (next.failures >= maxFailures) expect(isLocked(next, now)).toBe(true);
            apply(current, next);
          }
          const after = liveState(stored, now);
          if (after.failures === 0 && after.lockedUntilMs === null) wrongInPeriod = 0;
          expect(wrongInPeriod + holds.size).toBeLessThanOrEqual(maxFailures);
        }
      }),
      { numRuns: 300 },
    );
  });
});
