/**
 * Retires the rule-era "Authy 2FA" rule: disables exactly one rule, found by its exact name,
 * and only once our Action is bound to post-login, so the tenant is never without 2FA.
 * It never deletes a rule and never touches any other rule.
 */
import type { ManagementClient } from 'auth0';
import { checkConnection } from './check';
import { loadDeployEnv } from './env';
import { DeployError, RULE_SCOPES, explainAuth0Error } from './errors';
import { ACTION_NAME } from './keywords';
import { findAction, getAccessToken, managementClient, postLoginBindings } from './management';
import { maskText, withMaskedOutput } from './output';

export interface RetiredRule {
  name: string;
  id: string;
  alreadyDisabled: boolean;
}

async function rulesNamed(client: ManagementClient, name: string): Promise<Array<{ id: string; enabled: boolean }>> {
  const matches: Array<{ id: string; enabled: boolean }> = [];
  const page = await client.rules.list({ fields: 'id,name,enabled', include_fields: true, per_page: 50, include_totals: true });
  for await (const rule of page) {
    if (rule.name === name && rule.id) matches.push({ id: rule.id, enabled: rule.enabled !== false });
  }
  return matches;
}

export async function retireRule(client: ManagementClient, name: string, dryRun: boolean): Promise<RetiredRule> {
  if (name.trim() === '') throw new DeployError('RULE', 'Give the exact name of the rule to retire, e.g. --retire-rule "Authy 2FA"');
  // The zero-gap guard: the rule keeps challenging users until our Action is deployed and bound.
  const action = await findAction(client, ACTION_NAME);
  const bindings = await postLoginBindings(client);
  if (!dryRun && (action === null || action.version === null || !bindings.includes(ACTION_NAME))) {
    throw new DeployError(
      'RULE',
      `Not disabling rule "${name}": the Action ${ACTION_NAME} is not deployed and bound to post-login yet, so the ` +
        `tenant would be left without 2FA. Run npm run deploy first.`,
    );
  }
  const matches = await rulesNamed(client, name);
  if (matches.length === 0)
    throw new DeployError('RULE', `No rule is named exactly "${name}". Nothing was changed. (Names are case-sensitive.)`);
  if (matches.length > 1) {
    throw new DeployError(
      'RULE',
      `${matches.length} rules are named "${name}" (${matches.map((m) => m.id).join(', ')}). ` +
        'Nothing was changed: rename or disable the right one in the dashboard.',
    );
  }
  const [rule] = matches as [{ id: string; enabled: boolean }];
  if (!rule.enabled) return { name, id: rule.id, alreadyDisabled: true };
  if (!dryRun) await client.rules.update(rule.id, { enabled: false });
  return { name, id: rule.id, alreadyDisabled: false };
}

export interface RetireRequest {
  rootDir: string;
  envName: string;
  ruleName: string;
  dryRun: boolean;
  processEnv: NodeJS.ProcessEnv;
}

/** `npm run retire-rule`: load the target's connection settings, then retire the rule by name. */
export async function runRetireRule(request: RetireRequest): Promise<RetiredRule & { domain: string }> {
  const { values, source } = loadDeployEnv(request.rootDir, request.envName, request.processEnv);
  const connection = checkConnection(values, source);
  return withMaskedOutput(connection.sensitiveValues, async () => {
    try {
      const token = await getAccessToken(connection.domain, connection.credentials);
      const client = managementClient(connection.domain, token, 3);
      return { ...(await retireRule(client, request.ruleName, request.dryRun)), domain: connection.domain };
    } catch (err) {
      const explained = explainAuth0Error(err, connection.domain, ['read:actions', 'read:triggers', ...RULE_SCOPES]);
      throw new DeployError(explained.code, maskText(explained.message, connection.sensitiveValues), explained.problems);
    }
  });
}
