/**
 * One deploy, start to finish: build the Action, load and check the target's settings (no call
 * to Auth0 before they all pass), get one Management API token, refuse to unbind the tenant's
 * other post-login Actions by accident, run a0deploy, then read the tenant back to report (and
 * verify) the deployed version and binding order. Optionally retire the rule-era rule after.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagementClient } from 'auth0';
import { durationSec } from '../../lib/time';
import { describeSource, type SettingsSource } from '../admin/env-files';
import { runA0Deploy } from './a0deploy';
import { buildAction } from './build';
import { checkDeployInputs, type DeployInputs } from './check';
import { loadDeployEnv, maxRetriesFrom } from './env';
import { DEPLOY_SCOPES, DRY_RUN_SCOPES, DeployError, RULE_SCOPES, explainAuth0Error } from './errors';
import { ACTION_NAME, AFTER_VARIABLE, BEFORE_VARIABLE } from './keywords';
import { findAction, getAccessToken, managementClient, postLoginBindings, type DeployedAction } from './management';
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

/** Builds the Action, then checks every setting against tenant.yaml and the fresh code.js. */
async function buildAndCheck(
  request: DeployRequest,
  values: Record<string, string | undefined>,
  source: SettingsSource,
): Promise<DeployInputs> {
  await (request.build ?? buildAction)(request.rootDir);
  const tenantYamlPath = join(request.rootDir, 'tenant.yaml');
  const codePath = join(request.rootDir, 'actions', ACTION_NAME, 'code.js');
  if (!existsSync(tenantYamlPath)) throw new DeployError('INPUT', `tenant.yaml not found in ${request.rootDir}`);
  if (!existsSync(codePath)) throw new DeployError('BUILD_FAILED', `actions/${ACTION_NAME}/code.js is missing after the build`);
  return checkDeployInputs(
    values,
    {
      tenantYaml: readFileSync(tenantYamlPath, 'utf8'),
      actionCode: readFileSync(codePath, 'utf8'),
    },
    source,
  );
}

/** Refuses to unbind, by accident, a post-login Action bound today; returns the ones it will unbind. */
async function guardBindings(client: ManagementClient, intended: string[], allowUnbind: boolean): Promise<string[]> {
  const bound = await postLoginBindings(client);
  const dropped = bound.filter((name) => name !== ACTION_NAME && !intended.includes(name));
  if (dropped.length > 0 && !allowUnbind) {
    throw new DeployError(
      'WOULD_UNBIND',
      `Deploying would unbind ${dropped.join(', ')} from post-login (a0deploy replaces the whole list). ` +
        `Add them to ${BEFORE_VARIABLE} or ${AFTER_VARIABLE} in the order they should run, ` +
        `or pass --allow-unbind to unbind them on purpose. Nothing was changed.`,
    );
  }
  return dropped;
}

/** Reads the tenant back after the import: the deployed version and the binding order must be what we sent. */
async function readBack(
  client: ManagementClient,
  domain: string,
  intended: string[],
): Promise<{ action: DeployedAction; bindings: string[] }> {
  const action = await findAction(client, ACTION_NAME);
  const bindings = await postLoginBindings(client);
  if (action === null || action.version === null) {
    throw new DeployError(
      'NOT_VERIFIED',
      `a0deploy reported success but ${domain} shows no deployed version of ${ACTION_NAME}. Run the deploy again.`,
    );
  }
  if (bindings.join('\n') !== intended.join('\n')) {
    throw new DeployError(
      'NOT_VERIFIED',
      `Post-login order on ${domain} is ${bindings.join(' -> ')}, not ${intended.join(' -> ')}. Run the deploy again.`,
    );
  }
  return { action, bindings };
}

async function retireAfterDeploy(
  client: ManagementClient,
  request: DeployRequest & { retireRuleName: string },
  action: DeployedAction | null,
  explain: (err: unknown) => DeployError,
): Promise<RetiredRule> {
  try {
    return await retireRule(client, request.retireRuleName, request.dryRun);
  } catch (err) {
    const explained = explain(err);
    const done = request.dryRun
      ? 'The dry run found a problem with the rule'
      : `The Action is deployed (version ${action?.version}) and bound; the rule was NOT disabled`;
    throw new DeployError(explained.code, `${done}: ${explained.message}`);
  }
}

export async function runDeploy(request: DeployRequest): Promise<DeployReport> {
  const startedMs = Date.now();
  const log = request.log ?? ((line: string) => console.log(line));
  const { values, file, source } = loadDeployEnv(request.rootDir, request.envName, request.processEnv);
  const inputs = await buildAndCheck(request, values, source);
  const intended = inputs.bindings.map((b) => b.action_name);
  const scopes = [
    ...DEPLOY_SCOPES,
    ...(request.dryRun ? DRY_RUN_SCOPES : []),
    ...(request.retireRuleName !== undefined ? RULE_SCOPES : []),
  ];
  const explain = (err: unknown) => explainAuth0Error(err, inputs.domain, scopes);
  const maxRetries = maxRetriesFrom(values);

  return withMaskedOutput(inputs.sensitiveValues, async () => {
    try {
      log(`${request.dryRun ? 'Dry run against' : 'Deploying to'} ${inputs.domain} (settings: ${describeSource(source)})`);
      const token = await getAccessToken(inputs.domain, inputs.credentials);
      const client = managementClient(inputs.domain, token, maxRetries ?? 3);
      const dropped = await guardBindings(client, intended, request.allowUnbind === true);
      log(`Post-login order to deploy: ${intended.join(' -> ')}${dropped.length > 0 ? ` (unbinding ${dropped.join(', ')})` : ''}`);

      await runA0Deploy({
        inputFile: join(request.rootDir, 'tenant.yaml'),
        domain: inputs.domain,
        accessToken: token,
        mappings: inputs.mappings,
        dryRun: request.dryRun,
        ...(maxRetries !== undefined ? { maxRetries } : {}),
      });

      const deployed = request.dryRun ? null : await readBack(client, inputs.domain, intended);
      const action = deployed?.action ?? null;
      const retiredRule =
        request.retireRuleName !== undefined
          ? await retireAfterDeploy(client, { ...request, retireRuleName: request.retireRuleName }, action, explain)
          : null;
      return {
        domain: inputs.domain,
        envFile: file,
        dryRun: request.dryRun,
        actionVersion: action?.version ?? null,
        actionId: action?.id ?? null,
        bindings: deployed?.bindings ?? intended,
        retiredRule,
        seconds: durationSec(Date.now() - startedMs),
      };
    } catch (err) {
      const explained = explain(err);
      // Auth0 and a0deploy messages may quote a request: mask before the message leaves this function.
      throw new DeployError(explained.code, maskText(explained.message, inputs.sensitiveValues), explained.problems);
    }
  });
}
