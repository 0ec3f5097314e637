/**
 * The users a `migrate-to-verify` step works on, read from one user export job: for the move,
 * users whose record names Authy with an authy_id; for `--remove-from-authy`, users whose record
 * names Verify and still carries an authy_id. The export is a snapshot: each step reads every
 * candidate again before it decides.
 */
import { ENROLLMENT_KEY } from '../../lib/enrollment';
import { isRecord } from '../../lib/is-record';
import { classifyForVerify } from './plan-verify-migration';
import { exportForScan, type ScanDeps } from './users-export';

export type VerifyMigrationStep = 'migrate' | 'remove-from-authy';

export type { ScanDeps } from './users-export';

/** Candidates of a step, from the record as the export has it. */
function isCandidate(step: VerifyMigrationStep, appMetadata: Record<string, unknown>): boolean {
  if (step === 'migrate') return classifyForVerify(appMetadata).kind === 'authy';
  const stored = appMetadata[ENROLLMENT_KEY];
  return isRecord(stored) && stored.provider === 'verify' && stored.authy_id !== undefined;
}

/** Reads every user of the export: how many there are, and the user_id of each candidate of the step. */
export async function scanCandidates(step: VerifyMigrationStep, deps: ScanDeps): Promise<{ scanned: number; candidates: string[] }> {
  const users = exportForScan(deps);
  let scanned = 0;
  const candidates: string[] = [];
  for await (const user of users) {
    scanned += 1;
    if (isCandidate(step, user.app_metadata)) candidates.push(user.user_id);
  }
  deps.output.err(`read ${scanned} users from the export`);
  return { scanned, candidates };
}
