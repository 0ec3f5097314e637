/**
 * The report of a `migrate-users` run: the JSON file (the counts, every user to migrate with the
 * previous value of each key written, the users left to enroll again or invalid, the API calls
 * made), from the plan in a dry run or from the checkpoint with --apply, and the lists of users
 * not migrated printed at the end. A run that stops writes a partial report (`complete: false`).
 */
import type { CheckpointEntry, CheckpointHeader } from './checkpoint';
import type { Clock } from './clock';
import type { Output } from './output';
import type { ListedUser, MigrationPlan } from './plan-migration';
import type { RateLimiter } from './rate-limit';

export interface MigrationRecord {
  user_id: string;
  connection: string | null;
  outcome: 'would-migrate' | CheckpointEntry['outcome'] | 'pending';
  previous?: Record<string, unknown>;
  patch?: Record<string, unknown>;
}

export interface MigrationReport {
  kind: 'migrate-users-report';
  mode: 'dry-run' | 'apply';
  tenant: string;
  generated_at: string;
  /** enrolled_at written for migrated users. */
  migrated_at: string;
  complete: boolean;
  counts: {
    scanned: number;
    already_current: number;
    no_2fa: number;
    to_migrate: number;
    migrated: number;
    unchanged: number;
    gone: number;
    pending: number;
    reenroll: number;
    invalid: number;
  };
  management_api_calls: number;
  rate_limited_responses: number;
  /** For every migrated user, the previous value of each key written (null: absent). */
  migrations: MigrationRecord[];
  reenroll: ListedUser[];
  invalid: ListedUser[];
}

/** The run a report is of. */
export interface ReportOptions {
  tenant: string;
}

/** The users not migrated (to enroll again, invalid), up to `sample` of each, on stdout. */
export function printLists(plan: Pick<MigrationPlan, 'reenroll' | 'invalid'>, sample: number, output: Output): void {
  if (plan.reenroll.length > 0) {
    output.out(`Not migrated, will enroll again at next login (${plan.reenroll.length}):`);
    for (const u of plan.reenroll.slice(0, sample)) output.out(`  ${u.user_id}: ${u.fields.join(', ')}: ${u.reason}`);
  }
  if (plan.invalid.length > 0) {
    output.out(`Not migrated, rule-era key without a valid Authy id (${plan.invalid.length}):`);
    for (const u of plan.invalid.slice(0, sample)) output.out(`  ${u.user_id}: ${u.fields.join(', ')}: ${u.reason}`);
  }
  const hidden = Math.max(0, plan.reenroll.length - sample) + Math.max(0, plan.invalid.length - sample);
  if (hidden > 0) output.out(`  ... ${hidden} more in the report`);
}

/** The report of a dry run: every user to migrate, as the plan would write it. */
export function dryRunReport(options: ReportOptions, plan: MigrationPlan, nowIso: string, limiter: RateLimiter): MigrationReport {
  return {
    kind: 'migrate-users-report',
    mode: 'dry-run',
    tenant: options.tenant,
    generated_at: nowIso,
    migrated_at: nowIso,
    complete: true,
    counts: {
      scanned: plan.scanned,
      already_current: plan.current,
      no_2fa: plan.none,
      to_migrate: plan.migrate.length,
      migrated: 0,
      unchanged: 0,
      gone: 0,
      pending: plan.migrate.length,
      reenroll: plan.reenroll.length,
      invalid: plan.invalid.length,
    },
    management_api_calls: limiter.stats.calls,
    rate_limited_responses: limiter.stats.rateLimited,
    migrations: plan.migrate.map((m) => ({
      user_id: m.user_id,
      connection: m.connection,
      outcome: 'would-migrate',
      previous: m.previous,
      patch: m.patch,
    })),
    reenroll: plan.reenroll,
    invalid: plan.invalid,
  };
}

/** The report of an --apply run, from its checkpoint: each candidate done, or pending. */
export function applyReport(
  options: ReportOptions,
  header: CheckpointHeader,
  done: Map<string, CheckpointEntry>,
  complete: boolean,
  limiter: RateLimiter,
  clock: Clock,
): MigrationReport {
  const migrations: MigrationRecord[] = header.candidates.map((c) => {
    const entry = done.get(c.user_id);
    if (!entry) return { user_id: c.user_id, connection: c.connection, outcome: 'pending' };
    return {
      user_id: c.user_id,
      connection: c.connection,
      outcome: entry.outcome,
      ...(entry.previous ? { previous: entry.previous } : {}),
      ...(entry.patch ? { patch: entry.patch } : {}),
    };
  });
  const count = (outcome: MigrationRecord['outcome']) => migrations.filter((m) => m.outcome === outcome).length;
  return {
    kind: 'migrate-users-report',
    mode: 'apply',
    tenant: options.tenant,
    generated_at: new Date(clock.nowMs()).toISOString(),
    migrated_at: header.migrated_at,
    complete,
    counts: {
      scanned: header.scanned,
      already_current: header.current,
      no_2fa: header.none,
      to_migrate: header.candidates.length,
      migrated: count('migrated'),
      unchanged: count('unchanged'),
      gone: count('gone'),
      pending: count('pending'),
      reenroll: header.reenroll.length,
      invalid: header.invalid.length,
    },
    management_api_calls: limiter.stats.calls,
    rate_limited_responses: limiter.stats.rateLimited,
    migrations,
    reenroll: header.reenroll,
    invalid: header.invalid,
  };
}
