/**
 * One user of `migrate-users --apply`: read again (the Action may have migrated the user at login
 * since the export), then PATCHed with exactly the legacyMigrationPatch of that fresh app_metadata,
 * or left alone when nothing is left to change. Each user written is one `migrated` audit event.
 */
import { legacyMigrationPatch, readEnrollment } from '../../lib/enrollment';
import type { AdminAudit } from './audit';
import type { CheckpointEntry } from './checkpoint';
import type { AdminApi } from './management';
import { previousValues } from './plan-migration';

/** The `from` of a `migrated` event: the rule-era key the enrollment was read from, or `leftover` (only a stale key removed). */
const MIGRATED_FROM = { 'legacy-authyID': 'authyID', 'legacy-mfa': 'mfa', current: 'leftover', none: 'leftover' } as const;

/** Reads one user again and writes the migration patch computed from that fresh app_metadata, if any is left. */
export async function migrateOne(api: AdminApi, userId: string, migratedAt: string, audit: AdminAudit): Promise<CheckpointEntry> {
  const fresh = await api.getUser(userId);
  if (!fresh) return { user_id: userId, outcome: 'gone' };
  const patch = legacyMigrationPatch(fresh.app_metadata, migratedAt);
  if (!patch || Object.keys(patch).length === 0) return { user_id: userId, outcome: 'unchanged' };
  const previous = previousValues(fresh.app_metadata, patch);
  await api.updateAppMetadata(userId, patch);
  audit.applied('migrated', userId, { from: MIGRATED_FROM[readEnrollment(fresh.app_metadata).source] });
  return { user_id: userId, outcome: 'migrated', previous, patch };
}
