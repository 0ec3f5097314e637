/**
 * `migrate-to-verify`: moves users enrolled with Authy to Twilio Verify without re-enrollment,
 * from Authy's TOTP seed export, as a function of injected parts (APIs, clock, files). This file
 * is the run: the dry run, and --apply with its checkpoint and progress.
 *
 * Plan: one user export job gives the candidates (verify-migration-candidates.ts). Dry run
 * (default): exports each candidate's seed and checks it (GET only: no factor is created, nothing
 * is written) and reports who would move and who stays on Authy. Apply: reads each candidate
 * again and moves it (verify-migration-user.ts); each finished user is one checkpoint line, so a
 * run that stops resumes where it stopped. `--remove-from-authy` (a separate run, with its own
 * checkpoint) removes migrated users who have logged in since from Authy
 * (verify-migration-remove.ts). Either way the run ends with a report (verify-migration-report.ts).
 *
 * The seed and codes stay in memory: never in the report, the checkpoint or the output.
 */
import type { VerifyKnownSeedClient } from '../../lib/providers/verify-known-seed';
import { NO_AUDIT, type AdminAudit } from './audit';
import type { SeedExport } from './authy-export';
import { NdjsonCheckpoint, writePrivateJson, type CheckpointFormat } from './checkpoint';
import type { Clock } from './clock';
import { AdminError } from './errors';
import type { AdminApi } from './management';
import { Progress, type Output } from './output';
import type { RateLimiter } from './rate-limit';
import type { TwilioFetchStats } from './twilio-fetch';
import { scanCandidates, type VerifyMigrationStep } from './verify-migration-candidates';
import { planRemoval, removeOne } from './verify-migration-remove';
import { buildReport, printSummary, type VerifyMigrationReport } from './verify-migration-report';
import { LeftoverFactor, migrateOne, planMove, type VerifyEntry, type VerifyRecord } from './verify-migration-user';

export type { VerifyMigrationStep } from './verify-migration-candidates';
export type { VerifyMigrationReport } from './verify-migration-report';
export { DRY_RUN_FACTOR, type VerifyEntry, type VerifyOutcome, type VerifyRecord } from './verify-migration-user';

export interface VerifyMigrationOptions {
  step: VerifyMigrationStep;
  apply: boolean;
  tenant: string;
  reportPath: string;
  checkpointPath: string;
  sample: number;
}

export interface VerifyMigrationDeps {
  api: AdminApi;
  limiter: RateLimiter;
  clock: Clock;
  output: Output;
  exportSeed: (authyId: string) => Promise<SeedExport>;
  verify: VerifyKnownSeedClient;
  removeAuthyUser: (authyId: string) => Promise<void>;
  twilioStats: TwilioFetchStats;
  audit?: AdminAudit;
  fetch?: typeof fetch;
  pollIntervalMs?: number;
}

interface CheckpointHeader {
  kind: 'migrate-to-verify-checkpoint';
  version: 1;
  step: VerifyMigrationStep;
  tenant: string;
  started_at: string;
  scanned: number;
  candidates: string[];
}

type CheckpointState = { header: CheckpointHeader; done: Map<string, VerifyEntry> };

const CHECKPOINT_FORMAT: CheckpointFormat<CheckpointHeader, VerifyEntry> = {
  name: 'migrate-to-verify',
  header: (value) =>
    value.kind === 'migrate-to-verify-checkpoint' && value.version === 1 && Array.isArray(value.candidates)
      ? (value as unknown as CheckpointHeader)
      : null,
  entry: (value) => (typeof value.user_id === 'string' && typeof value.outcome === 'string' ? (value as unknown as VerifyEntry) : null),
};

export async function runVerifyMigration(options: VerifyMigrationOptions, deps: VerifyMigrationDeps): Promise<VerifyMigrationReport> {
  const checkpoint = new NdjsonCheckpoint(options.checkpointPath, CHECKPOINT_FORMAT);
  if (!options.apply) return runDryRun(options, deps, checkpoint);
  return runApply(options, deps, checkpoint, await startOrResume(options, deps, checkpoint));
}

