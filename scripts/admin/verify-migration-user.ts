/**
 * One user's move from Authy to Twilio Verify (`migrate-to-verify`), in the dry run and with
 * --apply, and the entries both write for the report and the checkpoint.
 *
 * Both export the user's seed and check that its code is the code Authy returned; a user without
 * an export stays on Authy, a seed that fails the check is refused. The dry run stops there.
 * --apply then deletes any factor a stopped run left for this identity (FriendlyName
 * MIGRATED_FACTOR_NAME), creates the Verify TOTP factor from the seed with its parameters,
 * verifies it with the seed's current code and PATCHes `authy_2fa` with provider 'verify',
 * verify_factor_sid and verify_migrated_at, every other field kept (plan-verify-migration.ts).
 * A failure after the factor exists deletes it, or, if that fails too, names it (LeftoverFactor)
 * so that the rerun deletes it. The seed and codes stay in memory.
 */
import { ENROLLMENT_KEY } from '../../lib/enrollment';
import { isRecord } from '../../lib/is-record';
import type { VerifyKnownSeedClient } from '../../lib/providers/verify-known-seed';
import type { AdminAudit } from './audit';
import type { SeedExport } from './authy-export';
import type { Clock } from './clock';
import type { AdminApi, AdminUser } from './management';
import {
  MIGRATED_FACTOR_NAME,
  checkExportedSeed,
  classifyForVerify,
  currentCode,
  previousOf,
  verifyMigrationPatch,
  type ExportedSeed,
} from './plan-verify-migration';

/** What the dry run shows for the factor --apply would create. */
export const DRY_RUN_FACTOR = '(created by --apply)';

export type VerifyOutcome = 'migrated' | 'stays-on-authy' | 'refused' | 'unchanged' | 'gone' | 'skipped' | 'removed-from-authy' | 'waiting';

/** One user done: a checkpoint line, and the user's line in the report. */
export interface VerifyEntry {
  user_id: string;
  outcome: VerifyOutcome;
  reason?: string;
  previous?: Record<string, unknown>;
  patch?: Record<string, unknown>;
  /** Factors of an earlier, stopped run that this run deleted. */
  deleted_factors?: string[];
}

/** A user's line in the report, with the outcomes of a dry run and of a user not done yet. */
export interface VerifyRecord extends Omit<VerifyEntry, 'outcome'> {
  outcome: VerifyOutcome | 'pending' | 'would-migrate' | 'would-remove-from-authy';
}

/** What moving one user needs. */
export interface MoveUserDeps {
  api: AdminApi;
  clock: Clock;
  exportSeed: (authyId: string) => Promise<SeedExport>;
  verify: VerifyKnownSeedClient;
}

/** A factor that exists at Twilio without being in app_metadata: the run stops, and the rerun deletes it. */
export class LeftoverFactor extends Error {
  constructor(
    readonly userId: string,
    readonly factorSid: string,
    readonly failure: unknown,
  ) {
    super(`factor ${factorSid} of ${userId} exists at Twilio but is not in app_metadata; run the same command again: it deletes it first`);
  }
}

/** A user's exported seed once it is checked, or why the user does not move (the same in the dry run and --apply). */
async function checkedSeed(user: AdminUser, deps: MoveUserDeps): Promise<{ seed: ExportedSeed } | VerifyEntry> {
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
export async function planMove(user: AdminUser, deps: MoveUserDeps): Promise<VerifyRecord> {
  const userId = user.user_id;
  const checked = await checkedSeed(user, deps);
  if ('outcome' in checked) return checked;
  const patch = verifyMigrationPatch(user.app_metadata, 'YF00000000000000000000000000000000', new Date(deps.clock.nowMs()).toISOString());
  // The factor exists only once --apply creates it: the dry run says so instead of a made-up SID.
  const shown = { [ENROLLMENT_KEY]: { ...(patch[ENROLLMENT_KEY] as Record<string, unknown>), verify_factor_sid: DRY_RUN_FACTOR } };
  return { user_id: userId, outcome: 'would-migrate', previous: previousOf(user.app_metadata, shown), patch: shown };
}

/** Moves one user to Verify (--apply); see above for the order of the calls and what a failure leaves. */
export async function migrateOne(user: AdminUser, deps: MoveUserDeps, audit: AdminAudit): Promise<VerifyEntry> {
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
