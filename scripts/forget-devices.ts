/**
 * npm run forget-devices -- <user id or email> [--yes] [--json]
 * Removes the user's remembered devices (app_metadata.authy_2fa_devices): every browser that
 * was remembered asks for a code again at its next login. The enrollment is kept.
 */
import { runCli, runMain, type CliDeps } from './admin/cli';
import { runUserChange } from './admin/user-change';

export function main(deps: CliDeps): Promise<number> {
  return runCli(deps, (output) => runUserChange('forget', deps, output));
}

if (require.main === module) runMain(main);
