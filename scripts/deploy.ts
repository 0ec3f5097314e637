/**
 * `npm run deploy -- --env <name> [--dry-run] [--retire-rule "<rule name>"] [--allow-unbind]`
 *
 * Builds the Action and applies tenant.yaml to the tenant named by .env.<name> (or .env, or the
 * environment), through auth0-deploy-cli. Exits non-zero with an actionable message on failure.
 * See docs/deploy.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { envFilesHint } from './admin/env-files';
import { DeployError } from './deploy/errors';
import { formatReport } from './deploy/output';
import { runDeploy } from './deploy/run';

const USAGE = 'usage: npm run deploy -- --env <name> [--dry-run] [--retire-rule "<rule name>"] [--allow-unbind]';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        env: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'retire-rule': { type: 'string' },
        'allow-unbind': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.env) {
    console.error(
      `--env is required: it names the target and its settings file .env.<name>${envFilesHint(join(__dirname, '..'))}\n${USAGE}`,
    );
    return 2;
  }
  try {
    const report = await runDeploy({
      rootDir: join(__dirname, '..'),
      envName: args.env,
      dryRun: args['dry-run'],
      processEnv: process.env,
      allowUnbind: args['allow-unbind'],
      ...(args['retire-rule'] !== undefined ? { retireRuleName: args['retire-rule'] } : {}),
    });
    console.log(formatReport(report));
    return 0;
  } catch (err) {
    if (err instanceof DeployError) {
      console.error(`Deploy failed [${err.code}]: ${err.message}`);
      return 1;
    }
    console.error(`Deploy failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
