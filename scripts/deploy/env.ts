/**
 * Loads the settings of one target tenant: `.env.<name>` if it exists, else `.env`, then the
 * process environment for whatever the file leaves out (CI passes its secrets that way).
 * The file wins so that `--env prod` means what .env.prod says, not a stray shell export.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { DeployError } from './errors';

export interface LoadedEnv {
  values: Record<string, string | undefined>;
  /** The file read, relative to the project root, or null when only the process environment was used. */
  file: string | null;
}

const ENV_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/i;

export function loadDeployEnv(rootDir: string, envName: string, processEnv: NodeJS.ProcessEnv): LoadedEnv {
  if (!ENV_NAME.test(envName)) {
    throw new DeployError('INPUT', `--env must be a short name such as dev, staging or prod (got "${envName}")`);
  }
  const candidates = [`.env.${envName}`, '.env'];
  const file = candidates.find((name) => existsSync(join(rootDir, name))) ?? null;
  const fromFile = file ? parse(readFileSync(join(rootDir, file))) : {};
  return { values: { ...processEnv, ...fromFile }, file };
}
