/**
 * `npm run retire-rule -- --env <name> --name "<rule name>" [--dry-run]`
 *
 * Disables the rule-era rule with exactly that name, and nothing else, once the authy-2fa
 * Action is deployed and bound to post-login. Never deletes a rule. See docs/migration-from-rule.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { envFilesHint } from './admin/env-files';
import { DeployError } from './deploy/errors';
import { runRetireRule } from './deploy/rule';

const USAGE = 'usage: npm run retire-rule -- --env <name> --name "<rule name>" [--dry-run]';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { env: { type: 'string' }, name: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (!args.env || args.name === undefined) {
    console.error(
      `--env and --name are required (--env names the target's settings file .env.<name>${envFilesHint(join(__dirname, '..'))})\n${USAGE}`,
    );
    return 2;
  }
  const dryRun = args['dry-run'];
  try {
    const result = await runRetireRule({
      rootDir: join(__dirname, '..'),
      envName: args.env,
      ruleName: args.name,
      dryRun,
      processEnv: process.env,
    });
    if (result.alreadyDisabled)
      console.log(`Rule "${result.name}" (${result.id}) on ${result.domain} was already disabled. Nothing changed.`);
    else
      console.log(
        `Rule "${result.name}" (${result.id}) on ${result.domain} ${dryRun ? 'would be disabled (dry run: nothing changed)' : 'disabled'}.`,
      );
    return 0;
  } catch (err) {
    const code = err instanceof DeployError ? ` [${err.code}]` : '';
    console.error(`Retire rule failed${code}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
