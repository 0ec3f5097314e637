/**
 * The plan of `migrate-users`: one user export job read to the end, each user classified
 * (plan-migration.ts) as already in the Action's format, without 2FA, to migrate, to enroll again
 * or invalid. The export is a snapshot: --apply reads each user to migrate again before writing.
 */
import type { Clock } from './clock';
import type { AdminApi } from './management';
import type { Output } from './output';
import { addToPlan, emptyPlan, type MigrationPlan } from './plan-migration';
import { exportAllUsers } from './users-export';

/** What reading the export needs. */
export interface ScanDeps {
  api: AdminApi;
  clock: Clock;
  output: Output;
  fetch?: typeof fetch;
  pollIntervalMs?: number;
}

/** Every user of the export added to a new plan; enrolled_at of the users to migrate is nowIso. */
export async function buildPlan(deps: ScanDeps, nowIso: string): Promise<MigrationPlan> {
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
