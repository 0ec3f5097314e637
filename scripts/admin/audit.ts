/**
 * The admin tools' audit events (`--json`): one JSON line on stdout per change a tool applied,
 * with the event names, tenant and keyed user hash the forms server and the Action write
 * (lib/audit.ts), so one user's events can be followed across all three. Nothing else goes to
 * stdout then: every other line moves to stderr. A dry run applies nothing and writes no event.
 *
 * The key comes from the tool's environment (env.ts readAuditKey). Without one the event is
 * still written, with the tenant but no `user`, and a `note` saying why; the tool says so on
 * stderr before it changes anything.
 */
import { auditJsonLine, auditRecord, type AdminAuditEvent, type AuditFields } from '../../lib/audit';
import type { Clock } from './clock';
import { AUDIT_KEY_VARIABLES, readAuditKey, type Env } from './env';
import type { Output, WritableLike } from './output';

export type AdminTool = 'reset-2fa' | 'unlock-2fa' | 'forget-devices' | 'enroll-2fa' | 'migrate-users' | 'migrate-to-verify';

/** The `note` of an event written without a key. */
export const NO_KEY_NOTE = 'user not hashed: neither AUDIT_HASH_KEY nor SHARED_SECRET is set';

export interface AdminAudit {
  /** One applied change of one user; nothing without --json. */
  applied(event: AdminAuditEvent, userId: string, fields?: AuditFields): void;
}

export const NO_AUDIT: AdminAudit = { applied: () => undefined };

/** With --json, stdout holds only the audit lines: the results and messages go to stderr. */
export function outputFor(output: Output, json: boolean): Output {
  return json ? { out: (line) => output.err(line), err: (line) => output.err(line) } : output;
}

export interface AdminAuditOptions {
  json: boolean;
  tool: AdminTool;
  /** The tenant host (AUTH0_DOMAIN, lower case). */
  tenant: string;
  env: Env;
  stdout: WritableLike;
  clock: Clock;
  /** Where the note about a missing key goes (stderr). */
  output: Output;
}

/** Reads the key (a malformed one stops the tool, before any request); without --json, no events. */
export function createAdminAudit(options: AdminAuditOptions): AdminAudit {
  if (!options.json) return NO_AUDIT;
  const setting = readAuditKey(options.env);
  if (!setting) {
    const names = AUDIT_KEY_VARIABLES.map((v) => v.name).join(', ');
    options.output.err(
      `note: none of ${names} is set, so the audit events carry no user hash. ` +
        "Set AUDIT_HASH_KEY (or SHARED_SECRET) to the forms server's value to follow the user in the logs.",
    );
  }
  const key = setting?.key ?? null;
  return {
    applied(event, userId, fields = {}) {
      const record = auditRecord(key, event, { tenant: options.tenant, userId }, key ? fields : { ...fields, note: NO_KEY_NOTE });
      options.stdout.write(`${auditJsonLine(options.tool, options.clock.nowMs(), record)}\n`);
    },
  };
}
