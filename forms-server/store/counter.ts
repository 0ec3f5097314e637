/**
 * The arithmetic of the per-user wrong-answer counters, shared by both stores. Pure: no I/O and
 * no clock of its own (every step gets `nowMs`). The Redis store runs the same rules in Lua
 * (`redis.ts`, COUNTER_LUA); a change here must be made there too, and the shared contract
 * tests (test/helpers/store-contract.ts) check that both agree.
 *
 * The rules:
 * - A lock that ended is over: the count starts again from zero.
 * - A counter record expires one lock period after its last change (never before its lock ends);
 *   an expired record reads as a fresh count.
 * - A wrong answer adds one failure; reaching `maxFailures` locks for `lockSeconds` from now (a
 *   lock is never shortened).
 * - A right answer to a reservation the store still holds resets the count and lifts the lock.
 * - A reported count (raiseFailures) raises, never lowers, and locks when it reaches the limit
 *   (an active lock is kept as it is, neither extended nor lifted).
 * - A new attempt is refused while locked ('locked'), or when failures + attempts in flight
 *   already reach `maxFailures` ('busy'); so at most `maxFailures` guesses per lock period reach
 *   the provider however many requests race.
 * - Everything that expires at T is live while nowMs < T and gone from nowMs >= T.
 */
import { checkTime } from './checks';
import type { AttemptLimits, AttemptResult, Counter } from './types';

/** Reported counts above this are taken as this (they all mean "locked" anyway). */
export const MAX_REPORTED_COUNT = 1_000_000;

/** What a store keeps per user besides the reservations. */
export interface CounterState {
  failures: number;
  lockedUntilMs: number | null;
}

/** A stored counter record: the state and the epoch ms at which the record is gone. */
export interface StoredCounter extends CounterState {
  expiresAtMs: number;
}

export type ReserveRefusal = 'locked' | 'busy';

/** What a store does with a counter record after a step. */
export type StorageStep =
  /** The count is fresh: nothing needs to be kept (remove any old record). */
  | { kind: 'delete' }
  /** Nothing changed: leave the record (and its expiry) as it is. */
  | { kind: 'keep' }
  /** Write the new state, to expire at `expiresAtMs`. */
  | { kind: 'write'; expiresAtMs: number };

export function freshState(): CounterState {
  return { failures: 0, lockedUntilMs: null };
}

/** The lock period in whole milliseconds (LOCK_MINUTES may be fractional). */
export function lockMs(limits: Pick<AttemptLimits, 'lockSeconds'>): number {
  return Math.round(limits.lockSeconds * 1000);
}

/** Throws a RangeError for limits no caller should pass (a programming error, not bad input). */
export function checkAttemptLimits(limits: AttemptLimits, holdMs?: number): void {
  if (!Number.isSafeInteger(limits.maxFailures) || limits.maxFailures < 1) throw new RangeError('maxFailures must be an integer >= 1');
  if (!Number.isFinite(limits.lockSeconds) || lockMs(limits) < 1) throw new RangeError('lockSeconds must be a number >= 0.001');
  checkTime(limits.nowMs, 'nowMs');
  if (holdMs !== undefined && (!Number.isSafeInteger(holdMs) || holdMs < 1)) throw new RangeError('holdMs must be an integer >= 1');
}

/** The state as of `nowMs`: an expired record or a lock that ended is a fresh count. */
export function liveState(stored: StoredCounter | null | undefined, nowMs: number): CounterState {
  if (!stored || stored.expiresAtMs <= nowMs) return freshState();
  if (stored.lockedUntilMs !== null && stored.lockedUntilMs <= nowMs) return freshState();
  return { failures: stored.failures, lockedUntilMs: stored.lockedUntilMs };
}

export function isLocked(state: CounterState, nowMs: number): boolean {
  return state.lockedUntilMs !== null && nowMs < state.lockedUntilMs;
}

/** One more wrong answer. */
export function afterWrong(state: CounterState, limits: AttemptLimits): CounterState {
  const failures = state.failures + 1;
  if (failures < limits.maxFailures) return { failures, lockedUntilMs: state.lockedUntilMs };
  const until = limits.nowMs + lockMs(limits);
  return { failures, lockedUntilMs: state.lockedUntilMs !== null && state.lockedUntilMs > until ? state.lockedUntilMs : until };
}

/** A count reported from elsewhere (the Action): raises, never lowers; locks on reaching the limit. */
export function afterRaise(state: CounterState, reported: number, limits: AttemptLimits): CounterState {
  const failures = Math.max(state.failures, normalizeCount(reported));
  if (state.lockedUntilMs === null && failures >= limits.maxFailures) return { failures, lockedUntilMs: limits.nowMs + lockMs(limits) };
  return { failures, lockedUntilMs: state.lockedUntilMs };
}

/**
 * How a settled attempt changes the state. `held`: the store still held the reservation (known
 * and not expired). 'wrong' counts either way; 'right' resets only a held reservation (an
 * unknown or expired one counts as released); 'void' changes nothing.
 */
export function afterSettle(state: CounterState, result: AttemptResult, held: boolean, limits: AttemptLimits): CounterState {
  if (result === 'wrong') return afterWrong(state, limits);
  if (result === 'right' && held) return freshState();
  return state;
}

/** Why a new attempt is refused, or null when one may be reserved. */
export function reserveRefusal(state: CounterState, inFlight: number, limits: AttemptLimits): ReserveRefusal | null {
  if (isLocked(state, limits.nowMs)) return 'locked';
  if (state.failures + inFlight >= limits.maxFailures) return 'busy';
  return null;
}

/** What to do with the record after a step from `current` (the live state) to `next`. */
export function storageStep(current: CounterState, next: CounterState, limits: AttemptLimits): StorageStep {
  if (next.failures === 0 && next.lockedUntilMs === null) return { kind: 'delete' };
  if (next.failures === current.failures && next.lockedUntilMs === current.lockedUntilMs) return { kind: 'keep' };
  const periodEnd = limits.nowMs + lockMs(limits);
  return { kind: 'write', expiresAtMs: next.lockedUntilMs !== null && next.lockedUntilMs > periodEnd ? next.lockedUntilMs : periodEnd };
}

/** Reservations still held at `nowMs`, given their hold expiries. */
export function liveHolds(holdExpiries: Iterable<number>, nowMs: number): number {
  let count = 0;
  for (const until of holdExpiries) if (nowMs < until) count += 1;
  return count;
}

/** The counter callers see. */
export function toCounter(state: CounterState, inFlight: number): Counter {
  return { failures: state.failures, inFlight, lockedUntilMs: state.lockedUntilMs };
}

/** A reported count as a whole number from 0 to MAX_REPORTED_COUNT (anything not a number counts as 0). */
export function normalizeCount(value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) return 0;
  return Math.min(Math.floor(value), MAX_REPORTED_COUNT);
}
