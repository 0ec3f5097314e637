/**
 * The `Store` contract (forms-server/store/types.ts) as one suite, run against every
 * implementation: test/unit/forms-store-memory.test.ts and
 * test/integration/forms-store-redis.test.ts. Time is the `nowMs` each call gets, and only goes
 * forward within a test (as a clock does).
 */
import type { AttemptLimits, Counter, Reservation, Store, VisitLimits, VisitRecord } from '../../forms-server/store/index';

export interface StoreContractTarget {
  /** A new, empty store with a key space of its own. */
  create(): Promise<Store>;
  /** Closes the store (and removes whatever it left behind). */
  release(store: Store): Promise<void>;
}

/** 2030-01-01 12:00 UTC. */
export const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
export const MINUTE = 60_000;
const ALICE = 'tenant.example.auth0.com|auth0|alice';
const BOB = 'tenant.example.auth0.com|auth0|bob';
const ROOMY: VisitLimits = { maxOpenPerUser: 5, capacity: 1000 };

export interface TestVisit extends VisitRecord {
  csrf: string;
  sends: number;
  notice: { key: string; kind: 'error' | 'info' } | null;
  tags: string[];
}

export function testVisit(id: string, overrides: Partial<TestVisit> = {}): TestVisit {
  return {
    id,
    userKey: ALICE,
    expiresAtMs: NOW + 10 * MINUTE,
    version: 0,
    csrf: `csrf-${id}`,
    sends: 0,
    notice: null,
    tags: ['a', 'b'],
    ...overrides,
  };
}

/** A copy of the visit with some fields changed (what a route does before a save). */
export function changed(visit: TestVisit, changes: Partial<TestVisit>): TestVisit {
  return { ...visit, ...changes };
}

function attempts(nowMs: number, maxFailures = 5, lockSeconds = 900): AttemptLimits {
  return { maxFailures, lockSeconds, nowMs };
}

function held(nowMs: number, holdMs = 30_000, maxFailures = 5, lockSeconds = 900): AttemptLimits & { holdMs: number } {
  return { ...attempts(nowMs, maxFailures, lockSeconds), holdMs };
}

