/**
 * `migrate-to-verify`: moves users enrolled with Authy to Twilio Verify without re-enrollment,
 * from Authy's TOTP seed export, as a function of injected parts (APIs, clock, files).
 *
 * Plan: one user export job; users whose record names Authy with an authy_id are candidates
 * (plan-verify-migration.ts). Dry run (default): exports each candidate's seed and checks it
 * (GET only: no factor is created, nothing is written) and reports who would move and who stays
 * on Authy. Apply, per user: read the user again; export the seed; check that its code is the code
 * Authy returned; delete any factor a stopped run left for this identity (FriendlyName
 * MIGRATED_FACTOR_NAME); create the Verify TOTP factor from the seed with its parameters; verify it
 * with the seed's current code; PATCH `authy_2fa` with provider 'verify', verify_factor_sid and
 * verify_migrated_at, every other field kept. A failure after the factor exists deletes it (or
 * names it, and the rerun deletes it). Each finished user is one checkpoint line.
 *
 * `--remove-from-authy` (a separate run): users whose record names Verify and who logged in after
 * verify_migrated_at are removed from Authy, then authy_id is dropped from the record.
 *
 * The seed and codes stay in memory: never in the report, the checkpoint or the output.
 */
import { ENROLLMENT_KEY } from '../../lib/enrollment';
import { isRecord } from '../../lib/is-record';
import type { VerifyKnownSeedClient } from '../../lib/providers/verify';
import type { AdminAudit } from './audit';
import { NdjsonCheckpoint, writePrivateJson, type CheckpointFormat } from './checkpoint';
import { NO_AUDIT } from './audit';
import type { SeedExport } from './authy-export';
import type { Clock } from './clock';
import { describeChange } from './describe-change';
import { AdminError } from './errors';
import type { AdminApi, AdminUser } from './management';
import { Progress, type Output } from './output';
import {
  MIGRATED_FACTOR_NAME,
  checkExportedSeed,
  classifyForVerify,
  currentCode,
  previousOf,
  removalDecision,
  verifyMigrationPatch,
  type ExportedSeed,
} from './plan-verify-migration';
import type { RateLimiter } from './rate-limit';
import type { TwilioFetchStats } from './twilio-fetch';
import { exportAllUsers } from './users-export';

/** What the dry run shows for the factor --apply would create. */
export const DRY_RUN_FACTOR = '(created by --apply)';

export type VerifyMigrationStep = 'migrate' | 'remove-from-authy';

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

export type VerifyOutcome = 'migrated' | 'stays-on-authy' | 'refused' | 'unchanged' | 'gone' | 'skipped' | 'removed-from-authy' | 'waiting';

export interface VerifyEntry {
  user_id: string;
  outcome: VerifyOutcome;
  reason?: string;
  previous?: Record<string, unknown>;
  patch?: Record<string, unknown>;
  /** Factors of an earlier, stopped run that this run deleted. */
  deleted_factors?: string[];
}

