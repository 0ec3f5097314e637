/** The in-memory store: the shared Store contract, plus what only it has (its own capacity, expiry heaps). */
import fc from 'fast-check';
import { ExpiryHeap, MemoryStore, type Store } from '../../forms-server/store/index';
import { MINUTE, NOW, storeContract, testVisit } from '../helpers/store-contract';

storeContract('MemoryStore', {
  create: async () => new MemoryStore(),
  release: async (store: Store) => store.close(),
});

describe('MemoryStore: bounds', () => {
  test("the constructor's capacity bounds every call, whatever VisitLimits says", async () => {
    const store = new MemoryStore({ capacity: 2 });
    const limits = { maxOpenPerUser: 10, capacity: 1000 };
    expect(await store.openVisit(testVisit('a', { userKey: 'u1' }), 'l-a', NOW + MINUTE, limits, NOW)).toEqual({ kind: 'created' });
    expect(await store.openVisit(testVisit('b', { userKey: 'u2' }), 'l-b', NOW + MINUTE, limits, NOW)).toEqual({ kind: 'created' });
    expect(await store.openVisit(testVisit('c', { userKey: 'u3' }), 'l-c', NOW + MINUTE, limits, NOW)).toEqual({ kind: 'full' });
    expect(() => new MemoryStore({ capacity: 0 })).toThrow(RangeError);
  });

  test('expired records of every kind are dropped as time passes, not kept until read', async () => {
    const store = new MemoryStore();
    const limits = { maxOpenPerUser: 10, capacity: 1000 };
    for (let i = 0; i < 50; i += 1) {
      await store.openVisit(testVisit(`v${i}`, { userKey: `u${i}`, expiresAtMs: NOW + MINUTE }), `l${i}`, NOW + 2 * MINUTE, limits, NOW);
      await store.raiseFailures(`u${i}`, 1, { maxFailures: 5, lockSeconds: 180, nowMs: NOW });
      await store.reserveAttempt(`u${i}`, { maxFailures: 5, lockSeconds: 180, nowMs: NOW, holdMs: 4 * MINUTE });
    }
    expect(store.sizes).toEqual({ visits: 50, links: 50, counters: 50, holds: 50 });
    await store.getCounter('anyone', NOW + MINUTE);
    expect(store.sizes).toEqual({ visits: 0, links: 50, counters: 50, holds: 50 });
    await store.getCounter('anyone', NOW + 2 * MINUTE);
    expect(store.sizes).toEqual({ visits: 0, links: 0, counters: 50, holds: 50 });
    await store.getCounter('anyone', NOW + 3 * MINUTE);
    expect(store.sizes).toEqual({ visits: 0, links: 0, counters: 0, holds: 50 });
    await store.getCounter('anyone', NOW + 4 * MINUTE);
    expect(store.sizes).toEqual({ visits: 0, links: 0, counters: 0, holds: 0 });
  });

  /** Per-call ms of opening `calls` visits into a full store of `size`, each after the earliest visit expired. */
  async function evictingOpens(size: number, calls: number): Promise<number> {
    const store = new MemoryStore();
    const limits = { maxOpenPerUser: 5, capacity: size };
    for (let i = 0; i < size; i += 1) {
      await store.openVisit(
        testVisit(`v${i}`, { userKey: `u${i}`, expiresAtMs: NOW + MINUTE + i }),
        `l${i}`,
        NOW + MINUTE + i,
        limits,
        NOW,
      );
    }
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i += 1) {
      const result = await store.openVisit(testVisit(`w${i}`, { userKey: `w${i}` }), `lw${i}`, NOW + 20 * MINUTE, limits, NOW + MINUTE + i);
      if (result.kind !== 'created') throw new Error(`open ${i} of a full store: ${result.kind}`);
    }
    const perCall = Number(process.hrtime.bigint() - started) / 1e6 / calls;
    expect(store.sizes.visits).toBe(size);
    return perCall;
  }

  test('a full store evicts the earliest visit and takes one more without scanning every visit', async () => {
    await evictingOpens(1000, 1000); // warm-up
    const small = await evictingOpens(1000, 1000);
    const large = await evictingOpens(100_000, 1000);
    // A scan of every visit per call makes 100 times more visits some 40 times slower here; the heap is O(log n).
    expect(large / small).toBeLessThan(8);
  });
});

describe('ExpiryHeap', () => {
  test('pops in expiry order after any mix of sets, moves and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 20 }), at: fc.integer({ min: 0, max: 100 }) }),
            fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 20 }) }),
            fc.record({ op: fc.constant('pop' as const), now: fc.integer({ min: 0, max: 100 }) }),
          ),
        ),
        (ops) => {
          const heap = new ExpiryHeap<number>();
          const model = new Map<number, number>();
          for (const step of ops) {
            if (step.op === 'set') {
              heap.set(step.key, step.at);
              model.set(step.key, step.at);
            } else if (step.op === 'delete') {
              expect(heap.delete(step.key)).toBe(model.delete(step.key));
            } else {
              const popped: number[] = [];
              heap.popExpired(step.now, (key) => popped.push(key));
              const due = [...model].filter(([, at]) => at <= step.now);
              expect(popped.map((key) => model.get(key))).toEqual(due.map(([, at]) => at).sort((a, b) => a - b));
              expect(new Set(popped)).toEqual(new Set(due.map(([key]) => key)));
              for (const key of popped) model.delete(key);
            }
            expect(heap.size).toBe(model.size);
            expect(heap.peekTime()).toBe(model.size ? Math.min(...model.values()) : undefined);
          }
        },
      ),
    );
  });
});
