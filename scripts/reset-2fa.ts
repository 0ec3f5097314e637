/**
 * npm run reset-2fa -- <user id or email> [--remove-from-authy] [--yes]
 * Removes the user's Authy enrollment (app_metadata.authy_2fa and rule-era keys) so the next
 * login enrolls again; with --remove-from-authy, also deletes the Authy user.
 */
import { runCli, runMain, type CliDeps } from './admin/cli';
import { runUserChange } from './admin/user-change';

export function main(deps: CliDeps): Promise<number> {
  return runCli(deps, (output) => runUserChange('reset', deps, output));
}

if (require.main === module) runMain(main);
