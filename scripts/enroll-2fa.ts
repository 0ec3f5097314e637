/**
 * npm run enroll-2fa -- <user id or email> --phone <E.164 or national> [--country XX] [--env <name>] [--apply] [--force]
 * Pre-enrolls a user's phone: registers it with Authy and writes app_metadata.authy_2fa, so the
 * first login asks for a code instead of enrolling whatever phone the person at the keyboard
 * types. Dry run unless --apply; refuses an enrolled user unless --force. See docs/admin-tools.md.
 */
import { runCli, runMain, type CliDeps } from './admin/cli';
import { runEnroll } from './admin/enroll';

export function main(deps: CliDeps): Promise<number> {
  return runCli(deps, (output) => runEnroll(deps, output));
}

if (require.main === module) runMain(main);
