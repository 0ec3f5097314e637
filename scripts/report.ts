/**
 * npm run report -- [--json] [--env <name>]
 * Counts enrolled, not enrolled, locked and legacy-format users per connection, from one
 * user export job (so it covers tenants of any size).
 */
import { systemClock } from './admin/clock';
import { connect, loadSettings, parseCli, runCli, runMain, type CliDeps } from './admin/cli';
import { AdminError } from './admin/errors';
import { EnrollmentTally, formatReportTable } from './admin/tally';
import { exportAllUsers } from './admin/users-export';

const USAGE = 'usage: npm run report -- [--json] [--env <name>]';

export function main(deps: CliDeps): Promise<number> {
  return runCli(deps, async (output) => {
    const { values, positionals } = parseCli(deps.argv, { json: { type: 'boolean', default: false }, env: { type: 'string' } }, USAGE);
    if (values.help) {
      output.out(USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new AdminError('BAD_USAGE', `unexpected argument "${positionals[0]}"\n${USAGE}`);
    const clock = deps.clock ?? systemClock;
    const settings = loadSettings(deps, values.env, output);
    const { api } = connect(settings, output);
    const tally = new EnrollmentTally(clock.nowMs());
    const users = exportAllUsers(api, { clock, ...(deps.fetch ? { fetch: deps.fetch } : {}), onProgress: (m) => output.err(m) });
    for await (const user of users) tally.add(user);
    const report = tally.result();
    if (values.json) output.out(JSON.stringify(report, null, 2));
    else for (const line of formatReportTable(report)) output.out(line);
    return 0;
  });
}

if (require.main === module) runMain(main);
