/** The in-memory store: wrong-code counters (lock at max, lock ends, raise, reset), one-time marks, visits. */
import { MemoryStore, afterFailure, currentCounter, type Flow } from '../../forms-server/store';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const KEY = 'tenant.example.auth0.com|auth0|ada';

function flow(overrides: Partial<Flow> = {}): Flow {
  return {
    id: 'F'.repeat(43),
    csrf: 'C'.repeat(43),
    userId: 'auth0|ada',
    counterKey: KEY,
    state: 'state',
    continueUrl: 'https://tenant.example.auth0.com/continue',
    audience: 'tenant.example.auth0.com',
    locale: '',
    authyId: '1234',
    pendingAuthyId: null,
    email: null,
    maxFailures: 5,
    lockSeconds: 900,
    channel: 'app',
    sends: 0,
    lastSendAt: 0,
    pushUuid: null,
    notice: null,
    outcome: null,
    expiresAt: NOW + 600_000,
    ...overrides,
  };
}

describe('counters', () => {
  test('a new user has no failures and no lock', async () => {
    expect(await new MemoryStore().getCounter(KEY, NOW)).toEqual({ failures: 0, lockedUntil: null });
  });

  test('each failure counts; the fifth (max) locks for lockSeconds', async () => {
    const store = new MemoryStore();
    for (let i = 1; i <= 4; i += 1) expect(await store.recordFailure(KEY, 5, 900, NOW + i)).toEqual({ failures: i, lockedUntil: null });
    expect(await store.recordFailure(KEY, 5, 900, NOW + 5)).toEqual({ failures: 5, lockedUntil: NOW + 5 + 900_000 });
    expect(await store.getCounter(KEY, NOW + 10)).toEqual({ failures: 5, lockedUntil: NOW + 5 + 900_000 });
    // Other users are untouched.
    expect(await store.getCounter(`${KEY}-other`, NOW)).toEqual({ failures: 0, lockedUntil: null });
  });

  test('a max of 1 locks on the first failure', async () => {
    expect(await new MemoryStore().recordFailure(KEY, 1, 60, NOW)).toEqual({ failures: 1, lockedUntil: NOW + 60_000 });
  });

  test('the lock ends on time, and then the count starts again from zero', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 5; i += 1) await store.recordFailure(KEY, 5, 900, NOW);
    const until = NOW + 900_000;
    expect((await store.getCounter(KEY, until - 1)).lockedUntil).toBe(until);
    expect(await store.getCounter(KEY, until)).toEqual({ failures: 0, lockedUntil: null });
    expect(await store.recordFailure(KEY, 5, 900, until + 1)).toEqual({ failures: 1, lockedUntil: null });
  });

  test('a failure during a lock extends nothing it should not: the count goes on and the lock restarts from now', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 5; i += 1) await store.recordFailure(KEY, 5, 900, NOW);
    expect(await store.recordFailure(KEY, 5, 900, NOW + 1000)).toEqual({ failures: 6, lockedUntil: NOW + 1000 + 900_000 });
  });

  test('raiseCounter raises to a reported value and never lowers', async () => {
    const store = new MemoryStore();
    expect(await store.raiseCounter(KEY, 3)).toEqual({ failures: 3, lockedUntil: null });
    expect(await store.raiseCounter(KEY, 1)).toEqual({ failures: 3, lockedUntil: null });
    expect(await store.raiseCounter(KEY, 0)).toEqual({ failures: 3, lockedUntil: null });
    expect(await store.recordFailure(KEY, 5, 900, NOW)).toEqual({ failures: 4, lockedUntil: null });
    expect((await store.recordFailure(KEY, 5, 900, NOW)).lockedUntil).toBe(NOW + 900_000);
    // Raising never lifts a lock.
    expect((await store.raiseCounter(KEY, 0)).lockedUntil).toBe(NOW + 900_000);
    expect((await store.getCounter(KEY, NOW)).lockedUntil).toBe(NOW + 900_000);
  });

  test('resetCounter clears failures and lock', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 5; i += 1) await store.recordFailure(KEY, 5, 900, NOW);
    await store.resetCounter(KEY);
    expect(await store.getCounter(KEY, NOW)).toEqual({ failures: 0, lockedUntil: null });
  });

  test('counters handed out are copies', async () => {
    const store = new MemoryStore();
    const counter = await store.recordFailure(KEY, 5, 900, NOW);
    counter.failures = 0;
    expect((await store.getCounter(KEY, NOW)).failures).toBe(1);
  });

  test('concurrent failures are all counted (one atomic step each)', async () => {
    const store = new MemoryStore();
    await Promise.all(Array.from({ length: 5 }, () => store.recordFailure(KEY, 5, 900, NOW)));
    expect(await store.getCounter(KEY, NOW)).toEqual({ failures: 5, lockedUntil: NOW + 900_000 });
  });

  test('the pure helpers behind the store', () => {
    expect(currentCounter(undefined, NOW)).toEqual({ failures: 0, lockedUntil: null });
    expect(currentCounter({ failures: 5, lockedUntil: NOW }, NOW)).toEqual({ failures: 0, lockedUntil: null });
    expect(currentCounter({ failures: 5, lockedUntil: NOW + 1 }, NOW)).toEqual({ failures: 5, lockedUntil: NOW + 1 });
    expect(currentCounter({ failures: 2, lockedUntil: null }, NOW)).toEqual({ failures: 2, lockedUntil: null });
    expect(afterFailure({ failures: 3, lockedUntil: null }, 5, 900, NOW)).toEqual({ failures: 4, lockedUntil: null });
    expect(afterFailure({ failures: 4, lockedUntil: null }, 5, 900, NOW)).toEqual({ failures: 5, lockedUntil: NOW + 900_000 });
  });
});

