/**
 * The report of a `migrate-to-verify` run: the JSON file (every candidate with its outcome, the
 * previous value of each key written, the counts and the API calls made) and the summary printed
 * at the end of a dry run or an applied run. A run that stops writes a partial report
 * (`complete: false`), naming the factor it left at Twilio if any.
 */
import type { Clock } from './clock';
import { describeChange } from './describe-change';
import type { Output } from './output';
import type { RateLimiter } from './rate-limit';
import type { TwilioFetchStats } from './twilio-fetch';
import type { VerifyMigrationStep } from './verify-migration-candidates';
import type { LeftoverFactor, VerifyOutcome, VerifyRecord } from './verify-migration-user';

export interface VerifyMigrationReport {
  kind: 'migrate-to-verify-report';
  step: VerifyMigrationStep;
  mode: 'dry-run' | 'apply';
  tenant: string;
  generated_at: string;
  complete: boolean;
  scanned: number;
  counts: Record<string, number>;
  management_api_calls: number;
  rate_limited_responses: number;
  twilio_calls: number;
  twilio_rate_limited_responses: number;
  /** Every candidate, with the previous value of each key written (null: absent). */
  users: VerifyRecord[];
  /** A factor that exists at Twilio without being in app_metadata (the run stopped); a rerun deletes it. */
  leftover?: { user_id: string; factor_sid: string };
}

/** The run a report is of. */
export interface ReportOptions {
  step: VerifyMigrationStep;
  apply: boolean;
  tenant: string;
  sample: number;
}

/** Where a report's time and call counts come from. */
export interface ReportDeps {
  clock: Clock;
  limiter: RateLimiter;
  twilioStats: TwilioFetchStats;
}

export function buildReport(
  options: ReportOptions,
  deps: ReportDeps,
  scanned: number,
  records: VerifyRecord[],
  complete: boolean,
  leftover?: LeftoverFactor,
): VerifyMigrationReport {
  const counts: Record<string, number> = { candidates: records.length };
  for (const r of records) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return {
    kind: 'migrate-to-verify-report',
    step: options.step,
    mode: options.apply ? 'apply' : 'dry-run',
    tenant: options.tenant,
    generated_at: new Date(deps.clock.nowMs()).toISOString(),
    complete,
    scanned,
    counts,
    management_api_calls: deps.limiter.stats.calls,
    rate_limited_responses: deps.limiter.stats.rateLimited,
    twilio_calls: deps.twilioStats.calls,
    twilio_rate_limited_responses: deps.twilioStats.rateLimited,
    users: records,
    ...(leftover ? { leftover: { user_id: leftover.userId, factor_sid: leftover.factorSid } } : {}),
  };
}

const LISTS: [VerifyOutcome, string][] = [
  ['stays-on-authy', 'Stays on Authy, and keeps working (no seed export; MOVE_TO_VERIFY=true moves them at their next login)'],
  ['refused', 'Not migrated, the export was refused (nothing was created)'],
  ['waiting', 'Not removed from Authy yet: no login since the migration'],
];

/** The counts, a sample of the changes and the users who did not move, on stdout. */
export function printSummary(options: ReportOptions, scanned: number, records: VerifyRecord[], output: Output): void {
  const count = (outcome: VerifyRecord['outcome']) => records.filter((r) => r.outcome === outcome).length;
  output.out(`Users scanned: ${scanned}; candidates: ${records.length}`);
  const shown = options.apply
    ? ['migrated', 'removed-from-authy', 'unchanged', 'gone', 'skipped']
    : ['would-migrate', 'would-remove-from-authy', 'unchanged', 'skipped'];
  output.out(shown.map((o) => `${o}: ${count(o as VerifyRecord['outcome'])}`).join('; '));
  for (const record of records
    .filter((r) => r.outcome === 'would-migrate' || r.outcome === 'would-remove-from-authy')
    .slice(0, options.sample)) {
    output.out(`  ${record.user_id}`);
    for (const line of describeChange(record.previous ?? {}, record.patch ?? {})) output.out(`  ${line}`);
  }
  for (const [outcome, title] of LISTS) {
    const listed = records.filter((r) => r.outcome === outcome);
    if (listed.length === 0) continue;
    output.out(`${title} (${listed.length}):`);
    for (const r of listed.slice(0, options.sample)) output.out(`  ${r.user_id}: ${r.reason ?? ''}`);
    if (listed.length > options.sample) output.out(`  ... ${listed.length - options.sample} more in the report`);
  }
}
