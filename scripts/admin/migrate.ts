/**
 * The migration of rule-era users, as a function of injected parts (API, clock, files).
 *
 * Plan: one export job reads every user; each is classified (plan-migration.ts).
 * Dry run (default): prints counts and a sample and writes the JSON report; changes nothing.
 * Apply: for each user to migrate, reads the user again (the export is a snapshot and the
 * Action may have migrated the user at login since), computes legacyMigrationPatch from that
 * fresh app_metadata and PATCHes exactly `{ app_metadata: patch }`, skipping users with
 * nothing left to change. Each finished user is appended to the checkpoint, so a run that
 * stops resumes where it stopped. With --json, each user written is one `migrated` audit event
 * on stdout (audit.ts); a dry run writes none.
 *
 * Management API calls: dry run 1 + P; apply 1 + P + 2M (P export-status polls, M users to
 * migrate; a user already migrated since the export costs 1), plus one per 429 retry.
 */
import { legacyMigrationPatch, readEnrollment } from '../../lib/enrollment';
import { NO_AUDIT, type AdminAudit } from './audit';
import { CheckpointFile, writePrivateJson, type CheckpointEntry, type CheckpointHeader, type CheckpointState } from './checkpoint';
import type { Clock } from './clock';
import { describeChange } from './describe-change';
import { AdminError } from './errors';
import type { AdminApi } from './management';
import { Progress, type Output } from './output';
import { addToPlan, emptyPlan, previousValues, type ListedUser, type MigrationPlan } from './plan-migration';
import type { RateLimiter } from './rate-limit';
import { exportAllUsers } from './users-export';

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

async function buildPlan(deps: MigrationDeps, nowIso: string): Promise<MigrationPlan> {
  const plan = emptyPlan();
  const users = exportAllUsers(deps.api, {
    clock: deps.clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    onProgress: (message) => deps.output.err(message),
  });
  for await (const user of users) {
    addToPlan(plan, user, nowIso);
    if (plan.scanned % 10_000 === 0) deps.output.err(`read ${plan.scanned} users from the export`);
  }
  deps.output.err(`read ${plan.scanned} users from the export`);
  return plan;
}

function printLists(plan: Pick<MigrationPlan, 'reenroll' | 'invalid'>, sample: number, output: Output): void {
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

/** The `from` of a `migrated` event: the rule-era key the enrollment was read from, or `leftover` (only a stale key removed). */
const MIGRATED_FROM = { 'legacy-authyID': 'authyID', 'legacy-mfa': 'mfa', current: 'leftover', none: 'leftover' } as const;

/** Reads one user again and writes the migration patch computed from that fresh app_metadata, if any is left. */
async function migrateOne(api: AdminApi, userId: string, migratedAt: string, audit: AdminAudit): Promise<CheckpointEntry> {
  const fresh = await api.getUser(userId);
  if (!fresh) return { user_id: userId, outcome: 'gone' };
  const patch = legacyMigrationPatch(fresh.app_metadata, migratedAt);
  if (!patch || Object.keys(patch).length === 0) return { user_id: userId, outcome: 'unchanged' };
  const previous = previousValues(fresh.app_metadata, patch);
  await api.updateAppMetadata(userId, patch);
  audit.applied('migrated', userId, { from: MIGRATED_FROM[readEnrollment(fresh.app_metadata).source] });
  return { user_id: userId, outcome: 'migrated', previous, patch };
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

function dryRunReport(options: MigrationOptions, plan: MigrationPlan, nowIso: string, limiter: RateLimiter): MigrationReport {
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

function applyReport(
  options: MigrationOptions,
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
