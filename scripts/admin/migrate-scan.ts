/**
 * The plan of `migrate-users`: one user export job read to the end, each user classified
 * (plan-migration.ts) as already in the Action's format, without 2FA, to migrate, to enroll again
 * or invalid. The export is a snapshot: --apply reads each user to migrate again before writing.
 */
import { addToPlan, emptyPlan, type MigrationPlan } from './plan-migration';
import { exportForScan, type ScanDeps } from './users-export';

export type { ScanDeps } from './users-export';

/** Every user of the export added to a new plan; enrolled_at of the users to migrate is nowIso. */
export async function buildPlan(deps: ScanDeps, nowIso: string): Promise<MigrationPlan> {
  const plan = emptyPlan();
  const users = exportForScan(deps);
  for await (const user of users) {
    addToPlan(plan, user, nowIso);
    if (plan.scanned % 10_000 === 0) deps.output.err(`read ${plan.scanned} users from the export`);
  }
  deps.output.err(`read ${plan.scanned} users from the export`);
  return plan;
}
