/**
 * npm run audit-hash -- <user id> [<user id> ...] [--env <name>]
 * Prints, one per line, the `user` field the audit lines of the forms server, the Action and the
 * admin tools carry for each user id: the keyed hash of docs/operate.md, with the key configured
 * in the environment or `.env` (AUDIT_HASH_KEY, else derived from SHARED_SECRET; see
 * scripts/admin/env.ts readAuditKey). Search the logs for it to follow that user. No request is made.
 */
import { userHash } from '../lib/audit';
import { loadSettings, parseCli, runCli, runMain, type CliDeps } from './admin/cli';
import { AUDIT_KEY_VARIABLES, readAuditKey } from './admin/env';
import { ENVIRONMENT_ONLY, settingsProblemsMessage } from './admin/env-files';
import { AdminError } from './admin/errors';

const USAGE = 'usage: npm run audit-hash -- <user id> [<user id> ...] [--env <name>]';

export function main(deps: CliDeps): Promise<number> {
  return runCli(deps, async (output) => {
    const { values, positionals } = parseCli(deps.argv, { env: { type: 'string' } }, USAGE);
    if (values.help) {
      output.out(USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new AdminError('BAD_USAGE', `give at least one user id\n${USAGE}`);
    for (const id of positionals) {
      if (id.trim() === '' || id !== id.trim()) throw new AdminError('BAD_USAGE', 'a user id is empty or has spaces around it');
      if (!id.includes('|') && id.includes('@')) {
        throw new AdminError('BAD_USAGE', `"${id}" looks like an email: the audit lines hash the user id (e.g. auth0|...), not the email`);
      }
    }
    const settings = loadSettings(deps, values.env, output);
    const source = settings.settingsSource ?? ENVIRONMENT_ONLY;
    const setting = readAuditKey(settings.env, source);
    if (!setting) {
      const names = AUDIT_KEY_VARIABLES.map((v) => v.name).join(', ');
      const problem = `none of ${names} is set: the hash needs the forms server's AUDIT_HASH_KEY or SHARED_SECRET`;
      throw new AdminError('MISSING_CONFIG', settingsProblemsMessage([problem], source));
    }
    output.err(`key: ${setting.from}${setting.from.endsWith('SHARED_SECRET') ? ' (derived)' : ''}`);
    for (const id of positionals) output.out(userHash(setting.key, id));
    return 0;
  });
}

if (require.main === module) runMain(main);
