/**
 * `migrate-to-verify --remove-from-authy`, one user at a time: a user whose record names Verify
 * and who logged in after verify_migrated_at is removed from Authy, then authy_id is dropped from
 * the record (removalDecision in plan-verify-migration.ts). A user with no login since waits.
 */
import type { AdminAudit } from './audit';
import type { AdminApi, AdminUser } from './management';
import { previousOf, removalDecision } from './plan-verify-migration';
import type { VerifyEntry, VerifyRecord } from './verify-migration-user';

/** What removing one user from Authy needs. */
export interface RemoveUserDeps {
  api: AdminApi;
  removeAuthyUser: (authyId: string) => Promise<void>;
}

/** Dry run of one user: what --apply would write, or why it would wait or skip the user. */
export function planRemoval(user: AdminUser): VerifyRecord {
  const decision = removalDecision(user);
  if (decision.kind === 'remove') {
    return {
      user_id: user.user_id,
      outcome: 'would-remove-from-authy',
      previous: previousOf(user.app_metadata, decision.patch),
      patch: decision.patch,
    };
  }
  return { user_id: user.user_id, outcome: decision.kind === 'wait' ? 'waiting' : 'skipped', reason: decision.reason };
}

/** Removes one user from Authy, then drops authy_id from the record (--apply). */
export async function removeOne(user: AdminUser, deps: RemoveUserDeps, audit: AdminAudit): Promise<VerifyEntry> {
  const decision = removalDecision(user);
  if (decision.kind === 'wait') return { user_id: user.user_id, outcome: 'waiting', reason: decision.reason };
  if (decision.kind === 'skip') return { user_id: user.user_id, outcome: 'skipped', reason: decision.reason };
  await deps.removeAuthyUser(decision.authyId);
  const previous = previousOf(user.app_metadata, decision.patch);
  await deps.api.updateAppMetadata(user.user_id, decision.patch);
  audit.applied('authy_user_removed', user.user_id, { from: 'migrate-to-verify' });
  return { user_id: user.user_id, outcome: 'removed-from-authy', previous, patch: decision.patch };
}
