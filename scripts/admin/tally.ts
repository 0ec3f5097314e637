/**
 * Enrollment counts per connection (pure). "Enrolled" means app_metadata names an Authy id,
 * in the Action's shape or a rule-era one, or a Twilio Verify factor (isEnrolled); "legacy
 * format" counts the rule-era ones, which `npm run migrate-users -- --apply` rewrites; "locked"
 * means locked_until is in the future; "few recovery codes" counts enrolled users whose recovery
 * codes (lib/recovery-codes.ts) are down to RECOVERY_LOW_AT or fewer, none left included (users
 * never given codes, enrolled before them or pre-enrolled, are not counted: they have no set).
 */
import { ENROLLMENT_KEY, isEnrolled, readEnrollment } from '../../lib/enrollment';
import { isRecord } from '../../lib/is-record';
import { RECOVERY_LOW_AT, readRecovery } from '../../lib/recovery-codes';
import type { AdminUser } from './management';

export interface EnrollmentCounts {
  users: number;
  enrolled: number;
  not_enrolled: number;
  locked: number;
  legacy_format: number;
  recovery_low: number;
}

export interface EnrollmentReport {
  generated_at: string;
  total: EnrollmentCounts;
  by_connection: Record<string, EnrollmentCounts>;
}

/** Users whose primary identity has no connection in the export are counted under this name. */
export const UNKNOWN_CONNECTION = '(unknown)';

function zero(): EnrollmentCounts {
  return { users: 0, enrolled: 0, not_enrolled: 0, locked: 0, legacy_format: 0, recovery_low: 0 };
}

function add(counts: EnrollmentCounts, user: Pick<AdminUser, 'app_metadata'>, nowMs: number): void {
  const state = readEnrollment(user.app_metadata);
  counts.users += 1;
  if (isEnrolled(state)) counts.enrolled += 1;
  else counts.not_enrolled += 1;
  if (state.lockedUntilMs !== null && state.lockedUntilMs > nowMs) counts.locked += 1;
  if (state.source === 'legacy-authyID' || state.source === 'legacy-mfa') counts.legacy_format += 1;
  const recovery = readRecovery(isRecord(user.app_metadata) ? user.app_metadata[ENROLLMENT_KEY] : undefined);
  if (isEnrolled(state) && recovery && recovery.hashes.length <= RECOVERY_LOW_AT) counts.recovery_low += 1;
}

export class EnrollmentTally {
  private readonly total = zero();
  private readonly byConnection = new Map<string, EnrollmentCounts>();

  constructor(private readonly nowMs: number) {}

  add(user: Pick<AdminUser, 'app_metadata' | 'connection'>): void {
    const name = user.connection ?? UNKNOWN_CONNECTION;
    let counts = this.byConnection.get(name);
    if (!counts) {
      counts = zero();
      this.byConnection.set(name, counts);
    }
    add(counts, user, this.nowMs);
    add(this.total, user, this.nowMs);
  }

  result(): EnrollmentReport {
    const by_connection: Record<string, EnrollmentCounts> = {};
    // Connection names are unique keys: sorted the way Array.prototype.sort orders strings.
    const entries = [...this.byConnection].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [name, counts] of entries) by_connection[name] = { ...counts };
    return { generated_at: new Date(this.nowMs).toISOString(), total: { ...this.total }, by_connection };
  }
}

/** The report as a fixed-width table for a terminal. */
export function formatReportTable(report: EnrollmentReport): string[] {
  const header = ['connection', 'users', 'enrolled', 'not enrolled', 'locked', 'legacy format', 'few recovery codes'];
  const row = (name: string, c: EnrollmentCounts) =>
    [name, c.users, c.enrolled, c.not_enrolled, c.locked, c.legacy_format, c.recovery_low].map(String);
  const rows = [header, ...Object.entries(report.by_connection).map(([name, c]) => row(name, c)), row('TOTAL', report.total)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = rows.map(fmt);
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.splice(lines.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [`Enrollment report (${report.generated_at})`, ...lines];
}
