/**
 * The store for one process (the default without REDIS_URL). Every method runs to completion
 * without awaiting anything, so each is one atomic step, as the Redis store's Lua scripts are.
 *
 * Bounded: at most `capacity` visits (the constructor's, or the call's `VisitLimits.capacity` if
 * lower) and `maxOpenPerUser` per user. Visits, link markers, counters and reservations each sit
 * in a min-heap by expiry, and every call first pops what expired from the tops of the heaps:
 * O(log n) per expired record, never a scan of every record.
 *
 * Visits are kept as JSON text, so that callers never share objects with the store (and a record
 * reads back exactly as it would from Redis).
 */
import { checkKey, checkResult, checkTime, checkVisit, checkVisitLimits, serializeVisit } from './checks';
import {
  afterRaise,
  afterSettle,
  checkAttemptLimits,
  liveHolds,
  liveState,
  reserveRefusal,
  storageStep,
  toCounter,
  type CounterState,
  type StoredCounter,
} from './counter';
import { ExpiryHeap } from './expiry-heap';
import { VisitTable } from './memory-visits';
import type { AttemptLimits, AttemptResult, Counter, OpenResult, Reservation, Store, VisitLimits, VisitRecord } from './types';
import { randomBase64url } from '../../lib/random';

export const DEFAULT_CAPACITY = 100_000;

export interface MemoryStoreOptions {
  /** Visits in all, whatever a call's `VisitLimits.capacity` says (default 100,000). */
  capacity?: number;
}

interface Link {
  visitId: string;
  expiresAtMs: number;
}

export class MemoryStore implements Store {
  readonly capacity: number;

  private readonly visits = new VisitTable();
  private readonly links = new Map<string, Link>();
  private readonly linkExpiry = new ExpiryHeap<string>();
  private readonly counters = new Map<string, StoredCounter>();
  private readonly counterExpiry = new ExpiryHeap<string>();
  /** Reservation id -> hold expiry, by user key; the heap holds each user's latest hold expiry. */
  private readonly holds = new Map<string, Map<string, number>>();
  private readonly holdExpiry = new ExpiryHeap<string>();

  constructor(options: MemoryStoreOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer >= 1');
    this.capacity = capacity;
  }

  /** Records in memory (for tests and health checks). */
  get sizes(): { visits: number; links: number; counters: number; holds: number } {
    return { visits: this.visits.size, links: this.links.size, counters: this.counters.size, holds: this.holds.size };
  }

  // ------------------------------------------------------------ visits

  async openVisit(visit: VisitRecord, linkKey: string, linkExpiresAtMs: number, limits: VisitLimits, nowMs: number): Promise<OpenResult> {
    checkVisit(visit);
    checkKey(linkKey, 'linkKey');
    checkTime(linkExpiresAtMs, 'linkExpiresAtMs');
    checkVisitLimits(limits);
    checkTime(nowMs, 'nowMs');
    const json = serializeVisit(visit, visit.version);
    this.prune(nowMs);

    const bound = this.links.get(linkKey);
    if (bound) return { kind: 'existing', visitId: bound.visitId };

    // The user's oldest open visits (earliest expiry first) that make room for this one.
    const drop = this.visits.oldestOf(visit.userKey, this.visits.openCount(visit.userKey) + 1 - limits.maxOpenPerUser);
    if (this.visits.size - drop.length + 1 > Math.min(limits.capacity, this.capacity)) return { kind: 'full' };
    for (const id of drop) this.visits.delete(id);

    if (linkExpiresAtMs > nowMs) {
      this.links.set(linkKey, { visitId: visit.id, expiresAtMs: linkExpiresAtMs });
      this.linkExpiry.set(linkKey, linkExpiresAtMs);
    }
    if (visit.expiresAtMs > nowMs)
      this.visits.put(visit.id, { json, userKey: visit.userKey, expiresAtMs: visit.expiresAtMs, version: visit.version });
    return { kind: 'created' };
  }

  async getVisit<V extends VisitRecord>(id: string, nowMs: number): Promise<V | null> {
    checkTime(nowMs, 'nowMs');
    const stored = this.visits.get(id);
    if (!stored || stored.expiresAtMs <= nowMs) return null;
    return JSON.parse(stored.json) as V;
  }

