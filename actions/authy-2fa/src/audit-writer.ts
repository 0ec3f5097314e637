/**
 * The Action's audit lines: one JSON line per decision on stdout, through lib/audit.ts, with the
 * tenant host and the keyed hash of the user id. Also the error name such a line may report.
 */
import type { Settings } from '../../../lib/action-settings';
import { auditKey, auditLine, type ActionAuditEvent, type AuditFields } from '../../../lib/audit';
import { isRecord } from '../../../lib/is-record';
import type { PostLoginEvent } from './auth0-types';
import type { AuditNote } from './audit-notes';
import { tenantHost } from './event-facts';

/** The `source` of the Action's audit lines (the forms server's come from pino, the admin tools' say their name). */
const AUDIT_SOURCE = 'action';

/** The error's name for the log; errors may come from another realm, so no instanceof. */
export function errorName(error: unknown): string {
  const name = isRecord(error) ? error.name : undefined;
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : 'error';
}

/** The audit lines of one handler call. Until the settings are read there is no key, so no user hash. */
export class Audit {
  private key: Buffer | null = null;
  constructor(
    private readonly event: PostLoginEvent,
    private readonly phase: 'execute' | 'continue',
  ) {}

  keyFrom(settings: Settings): void {
    this.key = auditKey(settings);
  }

  /**
   * One JSON line on stdout (console.log is what reaches Auth0's log streams): the event, the
   * tenant host and the hashed user id; never the id, an email, a phone, a token or a code.
   */
  write(event: ActionAuditEvent, fields: AuditFields = {}): void {
    const userId = this.event.user.user_id;
    const subject = typeof userId === 'string' ? { tenant: tenantHost(this.event), userId } : null;
    console.log(auditLine(AUDIT_SOURCE, Date.now(), this.key, event, subject, { phase: this.phase }, fields));
  }

  note(note: AuditNote): void {
    this.write(note.event, note.fields);
  }
}
