/**
 * Audit events, as the forms server, the Action and the admin tools all write them: one line per
 * security-relevant event with `msg: "audit"`, a stable `event` name, the `tenant` host and
 * `user`, a keyed hash of the user id. One user's events can be followed across the three (and a
 * known user looked up by hashing their id) without any log holding who they are. Never a phone
 * number, email, code, token, state or secret: extra fields are counts, channels and short codes.
 *
 * The hash: HMAC-SHA256 over the user id (UTF-8), keyed with AUDIT_HASH_KEY, or, without it,
 * with HKDF-SHA256(SHARED_SECRET, salt: none, info: AUDIT_KEY_LABEL, 32 bytes); the first 16
 * bytes, in hex (32 characters). node:crypto only: the Action bundle includes this file.
 */
import { createHmac, hkdfSync } from 'node:crypto';

/** The forms server's events (forms-server/observe.ts). */
export const FORMS_SERVER_AUDIT_EVENTS = [
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
  'recovery_submitted',
  'provider_error',
  'visit_cancelled',
] as const;

/** The Action's events: one per decision (actions/authy-2fa/src/audit-notes.ts). `enrolled`, `verified`, `locked` as the forms server's. */
export const ACTION_AUDIT_EVENTS = [
  'exempt',
  'session_reused',
  'non_interactive_denied',
  'verified_email_required',
  'login_denied',
  'redirected',
  'result_refused',
  'enrolled',
  'verified',
  'locked',
  'remembered',
  'device_remembered',
] as const;

/** The admin tools' events: one per change they applied (scripts/admin). */
export const ADMIN_AUDIT_EVENTS = [
  'reset',
  'authy_user_removed',
  'unlocked',
  'pre_enrolled',
  'migrated',
  'devices_forgotten',
  'verify_factor_deleted',
] as const;

export type FormsServerAuditEvent = (typeof FORMS_SERVER_AUDIT_EVENTS)[number];
export type ActionAuditEvent = (typeof ACTION_AUDIT_EVENTS)[number];
export type AdminAuditEvent = (typeof ADMIN_AUDIT_EVENTS)[number];
/** Every audit event name: a new event is added to its component's list first. */
export type AuditEvent = FormsServerAuditEvent | ActionAuditEvent | AdminAuditEvent;

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

/** The two settings the key comes from; `auditHashKey` null: derived from `sharedSecret`. */
export interface AuditKeySource {
  auditHashKey: string | null;
  sharedSecret: string;
}

/** Keys already derived, by shared secret: HKDF runs once per process (a warm Action runs many logins). */
const DERIVED_KEYS = new Map<string, Buffer>();

/** The key of the user hash: AUDIT_HASH_KEY as it is, else derived from SHARED_SECRET. */
export function auditKey(source: AuditKeySource): Buffer {
  if (source.auditHashKey !== null) return Buffer.from(source.auditHashKey, 'utf8');
  let key = DERIVED_KEYS.get(source.sharedSecret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', Buffer.from(source.sharedSecret, 'utf8'), Buffer.alloc(0), AUDIT_KEY_LABEL, 32));
    if (DERIVED_KEYS.size >= 8) DERIVED_KEYS.clear();
    DERIVED_KEYS.set(source.sharedSecret, key);
  }
  return key;
}

/** The keyed hash of a user id, as audit lines carry it. */
export function userHash(key: Buffer, userId: string): string {
  // The first USER_HASH_BYTES bytes in hex: the digest's first 2 * USER_HASH_BYTES hex digits.
  return createHmac('sha256', key)
    .update(userId, 'utf8')
    .digest('hex')
    .slice(0, 2 * USER_HASH_BYTES);
}

/**
 * The fields of one audit line, without `msg`: the extra fields, then `event`, `tenant` and
 * `user` (which no extra field can overwrite). Without a subject: neither tenant nor user.
 * Without a key (an admin tool that has neither secret): the tenant, and no user.
 */
export function auditRecord(key: Buffer | null, event: AuditEvent, subject: AuditSubject | null, fields: AuditFields = {}): AuditFields {
  if (!subject) return { ...fields, event };
  if (!key) return { ...fields, event, tenant: subject.tenant };
  return { ...fields, event, tenant: subject.tenant, user: userHash(key, subject.userId) };
}

/**
 * One audit line as JSON, for the components that do not log through pino (the Action, the
 * admin tools): `source` (who wrote it) and `time` (epoch ms, as pino's) first, `msg: "audit"` last.
 */
export function auditJsonLine(source: string, timeMs: number, record: AuditFields): string {
  const { source: _source, time: _time, msg: _msg, ...fields } = record;
  return JSON.stringify({ source, time: timeMs, ...fields, msg: 'audit' });
}

/** Fields no part may set: the line's own. */
const OWN_FIELDS: ReadonlySet<string> = new Set(['source', 'time', 'msg']);

/**
 * `auditJsonLine(source, timeMs, auditRecord(key, event, subject, { ...parts[0], ...parts[1], ... }))`,
 * the same text, built in one object (the Action writes one line per login).
 */
export function auditLine(
  source: string,
  timeMs: number,
  key: Buffer | null,
  event: AuditEvent,
  subject: AuditSubject | null,
  ...parts: AuditFields[]
): string {
  const line: Record<string, unknown> = { source, time: timeMs };
  for (const part of parts) {
    for (const name of Object.keys(part)) {
      if (OWN_FIELDS.has(name)) continue;
      // As a spread copies it: an own field, never the prototype.
      if (name === '__proto__')
        Object.defineProperty(line, name, { value: part[name], enumerable: true, writable: true, configurable: true });
      else line[name] = part[name];
    }
  }
  line.event = event;
  if (subject) {
    line.tenant = subject.tenant;
    if (key) line.user = userHash(key, subject.userId);
  }
  line.msg = 'audit';
  return JSON.stringify(line);
}
