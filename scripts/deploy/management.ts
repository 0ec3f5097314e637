/**
 * The few Management API reads and writes the deploy makes itself (the rest is a0deploy's):
 * one client-credentials token shared with a0deploy, the current post-login bindings, our
 * Action's deployed version, and the rule-era rule. Uses the auth0 v7 SDK (global fetch).
 */
import { ManagementClient, TokenProvider } from 'auth0';
import type { Credentials } from './check';

export async function getAccessToken(domain: string, credentials: Credentials): Promise<string> {
  if (credentials.kind === 'token') return credentials.accessToken;
  const provider = new TokenProvider({
    domain,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    audience: `https://${domain}/api/v2/`,
  });
  return provider.getAccessToken();
}

export function managementClient(domain: string, token: string, maxRetries: number): ManagementClient {
  return new ManagementClient({ domain, token, maxRetries });
}

/** Names of the Actions bound to post-login, in order. */
export async function postLoginBindings(client: ManagementClient): Promise<string[]> {
  const names: string[] = [];
  const page = await client.actions.triggers.bindings.list('post-login', { per_page: 50 });
  for await (const binding of page) names.push(binding.action?.name ?? binding.display_name ?? '?');
  return names;
}

export interface DeployedAction {
  id: string;
  version: number | null;
}

/** Our Action as the tenant has it now, or null if it does not exist. */
export async function findAction(client: ManagementClient, name: string): Promise<DeployedAction | null> {
  const page = await client.actions.list({ actionName: name });
  for await (const action of page) {
    if (action.name === name && action.id) return { id: action.id, version: action.deployed_version?.number ?? null };
  }
  return null;
}
