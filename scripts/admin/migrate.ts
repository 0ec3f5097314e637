/**
 * `migrate-users`: the migration of rule-era users, as a function of injected parts (API, clock,
 * files). This file is the run: the dry run, and --apply with its checkpoint and progress.
 *
 * Plan: one export job reads every user; each is classified (migrate-scan.ts, plan-migration.ts).
 * Dry run (default): prints counts and a sample and writes the JSON report; changes nothing.
 * Apply: each user to migrate is read again and written if anything is left to change
 * (migrate-user.ts). Each finished user is appended to the checkpoint (checkpoint.ts), so a run
 * that stops resumes where it stopped. Either way the run ends with a report (migrate-report.ts).
 * With --json, each user written is one `migrated` audit event on stdout (audit.ts); a dry run
 * writes none.
 *
 * Management API calls: dry run 1 + P; apply 1 + P + 2M (P export-status polls, M users to
 * migrate; a user already migrated since the export costs 1), plus one per 429 retry.
 */
import { NO_AUDIT, type AdminAudit } from './audit';
import { CheckpointFile, writePrivateJson, type CheckpointHeader, type CheckpointState } from './checkpoint';
import type { Clock } from './clock';
import { describeChange } from './describe-change';
import { AdminError } from './errors';
import type { AdminApi } from './management';
import { applyReport, dryRunReport, printLists, type MigrationReport } from './migrate-report';
import { buildPlan } from './migrate-scan';
import { migrateOne } from './migrate-user';
import { Progress, type Output } from './output';
import type { RateLimiter } from './rate-limit';

export type { MigrationRecord, MigrationReport } from './migrate-report';

export interface MigrationOptions {
  apply: boolean;
  tenant: string;
  reportPath: string;
  checkpointPath: string;
  sample: number;
}

export interface MigrationDeps {
  api: AdminApi;
  limiter: RateLimiter;
  clock: Clock;
  output: Output;
  fetch?: typeof fetch;
  pollIntervalMs?: number;
  /** The `migrated` event of each user written (--json); none by default. */
  audit?: AdminAudit;
}

/** Dry run: the plan, its report and a sample of the changes; nothing is written to the tenant. */
async function runDryRun(
  options: MigrationOptions,
  deps: MigrationDeps,
  checkpoint: CheckpointFile,
  nowIso: string,
): Promise<MigrationReport> {
  const { output } = deps;
  if (checkpoint.exists()) output.err(`note: ${options.checkpointPath} holds an unfinished --apply run; this dry run does not use it.`);
  const plan = await buildPlan(deps, nowIso);
  const report = dryRunReport(options, plan, nowIso, deps.limiter);
  writePrivateJson(options.reportPath, report);
  output.out(`Dry run on ${options.tenant}: nothing was changed.`);
  output.out(`Users scanned: ${plan.scanned}; already in the Action's format: ${plan.current}; without 2FA: ${plan.none}`);
  output.out(`Would migrate: ${plan.migrate.length}`);
  for (const m of plan.migrate.slice(0, options.sample)) {
    output.out(`  ${m.user_id} (${m.connection ?? 'unknown connection'}, ${m.source})`);
    for (const line of describeChange(m.previous, m.patch)) output.out(`  ${line}`);
  }
  if (plan.migrate.length > options.sample) output.out(`  ... ${plan.migrate.length - options.sample} more in the report`);
  printLists(plan, options.sample, output);
  output.out(`Report: ${options.reportPath}`);
  output.out('Run again with --apply to write these changes.');
  return report;
}

/** The checkpoint of an unfinished run of this tenant, or a new one from a fresh plan. */
async function startOrResume(
  options: MigrationOptions,
  deps: MigrationDeps,
  checkpoint: CheckpointFile,
  nowIso: string,
): Promise<CheckpointState> {
  const state = checkpoint.read();
  if (state && state.header.tenant !== options.tenant) {
    throw new AdminError(
      'BAD_CHECKPOINT',
      `${options.checkpointPath} belongs to tenant ${state.header.tenant}, not ${options.tenant}; move it away or finish that run first`,
    );
  }
  if (state) {
    deps.output.err(
      `resuming the run started at ${state.header.started_at}: ${state.done.size} of ${state.header.candidates.length} users already done`,
    );
    return state;
  }
  const plan = await buildPlan(deps, nowIso);
  const header: CheckpointHeader = {
    kind: 'migrate-users-checkpoint',
    version: 1,
    tenant: options.tenant,
    started_at: nowIso,
    migrated_at: nowIso,
    scanned: plan.scanned,
    current: plan.current,
    none: plan.none,
    candidates: plan.migrate.map((m) => ({ user_id: m.user_id, connection: m.connection })),
    reenroll: plan.reenroll,
    invalid: plan.invalid,
  };
  checkpoint.start(header);
  return { header, done: new Map() };
}

export async function runMigration(options: MigrationOptions, deps: MigrationDeps): Promise<MigrationReport> {
  const { output, clock } = deps;
  const checkpoint = new CheckpointFile(options.checkpointPath);
  const nowIso = new Date(clock.nowMs()).toISOString();
  if (!options.apply) return runDryRun(options, deps, checkpoint, nowIso);

  const { header, done } = await startOrResume(options, deps, checkpoint, nowIso);
  const progress = new Progress(header.candidates.length, output, 'migrating');
  const tally = { migrated: 0, unchanged: 0, gone: 0 };
  for (const entry of done.values()) tally[entry.outcome] += 1;
  const summary = () => `migrated=${tally.migrated} unchanged=${tally.unchanged} gone=${tally.gone}`;
  for (let i = 0; i < done.size; i += 1) progress.tick(summary);

  try {
    for (const candidate of header.candidates) {
      if (done.has(candidate.user_id)) continue;
      const entry = await migrateOne(deps.api, candidate.user_id, header.migrated_at, deps.audit ?? NO_AUDIT);
      checkpoint.append(entry);
      done.set(entry.user_id, entry);
      tally[entry.outcome] += 1;
      progress.tick(summary);
    }
  } catch (error) {
    const report = applyReport(options, header, done, false, deps.limiter, clock);
    writePrivateJson(options.reportPath, report);
    output.err(`stopped after ${done.size} of ${header.candidates.length} users. Partial report: ${options.reportPath}`);
    output.err(`Run \`npm run migrate-users -- --apply\` again to resume from ${options.checkpointPath}.`);
    throw error;
  }

  const report = applyReport(options, header, done, true, deps.limiter, clock);
  writePrivateJson(options.reportPath, report);
  checkpoint.remove();
  output.out(`Applied on ${options.tenant}.`);
  output.out(`Users scanned: ${header.scanned}; already in the Action's format: ${header.current}; without 2FA: ${header.none}`);
  output.out(`Migrated: ${tally.migrated}; already migrated since the export: ${tally.unchanged}; deleted since the export: ${tally.gone}`);
  printLists(header, options.sample, output);
  output.out(`Management API calls: ${deps.limiter.stats.calls} (429 answers: ${deps.limiter.stats.rateLimited})`);
  output.out(`Report: ${options.reportPath}`);
  return report;
}
