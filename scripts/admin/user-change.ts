/**
 * reset-2fa and unlock-2fa: find one user, show the change, confirm, apply, print what changed.
 * If the user changed while the operator was reading the prompt, nothing is written. With
 * --json, stdout holds only the audit event of each change applied (audit.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import { AuthyError, createAuthyClient } from '../../lib/authy-client';
import { ENROLLMENT_KEY } from '../../lib/enrollment';
import { isProviderError } from '../../lib/providers/types';
import { createVerifyKnownSeedClient } from '../../lib/providers/verify-known-seed';
import { readDevices } from '../../lib/remembered-devices';
import { isRecord } from '../../lib/is-record';
import { createAdminAudit, outputFor, type AdminAudit, type AdminTool } from './audit';
import { connect, loadSettings, parseCli, toolSettings, type CliDeps } from './cli';
import type { VerifyApiSettings } from './env';
import { systemClock } from './clock';
import { describeChange } from './describe-change';
import { AdminError } from './errors';
import { lastNetworkMessage, recordingFetch } from './network-errors';
import type { AdminApi, AdminUser } from './management';
import type { Output } from './output';
import { confirm } from './output';
import { planForgetDevices, planReset, planUnlock, type UserChange } from './plan-user-change';
import { findUser, parseUserRef } from './user-lookup';

export type ChangeKind = 'reset' | 'unlock' | 'forget';

const USAGE: Record<ChangeKind, string> = {
  reset: 'usage: npm run reset-2fa -- <user id or email> [--remove-from-authy] [--remove-from-verify] [--yes] [--json] [--env <name>]',
  unlock: 'usage: npm run unlock-2fa -- <user id or email> [--yes] [--json] [--env <name>]',
  forget: 'usage: npm run forget-devices -- <user id or email> [--yes] [--json] [--env <name>]',
};

/** What each tool says: its name, the heading of the change, nothing to do, the prompt, the last line. */
const TEXT: Record<ChangeKind, { tool: AdminTool; title: string; nothing: string; prompt: string; done: string }> = {
  reset: {
    tool: 'reset-2fa',
    title: 'Reset 2FA of',
    nothing: 'has no 2FA enrollment: nothing to reset.',
    prompt: 'The user will have to enroll again at next login.',
    done: 'The user enrolls again at next login.',
  },
  unlock: {
    tool: 'unlock-2fa',
    title: 'Unlock 2FA of',
    nothing: 'is not locked and has no failed attempts: nothing to unlock.',
    prompt: 'The user will be able to log in again.',
    done: 'Failures are back to 0 and the lock is gone.',
  },
  forget: {
    tool: 'forget-devices',
    title: 'Forget the remembered devices of',
    nothing: 'has no remembered device: nothing to forget.',
    prompt: 'Every browser of the user will ask for a code again.',
    done: 'Every browser of the user asks for a code at next login.',
  },
};

function plan(kind: ChangeKind, user: AdminUser): UserChange | null {
  if (kind === 'forget') return planForgetDevices(user.app_metadata);
  return kind === 'reset' ? planReset(user.app_metadata) : planUnlock(user.app_metadata);
}

async function removeFromAuthy(
  user: AdminUser,
  authyIds: string[],
  apiKey: string,
  deps: CliDeps,
  output: Output,
  audit: AdminAudit,
): Promise<void> {
  const probe = recordingFetch(deps.fetch ?? fetch);
  const authy = createAuthyClient({ apiKey, fetch: probe.fetch });
  for (const id of authyIds) {
    try {
      await authy.removeUser(id);
      output.out(`  Authy user ${id}: removed from Authy`);
      audit.applied('authy_user_removed', user.user_id);
    } catch (error) {
      if (error instanceof AuthyError && error.code === 'USER_NOT_FOUND') {
        output.out(`  Authy user ${id}: not found in Authy (already removed)`);
        continue;
      }
      const code = error instanceof AuthyError ? error.code : 'UNAVAILABLE';
      const network = code === 'UNAVAILABLE' || code === 'TIMEOUT' ? lastNetworkMessage(probe) : null;
      if (network !== null) {
        throw new AdminError('UNREACHABLE', `Authy did not remove user ${id}: ${network} The Auth0 enrollment was left unchanged.`);
      }
      throw new AdminError(
        'AUTHY_FAILED',
        `Authy did not remove user ${id} (${code}); the Auth0 enrollment was left unchanged. Run the command again.`,
      );
    }
  }
}

