/**
 * One deploy, start to finish: build the Action, load and check the target's settings (no call
 * to Auth0 before they all pass), get one Management API token, refuse to unbind the tenant's
 * other post-login Actions by accident, run a0deploy, then read the tenant back to report (and
 * verify) the deployed version and binding order. Optionally retire the rule-era rule after.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { durationSec } from '../../lib/time';
import { runA0Deploy } from './a0deploy';
import { buildAction } from './build';
import { checkDeployInputs } from './check';
import { loadDeployEnv, maxRetriesFrom } from './env';
import { DEPLOY_SCOPES, DRY_RUN_SCOPES, DeployError, RULE_SCOPES, explainAuth0Error } from './errors';
import { ACTION_NAME, AFTER_VARIABLE, BEFORE_VARIABLE } from './keywords';
import { findAction, getAccessToken, managementClient, postLoginBindings } from './management';
import { maskText, withMaskedOutput, type DeployReport } from './output';
import { retireRule, type RetiredRule } from './rule';

export interface DeployRequest {
  /** Folder holding tenant.yaml, actions/ and the .env files (the project root). */
  rootDir: string;
  envName: string;
  dryRun: boolean;
  processEnv: NodeJS.ProcessEnv;
  /** Exact name of a rule to disable once the Action is bound (migration from the rule). */
  retireRuleName?: string;
  /** Deploy even if it unbinds post-login Actions not listed in the BEFORE/AFTER lists. */
  allowUnbind?: boolean;
  /** Builds actions/<name>/code.js; defaults to the project's build script. */
  build?: (rootDir: string) => Promise<void>;
  log?: (line: string) => void;
}

export async function runDeploy(request: DeployRequest): Promise<DeployReport> {
  const startedMs = Date.now();
  const log = request.log ?? ((line: string) => console.log(line));
  const { values, file } = loadDeployEnv(request.rootDir, request.envName, request.processEnv);

  await (request.build ?? buildAction)(request.rootDir);
  const tenantYamlPath = join(request.rootDir, 'tenant.yaml');
  const codePath = join(request.rootDir, 'actions', ACTION_NAME, 'code.js');
  if (!existsSync(tenantYamlPath)) throw new DeployError('INPUT', `tenant.yaml not found in ${request.rootDir}`);
  if (!existsSync(codePath)) throw new DeployError('BUILD_FAILED', `actions/${ACTION_NAME}/code.js is missing after the build`);
  const inputs = checkDeployInputs(values, {
    tenantYaml: readFileSync(tenantYamlPath, 'utf8'),
    actionCode: readFileSync(codePath, 'utf8'),
  });
  const intended = inputs.bindings.map((b) => b.action_name);
  const scopes = [
    ...DEPLOY_SCOPES,
    ...(request.dryRun ? DRY_RUN_SCOPES : []),
    ...(request.retireRuleName !== undefined ? RULE_SCOPES : []),
  ];
  const maxRetries = maxRetriesFrom(values);

  return withMaskedOutput(inputs.sensitiveValues, async () => {
    try {
      log(`${request.dryRun ? 'Dry run against' : 'Deploying to'} ${inputs.domain} (settings: ${file ?? 'environment only'})`);
      const token = await getAccessToken(inputs.domain, inputs.credentials);
      const client = managementClient(inputs.domain, token, maxRetries ?? 3);

      const bound = await postLoginBindings(client);
      const dropped = bound.filter((name) => name !== ACTION_NAME && !intended.includes(name));
      if (dropped.length > 0 && !request.allowUnbind) {
        throw new DeployError(
          'WOULD_UNBIND',
          `Deploying would unbind ${dropped.join(', ')} from post-login (a0deploy replaces the whole list). ` +
            `Add them to ${BEFORE_VARIABLE} or ${AFTER_VARIABLE} in the order they should run, ` +
            `or pass --allow-unbind to unbind them on purpose. Nothing was changed.`,
        );
      }
      log(`Post-login order to deploy: ${intended.join(' -> ')}${dropped.length > 0 ? ` (unbinding ${dropped.join(', ')})` : ''}`);

      await runA0Deploy({
        inputFile: join(request.rootDir, 'tenant.yaml'),
        domain: inputs.domain,
        accessToken: token,
        mappings: inputs.mappings,
        dryRun: request.dryRun,
        ...(maxRetries !== undefined ? { maxRetries } : {}),
      });

      let action: { id: string; version: number | null } | null = null;
      let bindings = intended;
      if (!request.dryRun) {
        action = await findAction(client, ACTION_NAME);
        bindings = await postLoginBindings(client);
        if (action === null || action.version === null) {
          throw new DeployError('NOT_VERIFIED', `a0deploy reported success but ${inputs.domain} shows no deployed version of ${ACTION_NAME}. Run the deploy again.`);
        }
        if (bindings.join('\n') !== intended.join('\n')) {
          throw new DeployError('NOT_VERIFIED', `Post-login order on ${inputs.domain} is ${bindings.join(' -> ')}, not ${intended.join(' -> ')}. Run the deploy again.`);
        }
      }

      let retiredRule: RetiredRule | null = null;
      if (request.retireRuleName !== undefined) {
        try {
          retiredRule = await retireRule(client, request.retireRuleName, request.dryRun);
        } catch (err) {
          const explained = explainAuth0Error(err, inputs.domain, scopes);
          const done = request.dryRun ? 'The dry run found a problem with the rule' : `The Action is deployed (version ${action?.version}) and bound; the rule was NOT disabled`;
          throw new DeployError(explained.code, `${done}: ${explained.message}`);
        }
      }
      return {
        domain: inputs.domain,
        envFile: file,
        dryRun: request.dryRun,
        actionVersion: action?.version ?? null,
        actionId: action?.id ?? null,
        bindings,
        retiredRule,
        seconds: durationSec(Date.now() - startedMs),
      };
    } catch (err) {
      const explained = explainAuth0Error(err, inputs.domain, scopes);
      // Auth0 and a0deploy messages may quote a request: mask before the message leaves this function.
      throw new DeployError(explained.code, maskText(explained.message, inputs.sensitiveValues), explained.problems);
    }
  });
}
