/**
 * Audit events: one structured log line per security-relevant event, `msg: "audit"`, with a
 * stable `event` name, the `tenant` host and `user`, a keyed hash of the user id, so one user's
 * events can be followed (and a known user looked up by hashing their id) without the log
 * holding who they are. Never a phone number, email, code, token, state or secret: the extra
 * fields of each event are counts, channels and short codes only (docs/operate.md lists them).
 *
 * The hash: HMAC-SHA256 over the user id (UTF-8), keyed with AUDIT_HASH_KEY, or, without it,
 * with HKDF-SHA256(SHARED_SECRET, salt: none, info: AUDIT_KEY_LABEL, 32 bytes); the first 16
 * bytes, in hex (32 characters). The Action and the admin tools compute the same with the same
 * secret, so their events line up with these.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { FormsServerConfig } from './config';

/** Every audit event name, in one union: a new event is added here first. */
export type AuditEvent =
  | 'visit_started'
  | 'link_reused'
  | 'link_refused'
  | 'csrf_refused'
  | 'store_full'
  | 'store_unavailable'
  | 'rate_limited'
  | 'phone_registered'
  | 'enrolled'
  | 'verified'
  | 'code_wrong'
  | 'code_reused'
  | 'code_sent'
  | 'attempt_refused'
  | 'locked'
  | 'push_started'
  | 'push_denied'
  | 'push_expired'
  | 'push_withdrawn'
  | 'provider_error'
  | 'visit_cancelled';

export const AUDIT_EVENTS: readonly AuditEvent[] = [
  'visit_started',
  'link_reused',
  'link_refused',
  'csrf_refused',
  'store_full',
  'store_unavailable',
  'rate_limited',
  'phone_registered',
  'enrolled',
  'verified',
  'code_wrong',
  'code_reused',
  'code_sent',
  'attempt_refused',
  'locked',
  'push_started',
  'push_denied',
  'push_expired',
  'push_withdrawn',
  'provider_error',
  'visit_cancelled',
];

/** The HKDF `info` of the default key: fixed, so every component derives the same key. */
export const AUDIT_KEY_LABEL = 'authy2fa audit user hash v1';
export const USER_HASH_BYTES = 16;

/** Extra fields: short, non-identifying values only. */
export type AuditFields = Record<string, string | number | boolean>;

/** Who an event is about: the tenant host and the user id (hashed before it is written). */
export interface AuditSubject {
  tenant: string;
  userId: string;
}

export type AuditLog = (log: FastifyBaseLogger, event: AuditEvent, subject: AuditSubject | null, fields?: AuditFields) => void;

/** The key of the user hash: AUDIT_HASH_KEY, else derived from SHARED_SECRET. */
export function auditKey(config: Pick<FormsServerConfig, 'auditHashKey' | 'sharedSecret'>): Buffer {
  if (config.auditHashKey !== null) return Buffer.from(config.auditHashKey, 'utf8');
  return Buffer.from(hkdfSync('sha256', Buffer.from(config.sharedSecret, 'utf8'), Buffer.alloc(0), AUDIT_KEY_LABEL, 32));
}

/** The keyed hash of a user id, as audit lines carry it. */
export function userHash(key: Buffer, userId: string): string {
  return createHmac('sha256', key).update(userId, 'utf8').digest().subarray(0, USER_HASH_BYTES).toString('hex');
}

/** The tenant and user of a visit, from its user key (`tenant host|user id`, see visit.ts userKeyOf). */
export function subjectOfKey(userKey: string): AuditSubject {
  const bar = userKey.indexOf('|');
  return bar === -1 ? { tenant: '', userId: userKey } : { tenant: userKey.slice(0, bar), userId: userKey.slice(bar + 1) };
}

/** The audit writer: one `info` line per event on the request's logger (so it carries the reqId). */
export function createAuditLog(key: Buffer): AuditLog {
  return (log, event, subject, fields = {}) => {
    const who = subject ? { tenant: subject.tenant, user: userHash(key, subject.userId) } : {};
    log.info({ ...fields, event, ...who }, 'audit');
  };
}
