/**
 * Calls the `deploy` function of auth0-deploy-cli (the Node module, not a shell-out) with our
 * keyword mappings, deletions off, and only the resource types tenant.yaml owns, so an import
 * never touches the tenant's rules, clients, connections or other settings.
 */
import { deploy } from 'auth0-deploy-cli';
import type { KeywordMappings } from './keywords';

/** Resource types tenant.yaml manages; everything else in the tenant is left alone. */
export const INCLUDED_RESOURCE_TYPES = ['actions', 'triggers'] as const;

export interface A0DeployOptions {
  inputFile: string;
  domain: string;
  accessToken: string;
  mappings: KeywordMappings;
  dryRun: boolean;
  maxRetries?: number;
}

type DeployConfig = NonNullable<Parameters<typeof deploy>[0]['config']>;

export async function runA0Deploy(options: A0DeployOptions): Promise<void> {
  const config: DeployConfig = {
    AUTH0_DOMAIN: options.domain,
    AUTH0_ACCESS_TOKEN: options.accessToken,
    AUTH0_ALLOW_DELETE: false,
    AUTH0_INCLUDED_ONLY: [...INCLUDED_RESOURCE_TYPES],
    // Always set explicitly: a0deploy keeps settings in a process-wide store between calls.
    AUTH0_DRY_RUN: options.dryRun ? 'preview' : false,
    AUTH0_DRY_RUN_APPLY: false,
    AUTH0_DRY_RUN_INTERACTIVE: false,
    // The binding list is an array of objects; a0deploy JSON-encodes any value, its type is just narrower.
    AUTH0_KEYWORD_REPLACE_MAPPINGS: options.mappings as DeployConfig['AUTH0_KEYWORD_REPLACE_MAPPINGS'],
    ...(options.maxRetries !== undefined ? { AUTH0_API_MAX_RETRIES: options.maxRetries } : {}),
  };
  // env: false: keywords come only from our checked mappings, never from the whole process environment.
  await deploy({ input_file: options.inputFile, env: false, config });
}