export interface VerifyRecord extends Omit<VerifyEntry, 'outcome'> {
  outcome: VerifyOutcome | 'pending' | 'would-migrate' | 'would-remove-from-authy';
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

const CHECKPOINT_FORMAT: CheckpointFormat<CheckpointHeader, VerifyEntry> = {
  name: 'migrate-to-verify',
  header: (value) =>
    value.kind === 'migrate-to-verify-checkpoint' && value.version === 1 && Array.isArray(value.candidates)
      ? (value as unknown as CheckpointHeader)
      : null,
  entry: (value) => (typeof value.user_id === 'string' && typeof value.outcome === 'string' ? (value as unknown as VerifyEntry) : null),
};

/** Candidates of a step, from the record as the export has it. */
function isCandidate(step: VerifyMigrationStep, appMetadata: Record<string, unknown>): boolean {
  if (step === 'migrate') return classifyForVerify(appMetadata).kind === 'authy';
  const stored = appMetadata[ENROLLMENT_KEY];
  return isRecord(stored) && stored.provider === 'verify' && stored.authy_id !== undefined;
}

async function scan(options: VerifyMigrationOptions, deps: VerifyMigrationDeps): Promise<{ scanned: number; candidates: string[] }> {
  const users = exportAllUsers(deps.api, {
    clock: deps.clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    onProgress: (message) => deps.output.err(message),
  });
  let scanned = 0;
  const candidates: string[] = [];
  for await (const user of users) {
    scanned += 1;
    if (isCandidate(options.step, user.app_metadata)) candidates.push(user.user_id);
  }
  deps.output.err(`read ${scanned} users from the export`);
  return { scanned, candidates };
}

class LeftoverFactor extends Error {
  constructor(
    readonly userId: string,
    readonly factorSid: string,
    readonly failure: unknown,
  ) {
    super(`factor ${factorSid} of ${userId} exists at Twilio but is not in app_metadata; run the same command again: it deletes it first`);
  }
}

/** A user's exported seed once it is checked, or why the user does not move (the same in the dry run and --apply). */
async function checkedSeed(user: AdminUser, deps: VerifyMigrationDeps): Promise<{ seed: ExportedSeed } | VerifyEntry> {
  const userId = user.user_id;
  const cls = classifyForVerify(user.app_metadata);
  if (cls.kind === 'verify') return { user_id: userId, outcome: 'unchanged', reason: 'already enrolled with Verify' };
  if (cls.kind !== 'authy') return { user_id: userId, outcome: 'skipped', reason: 'no Authy enrollment left' };
  const exported = await deps.exportSeed(cls.authyId);
  if (exported.kind === 'no-export') return { user_id: userId, outcome: 'stays-on-authy', reason: exported.reason };
  if (exported.kind === 'malformed') return { user_id: userId, outcome: 'refused', reason: exported.reason };
  const check = checkExportedSeed(exported.seed, deps.clock.nowMs());
  if (!check.ok) return { user_id: userId, outcome: 'refused', reason: check.reason };
  return { seed: exported.seed };
}

/** Dry run of one user: the seed is exported and checked, nothing is created or written. */
async function planOne(user: AdminUser, deps: VerifyMigrationDeps, step: VerifyMigrationStep): Promise<VerifyRecord> {
  const userId = user.user_id;
  if (step === 'remove-from-authy') {
    const decision = removalDecision(user);
    if (decision.kind === 'remove') {
      return {
        user_id: userId,
        outcome: 'would-remove-from-authy',
        previous: previousOf(user.app_metadata, decision.patch),
        patch: decision.patch,
      };
    }
    return { user_id: userId, outcome: decision.kind === 'wait' ? 'waiting' : 'skipped', reason: decision.reason };
  }
  const checked = await checkedSeed(user, deps);
  if ('outcome' in checked) return checked;
  const patch = verifyMigrationPatch(user.app_metadata, 'YF00000000000000000000000000000000', new Date(deps.clock.nowMs()).toISOString());
  // The factor exists only once --apply creates it: the dry run says so instead of a made-up SID.
  const shown = { [ENROLLMENT_KEY]: { ...(patch[ENROLLMENT_KEY] as Record<string, unknown>), verify_factor_sid: DRY_RUN_FACTOR } };
  return { user_id: userId, outcome: 'would-migrate', previous: previousOf(user.app_metadata, shown), patch: shown };
}

async function migrateOne(user: AdminUser, deps: VerifyMigrationDeps, audit: AdminAudit): Promise<VerifyEntry> {
  const userId = user.user_id;
  const checked = await checkedSeed(user, deps);
  if ('outcome' in checked) return checked;
  const seed = checked.seed;

  const identity = deps.verify.identityOf(userId);
  const deleted: string[] = [];
  for (const factor of await deps.verify.listTotpFactors(identity)) {
    if (factor.friendlyName !== MIGRATED_FACTOR_NAME) continue;
    await deps.verify.deleteFactor(identity, factor.sid);
    deleted.push(factor.sid);
  }
  const extra = deleted.length > 0 ? { deleted_factors: deleted } : {};
  const { timeStep, codeLength, alg } = {
    timeStep: seed.parameters.periodSeconds,
    codeLength: seed.parameters.digits,
    alg: seed.parameters.algorithm,
  };
  const factor = await deps.verify.createTotpFactorFromSeed(identity, {
    secret: seed.secret,
    config: { timeStep, codeLength, alg },
    friendlyName: MIGRATED_FACTOR_NAME,
  });
  const migratedAt = new Date(deps.clock.nowMs()).toISOString();
  const patch = verifyMigrationPatch(user.app_metadata, factor.sid, migratedAt);
  const previous = previousOf(user.app_metadata, patch);
  let patchSent = false;
  try {
    const status = await deps.verify.verifyTotpFactor(identity, factor.sid, currentCode(seed, deps.clock.nowMs()));
    if (status !== 'verified') {
      await deps.verify.deleteFactor(identity, factor.sid);
      return { user_id: userId, outcome: 'refused', reason: 'Twilio Verify did not accept the code of the exported seed', ...extra };
    }
    patchSent = true;
    await deps.api.updateAppMetadata(userId, patch);
  } catch (error) {
    if (patchSent) {
      // The PATCH may have been applied before it failed: the record says so, or not.
      const fresh = await deps.api.getUser(userId).catch(() => null);
      const stored = fresh?.app_metadata[ENROLLMENT_KEY];
      if (isRecord(stored) && stored.verify_factor_sid === factor.sid) {
        audit.applied('migrated', userId, { from: 'authy', to: 'verify' });
        return { user_id: userId, outcome: 'migrated', previous, patch, ...extra };
      }
    }
    try {
      await deps.verify.deleteFactor(identity, factor.sid);
    } catch {
      throw new LeftoverFactor(userId, factor.sid, error);
    }
    throw error;
  }
  audit.applied('migrated', userId, { from: 'authy', to: 'verify' });
  return { user_id: userId, outcome: 'migrated', previous, patch, ...extra };
}

async function removeOne(user: AdminUser, deps: VerifyMigrationDeps, audit: AdminAudit): Promise<VerifyEntry> {
  const decision = removalDecision(user);
  if (decision.kind === 'wait') return { user_id: user.user_id, outcome: 'waiting', reason: decision.reason };
  if (decision.kind === 'skip') return { user_id: user.user_id, outcome: 'skipped', reason: decision.reason };
  await deps.removeAuthyUser(decision.authyId);
  const previous = previousOf(user.app_metadata, decision.patch);
  await deps.api.updateAppMetadata(user.user_id, decision.patch);
  audit.applied('authy_user_removed', user.user_id, { from: 'migrate-to-verify' });
  return { user_id: user.user_id, outcome: 'removed-from-authy', previous, patch: decision.patch };
}

function report(
  options: VerifyMigrationOptions,
  deps: VerifyMigrationDeps,
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

function printSummary(options: VerifyMigrationOptions, scanned: number, records: VerifyRecord[], output: Output): void {
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

export async function runVerifyMigration(options: VerifyMigrationOptions, deps: VerifyMigrationDeps): Promise<VerifyMigrationReport> {
  const { output, clock } = deps;
  const audit = deps.audit ?? NO_AUDIT;
  const checkpoint = new NdjsonCheckpoint(options.checkpointPath, CHECKPOINT_FORMAT);
  if (!options.apply) {
    if (checkpoint.exists()) output.err(`note: ${options.checkpointPath} holds an unfinished --apply run; this dry run does not use it.`);
    const { scanned, candidates } = await scan(options, deps);
    const records: VerifyRecord[] = [];
    for (const userId of candidates) {
      const user = await deps.api.getUser(userId);
      records.push(user ? await planOne(user, deps, options.step) : { user_id: userId, outcome: 'gone' });
    }
    const result = report(options, deps, scanned, records, true);
    writePrivateJson(options.reportPath, result);
    output.out(`Dry run (${options.step}) on ${options.tenant}: nothing was changed.`);
    printSummary(options, scanned, records, output);
    output.out(`Report: ${options.reportPath}`);
    output.out('Run again with --apply to write these changes.');
    return result;
  }

  let state = checkpoint.read();
  if (state && (state.header.tenant !== options.tenant || state.header.step !== options.step)) {
    throw new AdminError(
      'BAD_CHECKPOINT',
      `${options.checkpointPath} belongs to the ${state.header.step} step of ${state.header.tenant}; move it away or finish that run first`,
    );
  }
  if (state) {
    output.err(
      `resuming the run started at ${state.header.started_at}: ${state.done.size} of ${state.header.candidates.length} users already done`,
    );
  } else {
    const { scanned, candidates } = await scan(options, deps);
    const header: CheckpointHeader = {
      kind: 'migrate-to-verify-checkpoint',
      version: 1,
      step: options.step,
      tenant: options.tenant,
      started_at: new Date(clock.nowMs()).toISOString(),
      scanned,
      candidates,
    };
    checkpoint.start(header);
    state = { header, done: new Map() };
  }
  const { header, done } = state;
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
    writePrivateJson(options.reportPath, report(options, deps, header.scanned, records(), false, leftover));
    output.err(`stopped after ${done.size} of ${header.candidates.length} users. Partial report: ${options.reportPath}`);
    if (leftover) output.err(leftover.message);
    output.err(`Run the same command again to resume from ${options.checkpointPath}.`);
    throw leftover ? leftover.failure : error;
  }
  const result = report(options, deps, header.scanned, records(), true);
  writePrivateJson(options.reportPath, result);
  checkpoint.remove();
  output.out(`Applied (${options.step}) on ${options.tenant}.`);
  printSummary(options, header.scanned, records(), output);
  output.out(`Management API calls: ${deps.limiter.stats.calls} (429 answers: ${deps.limiter.stats.rateLimited})`);
  output.out(`Twilio calls: ${deps.twilioStats.calls} (429 answers: ${deps.twilioStats.rateLimited})`);
  output.out(`Report: ${options.reportPath}`);
  return result;
}
