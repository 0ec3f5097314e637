/**
 * reset-2fa and unlock-2fa: find one user, show the change, confirm, apply, print what changed.
 * If the user changed while the operator was reading the prompt, nothing is written.
 */
import { isDeepStrictEqual } from 'node:util';
import { AuthyError, createAuthyClient } from '../../lib/authy-client';
import { connect, parseCli, type CliDeps } from './cli';
import { readAuthyApiKey } from './env';
import { describeChange } from './describe-change';
import { AdminError } from './errors';
import type { AdminApi, AdminUser } from './management';
import type { Output } from './output';
import { confirm } from './output';
import { planReset, planUnlock, type UserChange } from './plan-user-change';
import { findUser, parseUserRef } from './user-lookup';

export type ChangeKind = 'reset' | 'unlock';

const USAGE: Record<ChangeKind, string> = {
  reset: 'usage: npm run reset-2fa -- <user id or email> [--remove-from-authy] [--yes]',
  unlock: 'usage: npm run unlock-2fa -- <user id or email> [--yes]',
};

function plan(kind: ChangeKind, user: AdminUser): UserChange | null {
  return kind === 'reset' ? planReset(user.app_metadata) : planUnlock(user.app_metadata);
}

async function removeFromAuthy(authyIds: string[], apiKey: string, deps: CliDeps, output: Output): Promise<void> {
  const authy = createAuthyClient({ apiKey, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  for (const id of authyIds) {
    try {
      await authy.removeUser(id);
      output.out(`  Authy user ${id}: removed from Authy`);
    } catch (error) {
      if (error instanceof AuthyError && error.code === 'USER_NOT_FOUND') {
        output.out(`  Authy user ${id}: not found in Authy (already removed)`);
        continue;
      }
      const code = error instanceof AuthyError ? error.code : 'UNAVAILABLE';
      throw new AdminError(
        'AUTHY_FAILED',
        `Authy did not remove user ${id} (${code}); the Auth0 enrollment was left unchanged. Run the command again.`,
      );
    }
  }
}

async function apply(api: AdminApi, user: AdminUser, change: UserChange): Promise<void> {
  await api.updateAppMetadata(user.user_id, change.patch);
}

export async function runUserChange(kind: ChangeKind, deps: CliDeps, output: Output): Promise<number> {
  const { values, positionals } = parseCli(
    deps.argv,
    { yes: { type: 'boolean', short: 'y', default: false }, 'remove-from-authy': { type: 'boolean', default: false } },
    USAGE[kind],
  );
  if (values.help) {
    output.out(USAGE[kind]);
    return 0;
  }
  if (positionals.length !== 1) throw new AdminError('BAD_USAGE', `give exactly one user id or email\n${USAGE[kind]}`);
  const ref = parseUserRef(positionals[0]);
  const removeAuthy = values['remove-from-authy'];
  if (removeAuthy && kind !== 'reset') throw new AdminError('BAD_USAGE', `--remove-from-authy belongs to reset-2fa\n${USAGE[kind]}`);
  // Every setting is checked before the first request.
  const authyKey = removeAuthy ? readAuthyApiKey(deps.env) : null;
  const { api } = connect(deps, output);

  let user = await findUser(api, ref);
  let change = plan(kind, user);
  const where = `${user.user_id} (connection: ${user.connection ?? 'unknown'})`;
  if (!change) {
    output.out(
      kind === 'reset'
        ? `${where} has no 2FA enrollment: nothing to reset.`
        : `${where} is not locked and has no failed attempts: nothing to unlock.`,
    );
    return 0;
  }

  output.out(kind === 'reset' ? `Reset 2FA of ${where}:` : `Unlock 2FA of ${where}:`);
  for (const line of describeChange(change.previous, change.patch)) output.out(line);
  if (removeAuthy) {
    if (change.authyIds.length === 0) output.out('  no Authy id is stored, so nothing will be removed from Authy');
    for (const id of change.authyIds) output.out(`  Authy user ${id}: will be removed from Authy`);
  }
  await confirm(kind === 'reset' ? 'The user will have to enroll again at next login.' : 'The user will be able to log in again.', {
    yes: values.yes,
    stdin: deps.stdin,
    output,
  });
  if (!values.yes) {
    // Time passed at the prompt: apply only what was shown.
    const again = await findUser(api, { kind: 'user_id', value: user.user_id });
    const changeAgain = plan(kind, again);
    if (!changeAgain || !isDeepStrictEqual(changeAgain, change)) {
      throw new AdminError(
        'API_ERROR',
        `${user.user_id} changed while waiting for confirmation; nothing was written. Run the command again.`,
      );
    }
    user = again;
    change = changeAgain;
  }

  if (removeAuthy && authyKey) await removeFromAuthy(change.authyIds, authyKey, deps, output);
  await apply(api, user, change);
  output.out(`Changed ${user.user_id}:`);
  for (const line of describeChange(change.previous, change.patch)) output.out(line);
  output.out(kind === 'reset' ? 'The user enrolls again at next login.' : 'Failures are back to 0 and the lock is gone.');
  return 0;
}