async function runDryRun(
  options: VerifyMigrationOptions,
  deps: VerifyMigrationDeps,
  checkpoint: NdjsonCheckpoint<CheckpointHeader, VerifyEntry>,
): Promise<VerifyMigrationReport> {
  const { output } = deps;
  if (checkpoint.exists()) output.err(`note: ${options.checkpointPath} holds an unfinished --apply run; this dry run does not use it.`);
  const { scanned, candidates } = await scanCandidates(options.step, deps);
  const records: VerifyRecord[] = [];
  for (const userId of candidates) {
    const user = await deps.api.getUser(userId);
    if (!user) records.push({ user_id: userId, outcome: 'gone' });
    else records.push(options.step === 'migrate' ? await planMove(user, deps) : planRemoval(user));
  }
  const result = buildReport(options, deps, scanned, records, true);
  writePrivateJson(options.reportPath, result);
  output.out(`Dry run (${options.step}) on ${options.tenant}: nothing was changed.`);
  printSummary(options, scanned, records, output);
  output.out(`Report: ${options.reportPath}`);
  output.out('Run again with --apply to write these changes.');
  return result;
}

/** The checkpoint of an unfinished run of this tenant and step, or a new one from a fresh scan. */
async function startOrResume(
  options: VerifyMigrationOptions,
  deps: VerifyMigrationDeps,
  checkpoint: NdjsonCheckpoint<CheckpointHeader, VerifyEntry>,
): Promise<CheckpointState> {
  const state = checkpoint.read();
  if (state && (state.header.tenant !== options.tenant || state.header.step !== options.step)) {
    throw new AdminError(
      'BAD_CHECKPOINT',
      `${options.checkpointPath} belongs to the ${state.header.step} step of ${state.header.tenant}; move it away or finish that run first`,
    );
  }
  if (state) {
    deps.output.err(
      `resuming the run started at ${state.header.started_at}: ${state.done.size} of ${state.header.candidates.length} users already done`,
    );
    return state;
  }
  const { scanned, candidates } = await scanCandidates(options.step, deps);
  const header: CheckpointHeader = {
    kind: 'migrate-to-verify-checkpoint',
    version: 1,
    step: options.step,
    tenant: options.tenant,
    started_at: new Date(deps.clock.nowMs()).toISOString(),
    scanned,
    candidates,
  };
  checkpoint.start(header);
  return { header, done: new Map() };
}

/** --apply: each candidate not done yet, read again, moved (or removed from Authy), then appended to the checkpoint. */
async function runApply(
  options: VerifyMigrationOptions,
  deps: VerifyMigrationDeps,
  checkpoint: NdjsonCheckpoint<CheckpointHeader, VerifyEntry>,
  { header, done }: CheckpointState,
): Promise<VerifyMigrationReport> {
  const { output } = deps;
  const audit = deps.audit ?? NO_AUDIT;
  const records = (): VerifyRecord[] => header.candidates.map((id) => done.get(id) ?? { user_id: id, outcome: 'pending' });
  const progress = new Progress(header.candidates.length, output, options.step === 'migrate' ? 'migrating' : 'removing from Authy');
  const summary = () => {
    const tally = new Map<string, number>();
    for (const e of done.values()) tally.set(e.outcome, (tally.get(e.outcome) ?? 0) + 1);
    return [...tally].map(([k, v]) => `${k}=${v}`).join(' ');
  };
  for (let i = 0; i < done.size; i += 1) progress.tick(summary);
  try {
    for (const userId of header.candidates) {
      if (done.has(userId)) continue;
      const user = await deps.api.getUser(userId);
      let entry: VerifyEntry;
      if (!user) entry = { user_id: userId, outcome: 'gone' };
      else entry = options.step === 'migrate' ? await migrateOne(user, deps, audit) : await removeOne(user, deps, audit);
      checkpoint.append(entry);
      done.set(userId, entry);
      progress.tick(summary);
    }
  } catch (error) {
    const leftover = error instanceof LeftoverFactor ? error : undefined;
    writePrivateJson(options.reportPath, buildReport(options, deps, header.scanned, records(), false, leftover));
    output.err(`stopped after ${done.size} of ${header.candidates.length} users. Partial report: ${options.reportPath}`);
    if (leftover) output.err(leftover.message);
    output.err(`Run the same command again to resume from ${options.checkpointPath}.`);
    throw leftover ? leftover.failure : error;
  }
  const result = buildReport(options, deps, header.scanned, records(), true);
  writePrivateJson(options.reportPath, result);
  checkpoint.remove();
  output.out(`Applied (${options.step}) on ${options.tenant}.`);
  printSummary(options, header.scanned, records(), output);
  output.out(`Management API calls: ${deps.limiter.stats.calls} (429 answers: ${deps.limiter.stats.rateLimited})`);
  output.out(`Twilio calls: ${deps.twilioStats.calls} (429 answers: ${deps.twilioStats.rateLimited})`);
  output.out(`Report: ${options.reportPath}`);
  return result;
}
