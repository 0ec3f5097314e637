/**
 * npm run unlock-2fa -- <user id or email> [--yes]
 * Sets the user's failure counter to 0 and removes the lock, keeping the enrollment.
 */
import { runCli, runMain, type CliDeps } from './admin/cli';
import { runUserChange } from './admin/user-change';

export function main(deps: CliDeps): Promise<number> {
  return runCli(deps, (output) => runUserChange('unlock', deps, output));
}

if (require.main === module) runMain(main);