function okId(reservation: Reservation): string {
  if (!reservation.ok) throw new Error(`expected a reservation, got ${reservation.reason}`);
  return reservation.id;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function storeContract(name: string, target: StoreContractTarget): void {
  let open: Store[] = [];
  async function newStore(): Promise<Store> {
    const store = await target.create();
    open.push(store);
    return store;
  }
  afterEach(async () => {
    const stores = open;
    open = [];
    for (const store of stores) await target.release(store);
  });

  describe(`${name}: visits`, () => {
    test('open stores the visit as it was given; reads are copies; the caller keeps its object', async () => {
      const store = await newStore();
      const visit = testVisit('v1');
      expect(await store.openVisit(visit, 'link-1', NOW + 10 * MINUTE, ROOMY, NOW)).toEqual({ kind: 'created' });
      visit.sends = 99;
      visit.tags.push('mutated');
      const read = await store.getVisit<TestVisit>('v1', NOW);
      expect(read).toEqual(testVisit('v1'));
      read!.sends = 7;
      read!.tags.push('x');
      expect(await store.getVisit<TestVisit>('v1', NOW + 1)).toEqual(testVisit('v1'));
      expect(await store.getVisit('unknown', NOW)).toBeNull();
    });

    test('the same link again finds the first visit and stores nothing', async () => {
      const store = await newStore();
      await store.openVisit(testVisit('v1'), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW);
      expect(await store.openVisit(testVisit('v2'), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW + 1)).toEqual({
        kind: 'existing',
        visitId: 'v1',
      });
      expect(await store.getVisit('v2', NOW + 1)).toBeNull();
      // Another link is another visit.
      expect(await store.openVisit(testVisit('v3'), 'link-3', NOW + 10 * MINUTE, ROOMY, NOW + 2)).toEqual({ kind: 'created' });
    });

    test('a link stays used until its own expiry, even after its visit expired; then it opens again', async () => {
      const store = await newStore();
      await store.openVisit(testVisit('v1', { expiresAtMs: NOW + MINUTE }), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW);
      expect(await store.getVisit('v1', NOW + MINUTE)).toBeNull();
      expect(await store.openVisit(testVisit('v2'), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW + 2 * MINUTE)).toEqual({
        kind: 'existing',
        visitId: 'v1',
      });
      expect(
        await store.openVisit(testVisit('v2', { expiresAtMs: NOW + 20 * MINUTE }), 'link-1', NOW + 20 * MINUTE, ROOMY, NOW + 10 * MINUTE),
      ).toEqual({
        kind: 'created',
      });
      expect(await store.getVisit('v2', NOW + 10 * MINUTE)).not.toBeNull();
    });

    test('a visit is there until its expiry and gone from then on', async () => {
      const store = await newStore();
      await store.openVisit(testVisit('v1'), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW);
      expect(await store.getVisit('v1', NOW + 10 * MINUTE - 1)).not.toBeNull();
      expect(await store.getVisit('v1', NOW + 10 * MINUTE)).toBeNull();
      expect(await store.saveVisit(testVisit('v1'), NOW + 10 * MINUTE)).toBe(false);
    });

    test("opening one past the per-user cap drops that user's oldest visit, and only that one", async () => {
      const store = await newStore();
      const limits: VisitLimits = { maxOpenPerUser: 2, capacity: 100 };
      await store.openVisit(testVisit('bob-1', { userKey: BOB, expiresAtMs: NOW + MINUTE }), 'link-b1', NOW + 10 * MINUTE, limits, NOW);
      await store.openVisit(testVisit('a1', { expiresAtMs: NOW + 5 * MINUTE }), 'link-a1', NOW + 10 * MINUTE, limits, NOW);
      await store.openVisit(testVisit('a2', { expiresAtMs: NOW + 6 * MINUTE }), 'link-a2', NOW + 10 * MINUTE, limits, NOW + 1);
      expect(
        await store.openVisit(testVisit('a3', { expiresAtMs: NOW + 7 * MINUTE }), 'link-a3', NOW + 10 * MINUTE, limits, NOW + 2),
      ).toEqual({ kind: 'created' });
      expect(await store.getVisit('a1', NOW + 3)).toBeNull();
      expect(await store.getVisit('a2', NOW + 3)).not.toBeNull();
      expect(await store.getVisit('a3', NOW + 3)).not.toBeNull();
      expect(await store.getVisit('bob-1', NOW + 3)).not.toBeNull();
      // A dropped visit cannot be saved back.
      expect(await store.saveVisit(testVisit('a1', { expiresAtMs: NOW + 5 * MINUTE }), NOW + 4)).toBe(false);
      expect(await store.getVisit('a1', NOW + 5)).toBeNull();
    });

    test("a user's expired visits do not count against the cap", async () => {
      const store = await newStore();
      const limits: VisitLimits = { maxOpenPerUser: 2, capacity: 100 };
      await store.openVisit(testVisit('a1', { expiresAtMs: NOW + MINUTE }), 'link-a1', NOW + 10 * MINUTE, limits, NOW);
      await store.openVisit(testVisit('a2', { expiresAtMs: NOW + 9 * MINUTE }), 'link-a2', NOW + 10 * MINUTE, limits, NOW);
      // a1 expired: a3 fits beside a2 without dropping it.
      await store.openVisit(testVisit('a3', { expiresAtMs: NOW + 9 * MINUTE }), 'link-a3', NOW + 10 * MINUTE, limits, NOW + 2 * MINUTE);
      expect(await store.getVisit('a2', NOW + 2 * MINUTE)).not.toBeNull();
      expect(await store.getVisit('a3', NOW + 2 * MINUTE)).not.toBeNull();
    });

    test("a full store refuses: nothing stored, the link not used up, no other user's visit dropped", async () => {
      const store = await newStore();
      const limits: VisitLimits = { maxOpenPerUser: 5, capacity: 2 };
      await store.openVisit(testVisit('b1', { userKey: BOB }), 'link-b1', NOW + 10 * MINUTE, limits, NOW);
      await store.openVisit(testVisit('a1'), 'link-a1', NOW + 10 * MINUTE, limits, NOW);
      expect(await store.openVisit(testVisit('a2'), 'link-a2', NOW + 10 * MINUTE, limits, NOW + 1)).toEqual({ kind: 'full' });
      expect(await store.getVisit('a2', NOW + 1)).toBeNull();
      expect(await store.getVisit('a1', NOW + 1)).not.toBeNull();
      expect(await store.getVisit('b1', NOW + 1)).not.toBeNull();
      // With more room (the same call's capacity), the same link still opens.
      expect(await store.openVisit(testVisit('a2'), 'link-a2', NOW + 10 * MINUTE, { ...limits, capacity: 3 }, NOW + 2)).toEqual({
        kind: 'created',
      });
    });

    test('a full store evicts expired visits first, then has room', async () => {
      const store = await newStore();
      const limits: VisitLimits = { maxOpenPerUser: 5, capacity: 2 };
      await store.openVisit(testVisit('b1', { userKey: BOB, expiresAtMs: NOW + MINUTE }), 'link-b1', NOW + 10 * MINUTE, limits, NOW);
      await store.openVisit(testVisit('a1', { expiresAtMs: NOW + 2 * MINUTE }), 'link-a1', NOW + 10 * MINUTE, limits, NOW);
      expect(await store.openVisit(testVisit('a2'), 'link-a2', NOW + 10 * MINUTE, limits, NOW + MINUTE - 1)).toEqual({ kind: 'full' });
      // b1 expired at NOW + MINUTE: one place.
      expect(await store.openVisit(testVisit('a2'), 'link-a2', NOW + 10 * MINUTE, limits, NOW + MINUTE)).toEqual({ kind: 'created' });
      expect(await store.openVisit(testVisit('a3'), 'link-a3', NOW + 10 * MINUTE, limits, NOW + MINUTE)).toEqual({ kind: 'full' });
      expect(await store.getVisit('a1', NOW + MINUTE)).not.toBeNull();
    });

    test("a full store still takes a visit that replaces the same user's oldest", async () => {
      const store = await newStore();
      const limits: VisitLimits = { maxOpenPerUser: 1, capacity: 2 };
      await store.openVisit(testVisit('b1', { userKey: BOB }), 'link-b1', NOW + 10 * MINUTE, limits, NOW);
      await store.openVisit(testVisit('a1'), 'link-a1', NOW + 10 * MINUTE, limits, NOW);
      expect(await store.openVisit(testVisit('a2'), 'link-a2', NOW + 10 * MINUTE, limits, NOW + 1)).toEqual({ kind: 'created' });
      expect(await store.getVisit('a1', NOW + 1)).toBeNull();
      expect(await store.getVisit('b1', NOW + 1)).not.toBeNull();
    });

    test('saves are compare-and-set on version: each save raises it; an older version is refused', async () => {
      const store = await newStore();
      await store.openVisit(testVisit('v1'), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW);
      const first = (await store.getVisit<TestVisit>('v1', NOW))!;
      expect(first.version).toBe(0);
      expect(await store.saveVisit(changed(first, { sends: 1 }), NOW + 1)).toBe(true);
      const second = (await store.getVisit<TestVisit>('v1', NOW + 1))!;
      expect(second).toEqual({ ...testVisit('v1'), sends: 1, version: 1 });
      // The stale copy (version 0) loses; the store keeps the first save.
      expect(await store.saveVisit(changed(first, { sends: 2 }), NOW + 2)).toBe(false);
      expect((await store.getVisit<TestVisit>('v1', NOW + 2))!.sends).toBe(1);
      expect(await store.saveVisit(changed(second, { sends: 3 }), NOW + 3)).toBe(true);
      expect(await store.getVisit<TestVisit>('v1', NOW + 3)).toMatchObject({ sends: 3, version: 2 });
      // The object passed in is not changed.
      expect(second.version).toBe(1);
    });

    test('of concurrent saves of one version exactly one wins', async () => {
      const store = await newStore();
      await store.openVisit(testVisit('v1'), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.saveVisit(testVisit('v1', { sends: i + 1 }), NOW + 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true) + 1;
      expect(await store.getVisit<TestVisit>('v1', NOW + 1)).toMatchObject({ sends: winner, version: 1 });
    });

    test('a save of an unknown or expired visit is refused and does not bring it back', async () => {
      const store = await newStore();
      expect(await store.saveVisit(testVisit('ghost'), NOW)).toBe(false);
      expect(await store.getVisit('ghost', NOW)).toBeNull();
      await store.openVisit(testVisit('v1', { expiresAtMs: NOW + MINUTE }), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW);
      expect(await store.saveVisit(testVisit('v1', { expiresAtMs: NOW + 5 * MINUTE }), NOW + MINUTE)).toBe(false);
      expect(await store.getVisit('v1', NOW + MINUTE)).toBeNull();
    });

    test("a save may move the visit's expiry; it may not move the visit to another user", async () => {
      const store = await newStore();
      await store.openVisit(testVisit('v1', { expiresAtMs: NOW + MINUTE }), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW);
      expect(await store.saveVisit(testVisit('v1', { userKey: BOB }), NOW + 1)).toBe(false);
      expect(await store.saveVisit(testVisit('v1', { expiresAtMs: NOW + 5 * MINUTE }), NOW + 1)).toBe(true);
      expect(await store.getVisit('v1', NOW + 2 * MINUTE)).toMatchObject({ id: 'v1', userKey: ALICE, version: 1 });
      expect(await store.getVisit('v1', NOW + 5 * MINUTE)).toBeNull();
    });

    test('concurrent opens of one link: one visit created, every other finds it', async () => {
      const store = await newStore();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.openVisit(testVisit(`v${i}`), 'link-1', NOW + 10 * MINUTE, ROOMY, NOW)),
      );
      const created = results.map((result, i) => (result.kind === 'created' ? `v${i}` : null)).filter(Boolean);
      expect(created).toHaveLength(1);
      for (const result of results) if (result.kind !== 'created') expect(result).toEqual({ kind: 'existing', visitId: created[0] });
    });

    test('concurrent opens never exceed the capacity', async () => {
      const store = await newStore();
      const limits: VisitLimits = { maxOpenPerUser: 100, capacity: 7 };
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.openVisit(testVisit(`v${i}`, { userKey: `user-${i % 10}` }), `link-${i}`, NOW + 10 * MINUTE, limits, NOW),
        ),
      );
      expect(results.filter((result) => result.kind === 'created')).toHaveLength(7);
      expect(results.filter((result) => result.kind === 'full')).toHaveLength(23);
    });
  });

  describe(`${name}: attempts`, () => {
    const fresh: Counter = { failures: 0, inFlight: 0, lockedUntilMs: null };

    test('a new user has a fresh counter; counters are per user', async () => {
      const store = await newStore();
      expect(await store.getCounter(ALICE, NOW)).toEqual(fresh);
      await store.settleAttempt(ALICE, okId(await store.reserveAttempt(ALICE, held(NOW))), 'wrong', attempts(NOW));
      expect(await store.getCounter(ALICE, NOW)).toEqual({ failures: 1, inFlight: 0, lockedUntilMs: null });
      expect(await store.getCounter(BOB, NOW)).toEqual(fresh);
    });

    test('reserve then settle: wrong counts, void releases, right resets', async () => {
      const store = await newStore();
      const first = await store.reserveAttempt(ALICE, held(NOW));
      expect(first).toEqual({ ok: true, id: expect.any(String), counter: { failures: 0, inFlight: 1, lockedUntilMs: null } });
      expect(await store.getCounter(ALICE, NOW)).toEqual({ failures: 0, inFlight: 1, lockedUntilMs: null });
      expect(await store.settleAttempt(ALICE, okId(first), 'wrong', attempts(NOW + 1))).toEqual({
        failures: 1,
        inFlight: 0,
        lockedUntilMs: null,
      });
      const second = okId(await store.reserveAttempt(ALICE, held(NOW + 2)));
      expect(await store.settleAttempt(ALICE, second, 'void', attempts(NOW + 3))).toEqual({
        failures: 1,
        inFlight: 0,
        lockedUntilMs: null,
      });
      const third = okId(await store.reserveAttempt(ALICE, held(NOW + 4)));
      expect(await store.settleAttempt(ALICE, third, 'wrong', attempts(NOW + 5))).toEqual({
        failures: 2,
        inFlight: 0,
        lockedUntilMs: null,
      });
      const fourth = okId(await store.reserveAttempt(ALICE, held(NOW + 6)));
      expect(await store.settleAttempt(ALICE, fourth, 'right', attempts(NOW + 7))).toEqual(fresh);
      expect(await store.getCounter(ALICE, NOW + 8)).toEqual(fresh);
      // Settling one twice: the second time it is unknown (released), and a 'right' resets nothing.
      const fifth = okId(await store.reserveAttempt(ALICE, held(NOW + 9)));
      await store.settleAttempt(ALICE, fifth, 'wrong', attempts(NOW + 10));
      expect(await store.settleAttempt(ALICE, fifth, 'right', attempts(NOW + 11))).toEqual({
        failures: 1,
        inFlight: 0,
        lockedUntilMs: null,
      });
      expect(await store.settleAttempt(ALICE, 'never-reserved', 'right', attempts(NOW + 12))).toEqual({
        failures: 1,
        inFlight: 0,
        lockedUntilMs: null,
      });
      expect(await store.settleAttempt(ALICE, 'never-reserved', 'void', attempts(NOW + 13))).toEqual({
        failures: 1,
        inFlight: 0,
        lockedUntilMs: null,
      });
    });

    test('the maxFailures-th wrong answer locks for lockSeconds; then every reservation is refused as locked', async () => {
      const store = await newStore();
      for (let i = 1; i <= 4; i += 1) {
        const id = okId(await store.reserveAttempt(ALICE, held(NOW + i)));
        expect(await store.settleAttempt(ALICE, id, 'wrong', attempts(NOW + i))).toEqual({ failures: i, inFlight: 0, lockedUntilMs: null });
      }
      const last = okId(await store.reserveAttempt(ALICE, held(NOW + 5)));
      const locked: Counter = { failures: 5, inFlight: 0, lockedUntilMs: NOW + 5 + 900_000 };
      expect(await store.settleAttempt(ALICE, last, 'wrong', attempts(NOW + 5))).toEqual(locked);
      expect(await store.getCounter(ALICE, NOW + 6)).toEqual(locked);
      expect(await store.reserveAttempt(ALICE, held(NOW + 6))).toEqual({ ok: false, reason: 'locked', counter: locked });
      expect(await store.getCounter(BOB, NOW + 6)).toEqual(fresh);
    });

    test('a lock that ended is a fresh count', async () => {
      const store = await newStore();
      await store.raiseFailures(ALICE, 5, attempts(NOW));
      const until = NOW + 900_000;
      expect(await store.getCounter(ALICE, until - 1)).toEqual({ failures: 5, inFlight: 0, lockedUntilMs: until });
      expect(await store.reserveAttempt(ALICE, held(until - 1))).toMatchObject({ ok: false, reason: 'locked' });
      expect(await store.getCounter(ALICE, until)).toEqual(fresh);
      const id = okId(await store.reserveAttempt(ALICE, held(until)));
      expect(await store.settleAttempt(ALICE, id, 'wrong', attempts(until + 1))).toEqual({ failures: 1, inFlight: 0, lockedUntilMs: null });
    });

    test('busy: failures + attempts in flight reach maxFailures; a settled attempt makes room again', async () => {
      const store = await newStore();
      const limits = held(NOW, 30_000, 3);
      await store.settleAttempt(ALICE, okId(await store.reserveAttempt(ALICE, limits)), 'wrong', attempts(NOW, 3));
      const a = okId(await store.reserveAttempt(ALICE, limits));
      const b = okId(await store.reserveAttempt(ALICE, limits));
      expect(a).not.toBe(b);
      expect(await store.reserveAttempt(ALICE, limits)).toEqual({
        ok: false,
        reason: 'busy',
        counter: { failures: 1, inFlight: 2, lockedUntilMs: null },
      });
      await store.settleAttempt(ALICE, a, 'void', attempts(NOW + 1, 3));
      expect(await store.reserveAttempt(ALICE, held(NOW + 2, 30_000, 3))).toMatchObject({
        ok: true,
        counter: { failures: 1, inFlight: 2 },
      });
      // b comes back wrong: 2 failures + 1 still in flight reach the limit again.
      await store.settleAttempt(ALICE, b, 'wrong', attempts(NOW + 3, 3));
      expect(await store.reserveAttempt(ALICE, held(NOW + 3, 30_000, 3))).toMatchObject({ ok: false, reason: 'busy' });
      const counter = await store.getCounter(ALICE, NOW + 3);
      expect(counter).toEqual({ failures: 2, inFlight: 1, lockedUntilMs: null });
    });

    test('locked wins over busy', async () => {
      const store = await newStore();
      const id = okId(await store.reserveAttempt(ALICE, held(NOW, 30_000, 2)));
      okId(await store.reserveAttempt(ALICE, held(NOW, 30_000, 2)));
      expect(await store.reserveAttempt(ALICE, held(NOW, 30_000, 2))).toMatchObject({ ok: false, reason: 'busy' });
      await store.raiseFailures(ALICE, 2, attempts(NOW + 1, 2));
      expect(await store.reserveAttempt(ALICE, held(NOW + 2, 30_000, 2))).toEqual({
        ok: false,
        reason: 'locked',
        counter: { failures: 2, inFlight: 2, lockedUntilMs: NOW + 1 + 900_000 },
      });
      // A wrong answer that was in flight still counts; the lock is never shortened.
      expect(await store.settleAttempt(ALICE, id, 'wrong', attempts(NOW + 3, 2, 60))).toEqual({
        failures: 3,
        inFlight: 1,
        lockedUntilMs: NOW + 1 + 900_000,
      });
    });

    test('a reservation never settled is released by itself after holdMs', async () => {
      const store = await newStore();
      const limits = held(NOW, 1000, 1);
      const id = okId(await store.reserveAttempt(ALICE, limits));
      expect(await store.reserveAttempt(ALICE, held(NOW + 999, 1000, 1))).toMatchObject({ ok: false, reason: 'busy' });
      expect(await store.getCounter(ALICE, NOW + 999)).toEqual({ failures: 0, inFlight: 1, lockedUntilMs: null });
      expect(await store.getCounter(ALICE, NOW + 1000)).toEqual(fresh);
      const again = okId(await store.reserveAttempt(ALICE, held(NOW + 1000, 1000, 1)));
      expect(again).not.toBe(id);
      // The expired one settles as released ('right' resets nothing) ...
      expect(await store.settleAttempt(ALICE, id, 'right', attempts(NOW + 1001, 1))).toEqual({
        failures: 0,
        inFlight: 1,
        lockedUntilMs: null,
      });
      // ... except 'wrong', which still counts (here: the one failure allowed, so a lock).
      expect(await store.settleAttempt(ALICE, id, 'wrong', attempts(NOW + 1002, 1))).toEqual({
        failures: 1,
        inFlight: 1,
        lockedUntilMs: NOW + 1002 + 900_000,
      });
    });

    test('raiseFailures raises to a reported count, never lowers, locks at the limit and never extends or lifts a lock', async () => {
      const store = await newStore();
      expect(await store.raiseFailures(ALICE, 3, attempts(NOW))).toEqual({ failures: 3, inFlight: 0, lockedUntilMs: null });
      expect(await store.raiseFailures(ALICE, 1, attempts(NOW + 1))).toEqual({ failures: 3, inFlight: 0, lockedUntilMs: null });
      expect(await store.raiseFailures(ALICE, 0, attempts(NOW + 2))).toEqual({ failures: 3, inFlight: 0, lockedUntilMs: null });
      okId(await store.reserveAttempt(ALICE, held(NOW + 3)));
      expect(await store.raiseFailures(ALICE, 5, attempts(NOW + 4))).toEqual({
        failures: 5,
        inFlight: 1,
        lockedUntilMs: NOW + 4 + 900_000,
      });
      expect(await store.raiseFailures(ALICE, 7, attempts(NOW + 5))).toEqual({
        failures: 7,
        inFlight: 1,
        lockedUntilMs: NOW + 4 + 900_000,
      });
      expect(await store.raiseFailures(ALICE, 0, attempts(NOW + 6))).toEqual({
        failures: 7,
        inFlight: 1,
        lockedUntilMs: NOW + 4 + 900_000,
      });
      // Nonsense reports count as nothing.
      expect(await store.raiseFailures(BOB, Number.NaN, attempts(NOW))).toEqual(fresh);
      expect(await store.raiseFailures(BOB, -3, attempts(NOW))).toEqual(fresh);
      expect(await store.raiseFailures(BOB, 2.7, attempts(NOW))).toEqual({ failures: 2, inFlight: 0, lockedUntilMs: null });
    });

    test('a right answer resets failures and lifts a lock that came while it was in flight', async () => {
      const store = await newStore();
      const id = okId(await store.reserveAttempt(ALICE, held(NOW)));
      await store.raiseFailures(ALICE, 5, attempts(NOW + 1));
      expect(await store.settleAttempt(ALICE, id, 'right', attempts(NOW + 2))).toEqual(fresh);
      expect(await store.reserveAttempt(ALICE, held(NOW + 3))).toMatchObject({ ok: true });
    });

    test('a counter expires one lock period after its last change', async () => {
      const store = await newStore();
      await store.raiseFailures(ALICE, 2, attempts(NOW, 5, 60));
      await store.settleAttempt(
        ALICE,
        okId(await store.reserveAttempt(ALICE, held(NOW + 10_000, 1000, 5, 60))),
        'wrong',
        attempts(NOW + 10_000, 5, 60),
      );
      // No change (a lower report) does not extend it.
      await store.raiseFailures(ALICE, 1, attempts(NOW + 20_000, 5, 60));
      expect(await store.getCounter(ALICE, NOW + 70_000 - 1)).toEqual({ failures: 3, inFlight: 0, lockedUntilMs: null });
      expect(await store.getCounter(ALICE, NOW + 70_000)).toEqual(fresh);
      expect(await store.raiseFailures(ALICE, 1, attempts(NOW + 70_000, 5, 60))).toEqual({ failures: 1, inFlight: 0, lockedUntilMs: null });
    });

    test('50 concurrent reservations with maxFailures 5: exactly 5 granted', async () => {
      const store = await newStore();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.reserveAttempt(ALICE, held(NOW))));
      expect(results.filter((result) => result.ok)).toHaveLength(5);
      expect(results.filter((result) => !result.ok && result.reason === 'busy')).toHaveLength(45);
      expect(new Set(results.flatMap((result) => (result.ok ? [result.id] : []))).size).toBe(5);
      expect(await store.getCounter(ALICE, NOW)).toEqual({ failures: 0, inFlight: 5, lockedUntilMs: null });
    });

    test('racing guessers with slow answers: never more than maxFailures wrong answers reach the provider per lock period', async () => {
      const store = await newStore();
      const maxFailures = 5;
      let t = NOW;
      const clock = (): number => (t += 1);
      let granted = 0;
      let wrong = 0;
      let refusedLocked = 0;
      async function guesser(worker: number): Promise<void> {
        for (let round = 0; round < 500; round += 1) {
          const reservation = await store.reserveAttempt(ALICE, held(clock(), 60_000, maxFailures));
          if (!reservation.ok) {
            if (reservation.reason === 'locked') {
              refusedLocked += 1;
              return;
            }
            await sleep(1 + ((worker + round) % 4));
            continue;
          }
          granted += 1;
          await sleep(5 + ((worker * 7 + round) % 11)); // the provider takes its time
          wrong += 1;
          await store.settleAttempt(ALICE, reservation.id, 'wrong', attempts(clock(), maxFailures));
        }
      }
      await Promise.all(Array.from({ length: 50 }, (_, worker) => guesser(worker)));
      expect(granted).toBe(maxFailures);
      expect(wrong).toBe(maxFailures);
      expect(refusedLocked).toBe(50);
      expect(await store.getCounter(ALICE, clock())).toMatchObject({ failures: maxFailures, inFlight: 0 });
    });
  });

  describe(`${name}: expiry`, () => {
    test('everything is gone once its time has passed', async () => {
      const store = await newStore();
      await store.openVisit(testVisit('v1', { expiresAtMs: NOW + MINUTE }), 'link-1', NOW + 2 * MINUTE, ROOMY, NOW);
      await store.raiseFailures(ALICE, 2, attempts(NOW, 5, 180));
      const id = okId(await store.reserveAttempt(ALICE, held(NOW, 4 * MINUTE, 5, 180)));
      const later = NOW + 4 * MINUTE;
      expect(await store.getVisit('v1', later)).toBeNull();
      expect(await store.getCounter(ALICE, later)).toEqual({ failures: 0, inFlight: 0, lockedUntilMs: null });
      expect(await store.openVisit(testVisit('v2', { expiresAtMs: later + MINUTE }), 'link-1', later + MINUTE, ROOMY, later)).toEqual({
        kind: 'created',
      });
      expect(await store.settleAttempt(ALICE, id, 'right', attempts(later, 5, 180))).toEqual({
        failures: 0,
        inFlight: 0,
        lockedUntilMs: null,
      });
    });
  });
}