  async saveVisit(visit: VisitRecord, nowMs: number): Promise<boolean> {
    checkVisit(visit);
    checkTime(nowMs, 'nowMs');
    const json = serializeVisit(visit, visit.version + 1);
    this.prune(nowMs);
    const stored = this.visits.get(visit.id);
    if (!stored || stored.expiresAtMs <= nowMs || stored.version !== visit.version || stored.userKey !== visit.userKey) return false;
    if (visit.expiresAtMs <= nowMs) this.visits.delete(visit.id);
    else this.visits.put(visit.id, { json, userKey: visit.userKey, expiresAtMs: visit.expiresAtMs, version: visit.version + 1 });
    return true;
  }

  // ------------------------------------------------------------ attempts

  async getCounter(userKey: string, nowMs: number): Promise<Counter> {
    checkKey(userKey, 'userKey');
    checkTime(nowMs, 'nowMs');
    this.prune(nowMs);
    return toCounter(liveState(this.counters.get(userKey), nowMs), this.inFlight(userKey, nowMs));
  }

  async raiseFailures(userKey: string, failures: number, limits: AttemptLimits): Promise<Counter> {
    checkKey(userKey, 'userKey');
    checkAttemptLimits(limits);
    this.prune(limits.nowMs);
    const current = liveState(this.counters.get(userKey), limits.nowMs);
    const next = afterRaise(current, failures, limits);
    this.storeCounter(userKey, current, next, limits);
    return toCounter(next, this.inFlight(userKey, limits.nowMs));
  }

  async reserveAttempt(userKey: string, limits: AttemptLimits & { holdMs: number }): Promise<Reservation> {
    checkKey(userKey, 'userKey');
    checkAttemptLimits(limits, limits.holdMs);
    const { nowMs } = limits;
    this.prune(nowMs);
    const state = liveState(this.counters.get(userKey), nowMs);
    const held = this.holds.get(userKey);
    if (held) for (const [id, until] of held) if (until <= nowMs) held.delete(id);
    const inFlight = held?.size ?? 0;
    const refusal = reserveRefusal(state, inFlight, limits);
    if (refusal) return { ok: false, reason: refusal, counter: toCounter(state, inFlight) };

    const id = randomBase64url(16);
    const mine = held ?? new Map<string, number>();
    mine.set(id, nowMs + limits.holdMs);
    this.holds.set(userKey, mine);
    let latest = 0;
    for (const holdUntil of mine.values()) if (holdUntil > latest) latest = holdUntil;
    this.holdExpiry.set(userKey, latest);
    return { ok: true, id, counter: toCounter(state, inFlight + 1) };
  }

  async settleAttempt(userKey: string, reservationId: string, result: AttemptResult, limits: AttemptLimits): Promise<Counter> {
    checkKey(userKey, 'userKey');
    checkAttemptLimits(limits);
    checkResult(result);
    const { nowMs } = limits;
    this.prune(nowMs);
    const held = this.holds.get(userKey);
    const until = held?.get(reservationId);
    if (held && until !== undefined) {
      held.delete(reservationId);
      if (held.size === 0) {
        this.holds.delete(userKey);
        this.holdExpiry.delete(userKey);
      }
    }
    const current = liveState(this.counters.get(userKey), nowMs);
    const next = afterSettle(current, result, until !== undefined && nowMs < until, limits);
    this.storeCounter(userKey, current, next, limits);
    return toCounter(next, this.inFlight(userKey, nowMs));
  }

  // ------------------------------------------------------------ lifecycle

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.visits.clear();
    this.links.clear();
    this.linkExpiry.clear();
    this.counters.clear();
    this.counterExpiry.clear();
    this.holds.clear();
    this.holdExpiry.clear();
  }

  // ------------------------------------------------------------ internals

  /** Drops whatever expired by `nowMs`, earliest first, from the top of each heap. */
  private prune(nowMs: number): void {
    this.visits.prune(nowMs);
    this.linkExpiry.popExpired(nowMs, (key) => this.links.delete(key));
    this.counterExpiry.popExpired(nowMs, (key) => this.counters.delete(key));
    this.holdExpiry.popExpired(nowMs, (key) => this.holds.delete(key));
  }

  private inFlight(userKey: string, nowMs: number): number {
    const held = this.holds.get(userKey);
    return held ? liveHolds(held.values(), nowMs) : 0;
  }

  private storeCounter(userKey: string, current: CounterState, next: CounterState, limits: AttemptLimits): void {
    const step = storageStep(current, next, limits);
    if (step.kind === 'delete') {
      this.counters.delete(userKey);
      this.counterExpiry.delete(userKey);
    } else if (step.kind === 'write') {
      this.counters.set(userKey, { failures: next.failures, lockedUntilMs: next.lockedUntilMs, expiresAtMs: step.expiresAtMs });
      this.counterExpiry.set(userKey, step.expiresAtMs);
    }
  }
}
