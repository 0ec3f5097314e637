/**
 * Pure rules of a visit: code format, tries left, resend pacing, which method to report.
 * The routes apply them; the tests check them without a server.
 */
import { secToMs, secondsUntil } from '../../lib/time';
import type { Counter } from '../store/types';
import type { Channel, Visit } from './visit';

/** Seconds between two SMS or voice codes in one visit, and how many a visit may ask for. */
export const RESEND_INTERVAL_SECONDS = 30;
export const MAX_SENDS_PER_VISIT = 5;
/** Approval requests one visit may send; only one is pending at a time. */
export const MAX_PUSHES_PER_VISIT = 5;
/** How long a pending approval request lives at Authy (and holds its attempt). */
export const PUSH_TTL_SECONDS = 120;

/** The code as typed, spaces and dashes removed; null unless it is 6 to 8 digits. */
export function normalizeCode(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 64) return null;
  const code = raw.replace(/[\s-]/g, '');
  return /^[0-9]{6,8}$/.test(code) ? code : null;
}

export function triesLeft(counter: Pick<Counter, 'failures' | 'lockedUntilMs'>, maxFailures: number): number {
  return Math.max(0, maxFailures - counter.failures);
}

export function isLocked(counter: Pick<Counter, 'failures' | 'lockedUntilMs'>, nowMs: number): boolean {
  return counter.lockedUntilMs !== null && counter.lockedUntilMs > nowMs;
}

export type SendCheck = { ok: true } | { ok: false; key: 'sendTooSoon'; seconds: number } | { ok: false; key: 'sendLimit' };

/** May this visit ask Authy for another SMS or call now? */
export function checkSend(visit: Pick<Visit, 'sends' | 'lastSendAtMs'>, nowMs: number): SendCheck {
  if (visit.sends >= MAX_SENDS_PER_VISIT) return { ok: false, key: 'sendLimit' };
  const wait = secondsUntil(visit.lastSendAtMs + secToMs(RESEND_INTERVAL_SECONDS), nowMs);
  if (visit.sends > 0 && wait > 0) return { ok: false, key: 'sendTooSoon', seconds: wait };
  return { ok: true };
}

export function parseChannel(value: unknown): Extract<Channel, 'sms' | 'call'> | null {
  return value === 'sms' || value === 'call' ? value : null;
}