describe('markUsed (one visit per link)', () => {
  test('true the first time, false until it expires, true again after', async () => {
    const store = new MemoryStore();
    expect(await store.markUsed('outbound:a', NOW + 600_000, NOW)).toBe(true);
    expect(await store.markUsed('outbound:a', NOW + 600_000, NOW + 1)).toBe(false);
    expect(await store.markUsed('outbound:a', NOW + 600_000, NOW + 599_999)).toBe(false);
    expect(await store.markUsed('outbound:b', NOW + 600_000, NOW)).toBe(true);
    expect(await store.markUsed('outbound:a', NOW + 1_200_000, NOW + 600_000)).toBe(true);
  });

  test('concurrent marks of one value: exactly one wins', async () => {
    const store = new MemoryStore();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.markUsed('outbound:c', NOW + 1000, NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('visits', () => {
  test('create, read, save: the store keeps its own copy', async () => {
    const store = new MemoryStore();
    const original = flow();
    await store.createFlow(original);
    original.sends = 99;
    const read = await store.getFlow(original.id, NOW);
    expect(read?.sends).toBe(0);
    read!.sends = 1;
    expect((await store.getFlow(original.id, NOW))?.sends).toBe(0);
    await store.saveFlow(read!);
    expect((await store.getFlow(original.id, NOW))?.sends).toBe(1);
  });

  test('saving a visit that does not exist (or no longer exists) does not bring it back', async () => {
    const store = new MemoryStore();
    await store.saveFlow(flow({ id: 'G'.repeat(43) }));
    expect(await store.getFlow('G'.repeat(43), NOW)).toBeNull();
  });

  test('a visit is gone once it expires', async () => {
    const store = new MemoryStore();
    await store.createFlow(flow());
    expect(await store.getFlow('F'.repeat(43), NOW + 599_999)).not.toBeNull();
    expect(await store.getFlow('F'.repeat(43), NOW + 600_000)).toBeNull();
    expect(await store.getFlow('F'.repeat(43), NOW)).toBeNull();
    expect(await store.getFlow('unknown', NOW)).toBeNull();
  });

  test('a full store refuses a new visit rather than growing without bound', async () => {
    const store = new MemoryStore(2);
    const far = Date.now() + 3_600_000;
    await store.createFlow(flow({ id: 'A'.repeat(43), expiresAt: far }));
    await store.createFlow(flow({ id: 'B'.repeat(43), expiresAt: far }));
    await expect(store.createFlow(flow({ id: 'C'.repeat(43), expiresAt: far }))).rejects.toThrow('too many open flows');
  });

  test('a full store makes room by dropping expired visits', async () => {
    const store = new MemoryStore(2);
    const past = Date.now() - 1000;
    await store.createFlow(flow({ id: 'A'.repeat(43), expiresAt: past }));
    await store.createFlow(flow({ id: 'B'.repeat(43), expiresAt: past }));
    await expect(store.createFlow(flow({ id: 'C'.repeat(43), expiresAt: Date.now() + 60_000 }))).resolves.toBeUndefined();
  });
});
