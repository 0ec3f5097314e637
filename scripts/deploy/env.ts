/**
 * Loads the settings of one target tenant: `.env.<name>` if it exists, else `.env`, under the
 * process environment: a variable set in the environment wins over the file (as dotenv does
 * by default, and as the admin tools do); the file fills in the rest. CI passes its secrets
 * through the environment and has no file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { overlayEnvFile, valueReader, type ValueReader } from '../../lib/env-values';
import { DeployError } from './errors';

export interface LoadedEnv {
  values: Record<string, string | undefined>;
  /** The file read, relative to the project root, or null when only the process environment was used. */
  file: string | null;
}

/** A target's name (`--env`): also a file name suffix, so never a path. */
export const ENV_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/i;

/** The file `--env <name>` reads: `.env.<name>` if it exists, else `.env`, else none (also used by the admin tools). */
export function envFileFor(rootDir: string, envName: string): string | null {
  return [`.env.${envName}`, '.env'].find((name) => existsSync(join(rootDir, name))) ?? null;
}

export function loadDeployEnv(rootDir: string, envName: string, processEnv: NodeJS.ProcessEnv): LoadedEnv {
  if (!ENV_NAME.test(envName)) {
    throw new DeployError('INPUT', `--env must be a short name such as dev, staging or prod (got "${envName}")`);
  }
  const file = envFileFor(rootDir, envName);
  const fromFile = file ? parse(readFileSync(join(rootDir, file))) : {};
  return { values: overlayEnvFile(fromFile, processEnv), file };
}

function deployValues(env: Record<string, string | undefined>): ValueReader<string> {
  return valueReader<string>(env, (name, problem) => new DeployError('INPUT', `${name}: ${problem.kind}`));
}

/** A setting as given (secrets are deployed exactly as written), or undefined when absent or blank. */
export function present(env: Record<string, string | undefined>, name: string): string | undefined {
  return deployValues(env).raw(name);
}

/** AUTH0_API_MAX_RETRIES when it is a whole number from 0 to 99; otherwise the defaults apply. */
export function maxRetriesFrom(env: Record<string, string | undefined>): number | undefined {
  try {
    return deployValues(env).optionalInteger('AUTH0_API_MAX_RETRIES', 0, 99);
  } catch {
    return undefined;
  }
}