/** Deletes a Verify user's factor at Twilio (already gone is fine); on failure nothing is written in Auth0. */
async function removeFromVerify(
  user: AdminUser,
  factorSid: string,
  verify: VerifyApiSettings,
  deps: CliDeps,
  output: Output,
  audit: AdminAudit,
) {
  const client = createVerifyKnownSeedClient({
    accountSid: verify.username,
    authToken: verify.password,
    serviceSid: verify.serviceSid,
    identitySecret: verify.identityKey,
    timeoutMs: 10_000,
    ...(verify.verifyApiUrl ? { baseUrl: `${verify.verifyApiUrl.replace(/\/+$/, '')}/v2` } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  try {
    await client.deleteFactor(client.identityOf(user.user_id), factorSid);
  } catch (error) {
    const code = isProviderError(error) ? error.code : 'UNAVAILABLE';
    const next = code === 'BAD_CREDENTIALS' ? 'Check the TWILIO_* credentials.' : 'Run the command again.';
    throw new AdminError(
      'VERIFY_FAILED',
      `Twilio Verify did not delete factor ${factorSid} (${code}); the Auth0 enrollment was left unchanged. ${next}`,
    );
  }
  output.out(`  Verify factor ${factorSid}: deleted from Twilio Verify`);
  audit.applied('verify_factor_deleted', user.user_id);
}

async function apply(api: AdminApi, user: AdminUser, change: UserChange): Promise<void> {
  await api.updateAppMetadata(user.user_id, change.patch);
}

/** The audit event of an applied change: short, non-identifying fields only (no Authy id). */
function auditChange(kind: ChangeKind, user: AdminUser, change: UserChange, audit: AdminAudit): void {
  if (kind === 'reset') {
    audit.applied('reset', user.user_id, { removed: Object.keys(change.patch).sort().join(',') });
    return;
  }
  if (kind === 'forget') {
    audit.applied('devices_forgotten', user.user_id, { devices: readDevices(change.previous).length });
    return;
  }
  const before = change.previous[ENROLLMENT_KEY];
  const failures = isRecord(before) && typeof before.failures === 'number' ? before.failures : 0;
  audit.applied('unlocked', user.user_id, { failures_before: failures, was_locked: isRecord(before) && 'locked_until' in before });
}

export async function runUserChange(kind: ChangeKind, deps: CliDeps, cliOutput: Output): Promise<number> {
  const { values, positionals } = parseCli(
    deps.argv,
    {
      yes: { type: 'boolean', short: 'y', default: false },
      'remove-from-authy': { type: 'boolean', default: false },
      'remove-from-verify': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      env: { type: 'string' },
    },
    USAGE[kind],
  );
  if (values.help) {
    cliOutput.out(USAGE[kind]);
    return 0;
  }
  const output = outputFor(cliOutput, values.json);
  if (positionals.length !== 1) throw new AdminError('BAD_USAGE', `give exactly one user id or email\n${USAGE[kind]}`);
  const ref = parseUserRef(positionals[0]);
  const removeAuthy = values['remove-from-authy'];
  if (removeAuthy && kind !== 'reset') throw new AdminError('BAD_USAGE', `--remove-from-authy belongs to reset-2fa\n${USAGE[kind]}`);
  const removeVerify = values['remove-from-verify'];
  if (removeVerify && kind !== 'reset') throw new AdminError('BAD_USAGE', `--remove-from-verify belongs to reset-2fa\n${USAGE[kind]}`);
  // Every setting is checked before the first request, and every missing one named at once.
  const settings = loadSettings(deps, values.env, output);
  const needs = {
    ...(removeAuthy ? { authy: '--remove-from-authy calls the Authy API with it' } : {}),
    ...(removeVerify ? { verify: "--remove-from-verify deletes the user's factor with the Twilio Verify API" } : {}),
    auditKey: values.json,
  };
  const { credentials: known, authyApiKey: authyKey, verify: verifySettings } = toolSettings(settings, needs);
  const { api, credentials } = connect(settings, output, known);
  const audit = createAdminAudit({
    json: values.json,
    tool: TEXT[kind].tool,
    tenant: credentials.domain,
    env: settings.env,
    stdout: deps.stdout,
    clock: deps.clock ?? systemClock,
    output,
  });

  let user = await findUser(api, ref);
  let change = plan(kind, user);
  const where = `${user.user_id} (connection: ${user.connection ?? 'unknown'})`;
  if (!change) {
    output.out(`${where} ${TEXT[kind].nothing}`);
    return 0;
  }

  output.out(`${TEXT[kind].title} ${where}:`);
  for (const line of describeChange(change.previous, change.patch)) output.out(line);
  if (removeAuthy) {
    if (change.authyIds.length === 0) output.out('  no Authy id is stored, so nothing will be removed from Authy');
    for (const id of change.authyIds) output.out(`  Authy user ${id}: will be removed from Authy`);
  }
  if (removeVerify) {
    output.out(
      change.verifyFactorSid
        ? `  Verify factor ${change.verifyFactorSid}: will be deleted from Twilio Verify`
        : '  no Verify factor is stored, so nothing will be deleted from Twilio Verify',
    );
  }
  await confirm(TEXT[kind].prompt, {
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

  if (removeAuthy && authyKey) await removeFromAuthy(user, change.authyIds, authyKey, deps, output, audit);
  if (removeVerify && verifySettings && change.verifyFactorSid)
    await removeFromVerify(user, change.verifyFactorSid, verifySettings, deps, output, audit);
  await apply(api, user, change);
  auditChange(kind, user, change, audit);
  output.out(`Changed ${user.user_id}:`);
  for (const line of describeChange(change.previous, change.patch)) output.out(line);
  output.out(TEXT[kind].done);
  return 0;
}
