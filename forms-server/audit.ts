/**
 * The forms server's audit log: one structured `info` line per security-relevant event on the
 * request's logger, `msg: "audit"`, with a stable `event` name, the `tenant` host and `user`, a
 * keyed hash of the user id (docs/operate.md lists the events and their fields). The names, the
 * hash and its key, and the line's fields are shared with the Action and the admin tools in
 * lib/audit.ts, so their events line up with these.
 */
import type { FastifyBaseLogger } from 'fastify';
import {
  FORMS_SERVER_AUDIT_EVENTS,
  auditKey as sharedAuditKey,
  auditRecord,
  type AuditFields,
  type AuditSubject,
  type FormsServerAuditEvent,
} from '../lib/audit';
import type { FormsServerConfig } from './config';

export { AUDIT_KEY_LABEL, USER_HASH_BYTES, userHash, type AuditFields, type AuditSubject } from '../lib/audit';

/** Every event the forms server writes (lib/audit.ts: a new one is added there first). */
export type AuditEvent = FormsServerAuditEvent;
export const AUDIT_EVENTS: readonly AuditEvent[] = FORMS_SERVER_AUDIT_EVENTS;

export type AuditLog = (log: FastifyBaseLogger, event: AuditEvent, subject: AuditSubject | null, fields?: AuditFields) => void;

/** The key of the user hash: AUDIT_HASH_KEY, else derived from SHARED_SECRET. */
export function auditKey(config: Pick<FormsServerConfig, 'auditHashKey' | 'sharedSecret'>): Buffer {
  return sharedAuditKey(config);
}

/** The tenant and user of a visit, from its user key (`tenant host|user id`, see visit.ts userKeyOf). */
export function subjectOfKey(userKey: string): AuditSubject {
  const bar = userKey.indexOf('|');
  return bar === -1 ? { tenant: '', userId: userKey } : { tenant: userKey.slice(0, bar), userId: userKey.slice(bar + 1) };
}

/** The audit writer: one `info` line per event on the request's logger (so it carries the reqId). */
export function createAuditLog(key: Buffer): AuditLog {
  return (log, event, subject, fields = {}) => {
    log.info(auditRecord(key, event, subject, fields), 'audit');
  };
}
