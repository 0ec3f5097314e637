/**
 * What the forms server keeps between requests, behind one async interface with two
 * implementations: in memory (one process, the default) and Redis (several replicas, REDIS_URL).
 *
 * - Visits: one record per visit of one login, opaque to the store except for the fields of
 *   `VisitRecord`. Bounded: at most `maxOpenPerUser` open visits per user (the oldest is
 *   dropped first) and at most `capacity` in all (expired ones are evicted first; then a new
 *   visit is refused with 'full', never by dropping another user's live visit).
 * - Links: an outbound token opens one visit; opening it again finds that visit's id.
 * - Attempts: per-user wrong-answer counters with in-flight reservations, so that at most
 *   `maxFailures` guesses per lock period reach the provider, however many requests race.
 *
 * Every key expires: visits at `expiresAtMs`, link markers at the link's expiry, counters one
 * lock period after their last change, reservations after their hold time. Every method that
 * cannot reach the backing store throws `StoreUnavailableError` (the server answers 503).
 *
 * Time is the `nowMs` each call gets (epoch ms, a whole number), never the store's own clock, so
 * both stores agree to the millisecond: a record that expires at T is there while nowMs < T and
 * gone from nowMs >= T. Callers' clocks should not go backwards: what expired stays gone.
 * Arguments no caller should pass (a version that is not a whole number, maxFailures 0, ...)
 * throw a RangeError or TypeError: those are bugs, not bad input.
 */

/** The fields of a visit the store reads; the rest of the record is stored as it is. */
export interface VisitRecord {
  id: string;
  /** Key of the user's counters and open-visit list: tenant + user id. Fixed for the visit's life. */
  userKey: string;
  /** Epoch ms after which the visit is gone. */
  expiresAtMs: number;
  /** Raised by every successful save; a save of an older version is refused. */
  version: number;
}

export interface VisitLimits {
  /** Open visits one user may hold; opening one more drops that user's oldest (the earliest to expire). */
  maxOpenPerUser: number;
  /** Open visits in all. */
  capacity: number;
}

export type OpenResult =
  /** The visit was stored and the link is now bound to it. */
  | { kind: 'created' }
  /** The link already opened a visit (whose id is given, and which may have expired since). */
  | { kind: 'existing'; visitId: string }
  /** No room: nothing was stored and the link was not used up. */
  | { kind: 'full' };

export interface Counter {
  /** Wrong answers in the current lock period. */
  failures: number;
  /** Attempts reserved and not yet settled. */
  inFlight: number;
  /** Epoch ms until which the user is locked, or null (also once the lock has ended). */
  lockedUntilMs: number | null;
}

export interface AttemptLimits {
  maxFailures: number;
  lockSeconds: number;
  nowMs: number;
}

export type Reservation =
  /** Reserved; `counter.inFlight` includes this attempt. */
  | { ok: true; id: string; counter: Counter }
  /** 'locked': the lock is on; 'busy': failures + attempts in flight already reach the limit. */
  | { ok: false; reason: 'locked' | 'busy'; counter: Counter };

/** How a reserved attempt ended: a wrong answer (stays counted), a right one (resets), or no answer (released). */
export type AttemptResult = 'wrong' | 'right' | 'void';

export interface Store {
  /**
   * Atomically: bind `linkKey` to the visit (until `linkExpiresAtMs`) and store the visit, unless
   * the link is already bound ('existing') or there is no room ('full').
   */
  openVisit(visit: VisitRecord, linkKey: string, linkExpiresAtMs: number, limits: VisitLimits, nowMs: number): Promise<OpenResult>;
  /** The visit, or null when unknown or expired. The record comes back as it was saved. */
  getVisit<V extends VisitRecord>(id: string, nowMs: number): Promise<V | null>;
  /**
   * Saves the visit if the stored one still has `visit.version` (then stores it with version + 1
   * and returns true); false if another request saved it first or it is gone. The object passed
   * in is not changed: a second save needs the version raised (or the visit read again). A save
   * may move `expiresAtMs` (to nowMs or earlier: the visit is gone); one that changes `userKey` is
   * refused (false).
   */
  saveVisit(visit: VisitRecord, nowMs: number): Promise<boolean>;

  getCounter(userKey: string, nowMs: number): Promise<Counter>;
  /** Raises failures to at least `failures` (a count the Action reports); locks when it reaches the limit. */
  raiseFailures(userKey: string, failures: number, limits: AttemptLimits): Promise<Counter>;
  /**
   * One atomic step before a code, push or recovery code goes to the provider: refuses when
   * the user is locked ('locked' wins) or failures + in flight >= maxFailures, else reserves one
   * attempt that is released by itself after `holdMs` if never settled. `holdMs` must outlast the
   * provider call: once a hold ends its place may go to another guess.
   */
  reserveAttempt(userKey: string, limits: AttemptLimits & { holdMs: number }): Promise<Reservation>;
  /**
   * Settles a reservation (unknown or expired ones count as released, except 'wrong', which still
   * counts). 'wrong' adds a failure and locks at maxFailures (a lock is never shortened); 'right'
   * resets the count and lifts any lock; 'void' only releases.
   */
  settleAttempt(userKey: string, reservationId: string, result: AttemptResult, limits: AttemptLimits): Promise<Counter>;

  /** Resolves when the backing store answers; throws StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The backing store cannot be reached (or did not answer in time). */
export class StoreUnavailableError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'StoreUnavailableError';
  }
}
