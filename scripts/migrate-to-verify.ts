/**
 * npm run migrate-to-verify -- [--apply] [--remove-from-authy] [--report <file>] [--checkpoint <file>] [--sample <n>] [--json]
 *   [--env <name>]
 * Moves users enrolled with Authy to Twilio Verify from Authy's TOTP seed export, without
 * re-enrollment; `--remove-from-authy` (a later, separate run) removes the Authy users of migrated
 * users who have logged in since. Dry run unless --apply. See docs/admin-tools.md.
 */
import { AuthyError, createAuthyClient } from '../lib/authy-client';
import { createVerifyKnownSeedClient } from '../lib/providers/verify-known-seed';
import { createAdminAudit, outputFor } from './admin/audit';
import { exportAuthySeed } from './admin/authy-export';
import { systemClock } from './admin/clock';
import { connect, loadSettings, parseCli, runCli, runMain, type CliDeps } from './admin/cli';
import { readVerifyMigrationSettings } from './admin/env';
import { AdminError } from './admin/errors';
import { createTwilioFetch } from './admin/twilio-fetch';
import { MIGRATION_OPTIONS, runFiles, sampleOf } from './admin/migration-cli';
import { runVerifyMigration } from './admin/verify-migration';

const USAGE =
  'usage: npm run migrate-to-verify -- [--apply] [--remove-from-authy] [--report <file>] [--checkpoint <file>] [--sample <n>] [--json]' +
  ' [--env <name>]';

export async function main(deps: CliDeps): Promise<number> {
  return runCli(deps, async (cliOutput) => {
    const { values, positionals } = parseCli(
      deps.argv,
      { ...MIGRATION_OPTIONS, 'remove-from-authy': { type: 'boolean', default: false } },
      USAGE,
    );
    if (values.help) {
      cliOutput.out(USAGE);
      return 0;
    }
    const output = outputFor(cliOutput, values.json);
    if (positionals.length > 0) throw new AdminError('BAD_USAGE', `unexpected argument "${positionals[0]}"\n${USAGE}`);
    const sample = sampleOf(values.sample);
    const loaded = loadSettings(deps, values.env, output);
    const settings = readVerifyMigrationSettings(loaded.env, loaded.settingsSource);
    const clock = deps.clock ?? systemClock;
    const connection = connect(loaded, output);
    const cwd = deps.cwd ?? process.cwd();
    const apply = values.apply;
    const step = values['remove-from-authy'] ? 'remove-from-authy' : 'migrate';
    const onWait = (message: string) => output.err(message);
    const authyFetch = createTwilioFetch({ clock, name: 'Authy', onWait, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    const verifyFetch = createTwilioFetch({ clock, name: 'Twilio Verify', onWait, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    const verify = createVerifyKnownSeedClient({
      accountSid: settings.username,
      authToken: settings.password,
      serviceSid: settings.serviceSid,
      identitySecret: settings.identityKey,
      fetch: verifyFetch.fetch,
      timeoutMs: 10_000,
      // VERIFY_API_URL is an origin, as for the Action and the forms server.
      ...(settings.verifyApiUrl ? { baseUrl: `${settings.verifyApiUrl.replace(/\/+$/, '')}/v2` } : {}),
    });
    const authyBase = {
      apiKey: settings.authyApiKey,
      fetch: authyFetch.fetch,
      ...(settings.authyApiUrl ? { baseUrl: settings.authyApiUrl } : {}),
    };
    const authy = createAuthyClient(authyBase);
    const twilioStats = {
      get calls() {
        return authyFetch.stats.calls + verifyFetch.stats.calls;
      },
      get rateLimited() {
        return authyFetch.stats.rateLimited + verifyFetch.stats.rateLimited;
      },
    };
    const audit = createAdminAudit({
      json: values.json && apply,
      tool: 'migrate-to-verify',
      tenant: connection.credentials.domain,
      env: loaded.env,
      stdout: deps.stdout,
      clock,
      output,
    });
    const name = step === 'migrate' ? 'migrate-to-verify' : 'migrate-to-verify-remove';
    const { reportPath, checkpointPath } = runFiles(cwd, name, { ...values, nowMs: clock.nowMs() });

    await runVerifyMigration(
      { step, apply, tenant: connection.credentials.domain, reportPath, checkpointPath, sample },
      {
        api: connection.api,
        limiter: connection.limiter,
        clock,
        output,
        audit,
        verify,
        twilioStats,
        exportSeed: (authyId) => exportAuthySeed(authyId, authyBase),
        removeAuthyUser: async (authyId) => {
          try {
            await authy.removeUser(authyId);
          } catch (error) {
            // Removed already (an earlier run stopped before writing app_metadata).
            if (error instanceof AuthyError && error.code === 'USER_NOT_FOUND') return;
            throw new AdminError(
              'AUTHY_FAILED',
              `Authy did not remove user ${authyId}: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
        },
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      },
    );
    return 0;
  });
}

if (require.main === module) runMain(main);
