/**
 * Retires the rule-era "Authy 2FA" rule: disables exactly one rule, found by its exact name,
 * and only once our Action is bound to post-login, so the tenant is never without 2FA.
 * It never deletes a rule and never touches any other rule.
 */
import type { ManagementClient } from 'auth0';
import { DeployError } from './errors';
import { ACTION_NAME } from './keywords';
import { findAction, postLoginBindings } from './management';

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
  if (matches.length === 0) throw new DeployError('RULE', `No rule is named exactly "${name}". Nothing was changed. (Names are case-sensitive.)`);
  if (matches.length > 1) {
    throw new DeployError('RULE', `${matches.length} rules are named "${name}" (${matches.map((m) => m.id).join(', ')}). Nothing was changed: rename or disable the right one in the dashboard.`);
  }
  const [rule] = matches as [{ id: string; enabled: boolean }];
  if (!rule.enabled) return { name, id: rule.id, alreadyDisabled: true };
  if (!dryRun) await client.rules.update(rule.id, { enabled: false });
  return { name, id: rule.id, alreadyDisabled: false };
}
