/**
 * npm run migrate-users -- [--apply] [--report <file>] [--checkpoint <file>] [--sample <n>] [--json] [--env <name>]
 * Rewrites rule-era Authy state (app_metadata.authyID, app_metadata.mfa) in the Action's format.
 * Dry run unless --apply. With --json, stdout holds only the `migrated` audit events. See docs/admin-tools.md.
 */
import { systemClock } from './admin/clock';
import { connect, loadSettings, parseCli, runCli, runMain, toolSettings, type CliDeps } from './admin/cli';
import { createAdminAudit, outputFor } from './admin/audit';
import { AdminError } from './admin/errors';
import { runMigration } from './admin/migrate';
import { MIGRATION_OPTIONS, runFiles, sampleOf } from './admin/migration-cli';

const USAGE = 'usage: npm run migrate-users -- [--apply] [--report <file>] [--checkpoint <file>] [--sample <n>] [--json] [--env <name>]';

export async function main(deps: CliDeps): Promise<number> {
  return runCli(deps, async (cliOutput) => {
    const { values, positionals } = parseCli(deps.argv, MIGRATION_OPTIONS, USAGE);
    if (values.help) {
      cliOutput.out(USAGE);
      return 0;
    }
    const output = outputFor(cliOutput, values.json);
    if (positionals.length > 0) throw new AdminError('BAD_USAGE', `unexpected argument "${positionals[0]}"\n${USAGE}`);
    const sample = sampleOf(values.sample);

    const clock = deps.clock ?? systemClock;
    const apply = values.apply;
    // Every setting is checked before the first request, and every missing one named at once.
    const settings = loadSettings(deps, values.env, output);
    const { credentials } = toolSettings(settings, { auditKey: values.json && apply });
    const connection = connect(settings, output, credentials);
    const cwd = deps.cwd ?? process.cwd();
    // A dry run writes nothing, so it writes no event (and needs no key).
    const audit = createAdminAudit({
      json: values.json && apply,
      tool: 'migrate-users',
      tenant: connection.credentials.domain,
      env: settings.env,
      stdout: deps.stdout,
      clock,
      output,
    });
    const { reportPath, checkpointPath } = runFiles(cwd, 'migrate-users', { ...values, nowMs: clock.nowMs() });

    await runMigration(
      { apply, tenant: connection.credentials.domain, reportPath, checkpointPath, sample },
      { api: connection.api, limiter: connection.limiter, clock, output, audit, ...(deps.fetch ? { fetch: deps.fetch } : {}) },
    );
    return 0;
  });
}

if (require.main === module) runMain(main);
