/**
 * Server-side state of the forms server: one record per visit ("flow") and the per-user
 * wrong-code counters that outlive a visit. Behind an interface so that a shared store
 * (e.g. Redis) can replace the in-memory one when several replicas run; every method is
 * async for that reason, and `recordFailure` is one atomic step.
 */
import type { ResultOutcome } from '../lib/token-contract';

export type Channel = 'app' | 'sms' | 'call' | 'push';

/** One visit of one login to the forms server. */
export interface Flow {
  id: string;
  /** Synchronizer token echoed by every form (CSRF). */
  csrf: string;
  userId: string;
  /** Key of the user's counters: tenant + user id. */
  counterKey: string;
  /** Auth0's state for this login, echoed to /continue. */
  state: string;
  /** Where the browser goes back to: https://{trusted tenant host}/continue. */
  continueUrl: string;
  /** The result token's audience (the outbound token's continue_host). */
  audience: string;
  locale: string;
  /** Enrolled Authy id from the outbound token, or null. */
  authyId: string | null;
  /** Authy id registered during this visit, not yet proved by a code. */
  pendingAuthyId: string | null;
  /** Needed to register with Authy; only for users who are not enrolled. Never logged. */
  email: string | null;
  maxFailures: number;
  lockSeconds: number;
  /** Last channel the user asked a code by; decides the reported method. */
  channel: Channel;
  sends: number;
  lastSendAt: number;
  pushUuid: string | null;
  /** A message for the next page (an error or a confirmation), as a catalogue key. */
  notice: { key: string; kind: 'error' | 'info'; params?: Record<string, string | number> } | null;
  /** Set when the visit is over: the result to send to /continue. */
  outcome: ResultOutcome | null;
  /** Epoch ms after which the flow is gone. */
  expiresAt: number;
}

export interface Counter {
  failures: number;
  /** Epoch ms, or null. */
  lockedUntil: number | null;
}

export interface Store {
  createFlow(flow: Flow): Promise<void>;
  getFlow(id: string, nowMs: number): Promise<Flow | null>;
  saveFlow(flow: Flow): Promise<void>;
  getCounter(key: string, nowMs: number): Promise<Counter>;
  /** Raises the counter to at least `failures` (a value reported by the Action). */
  raiseCounter(key: string, failures: number): Promise<Counter>;
  /** Counts one wrong code; locks when `max` is reached. Atomic. */
  recordFailure(key: string, max: number, lockSeconds: number, nowMs: number): Promise<Counter>;
  resetCounter(key: string): Promise<void>;
  /** Marks a one-time value (an outbound token's hash) used until `expiresAt`; false if it already was. */
  markUsed(key: string, expiresAt: number, nowMs: number): Promise<boolean>;
}

/** A lock that ended is over: the next wrong code starts a fresh count. */
export function currentCounter(counter: Counter | undefined, nowMs: number): Counter {
  if (!counter) return { failures: 0, lockedUntil: null };
  if (counter.lockedUntil !== null && counter.lockedUntil <= nowMs) return { failures: 0, lockedUntil: null };
  return counter;
}

/** The counter after one more wrong code. Pure; stores call it inside their atomic step. */
export function afterFailure(counter: Counter, max: number, lockSeconds: number, nowMs: number): Counter {
  const failures = counter.failures + 1;
  return failures >= max ? { failures, lockedUntil: nowMs + lockSeconds * 1000 } : { failures, lockedUntil: null };
}

/** In-memory store for a single replica. Flows expire; counters are kept until reset or lock end. */
export class MemoryStore implements Store {
  private readonly flows = new Map<string, Flow>();
  private readonly counters = new Map<string, Counter>();
  private readonly used = new Map<string, number>();
  constructor(private readonly maxFlows = 100_000) {}

  async createFlow(flow: Flow): Promise<void> {
    if (this.flows.size >= this.maxFlows) this.sweep(Date.now());
    if (this.flows.size >= this.maxFlows) throw new Error('too many open flows');
    this.flows.set(flow.id, structuredClone(flow));
  }

  async getFlow(id: string, nowMs: number): Promise<Flow | null> {
    const flow = this.flows.get(id);
    if (!flow) return null;
    if (flow.expiresAt <= nowMs) {
      this.flows.delete(id);
      return null;
    }
    return structuredClone(flow);
  }

  async saveFlow(flow: Flow): Promise<void> {
    if (this.flows.has(flow.id)) this.flows.set(flow.id, structuredClone(flow));
  }

  async getCounter(key: string, nowMs: number): Promise<Counter> {
    return { ...currentCounter(this.counters.get(key), nowMs) };
  }

  async raiseCounter(key: string, failures: number): Promise<Counter> {
    const counter = this.counters.get(key) ?? { failures: 0, lockedUntil: null };
    const next = { ...counter, failures: Math.max(counter.failures, failures) };
    this.counters.set(key, next);
    return { ...next };
  }

  async recordFailure(key: string, max: number, lockSeconds: number, nowMs: number): Promise<Counter> {
    const next = afterFailure(currentCounter(this.counters.get(key), nowMs), max, lockSeconds, nowMs);
    this.counters.set(key, next);
    return { ...next };
  }

  async resetCounter(key: string): Promise<void> {
    this.counters.delete(key);
  }

  async markUsed(key: string, expiresAt: number, nowMs: number): Promise<boolean> {
    const until = this.used.get(key);
    if (until !== undefined && until > nowMs) return false;
    if (this.used.size >= this.maxFlows) this.sweep(nowMs);
    this.used.set(key, expiresAt);
    return true;
  }

  private sweep(nowMs: number): void {
    for (const [id, flow] of this.flows) if (flow.expiresAt <= nowMs) this.flows.delete(id);
    for (const [key, until] of this.used) if (until <= nowMs) this.used.delete(key);
  }
}
