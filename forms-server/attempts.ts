/**
 * Pure rules of a visit: code format, tries left, resend pacing, which method to report.
 * The routes apply them; the tests check them without a server.
 */
import type { Channel, Counter, Flow } from './store';

/** Seconds between two SMS or voice codes in one visit, and how many a visit may ask for. */
export const RESEND_INTERVAL_SECONDS = 30;
export const MAX_SENDS_PER_VISIT = 5;

/** The code as typed, spaces and dashes removed; null unless it is 6 to 8 digits. */
export function normalizeCode(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 64) return null;
  const code = raw.replace(/[\s-]/g, '');
  return /^[0-9]{6,8}$/.test(code) ? code : null;
}

export function triesLeft(counter: Counter, maxFailures: number): number {
  return Math.max(0, maxFailures - counter.failures);
}

export function isLocked(counter: Counter, nowMs: number): boolean {
  return counter.lockedUntil !== null && counter.lockedUntil > nowMs;
}

export type SendCheck = { ok: true } | { ok: false; key: 'sendTooSoon'; seconds: number } | { ok: false; key: 'sendLimit' };

/** May this visit ask Authy for another SMS or call now? */
export function checkSend(flow: Pick<Flow, 'sends' | 'lastSendAt'>, nowMs: number): SendCheck {
  if (flow.sends >= MAX_SENDS_PER_VISIT) return { ok: false, key: 'sendLimit' };
  const wait = Math.ceil((flow.lastSendAt + RESEND_INTERVAL_SECONDS * 1000 - nowMs) / 1000);
  if (flow.sends > 0 && wait > 0) return { ok: false, key: 'sendTooSoon', seconds: wait };
  return { ok: true };
}

/** The Authy id codes are checked against: the enrolled one, else the one registered in this visit. */
export function codeTarget(flow: Pick<Flow, 'authyId' | 'pendingAuthyId'>): string | null {
  return flow.authyId ?? flow.pendingAuthyId;
}

export function parseChannel(value: unknown): Extract<Channel, 'sms' | 'call'> | null {
  return value === 'sms' || value === 'call' ? value : null;
}
