/**
 * Loads the settings of one target tenant as every tool does (scripts/admin/env-files.ts):
 * `.env.<name>`, under the process environment: a variable set in the environment wins over the
 * file; the file fills in the rest. A `.env.<name>` that does not exist stops the deploy, naming
 * the `.env` files that do, unless the environment itself names the tenant (AUTH0_DOMAIN, as in
 * CI, which passes its secrets through the environment and has no file).
 */
import { EnvFileError, loadEnvFiles, type SettingsSource } from '../admin/env-files';
import { valueReader, type ValueReader } from '../../lib/env-values';
import { DeployError } from './errors';

export { ENV_NAME } from '../admin/env-files';

export interface LoadedEnv {
  values: Record<string, string | undefined>;
  /** The file read, relative to the project root, or null when only the process environment was used. */
  file: string | null;
  /** Where the settings came from, to name in messages. */
  source: SettingsSource;
}

export function loadDeployEnv(rootDir: string, envName: string, processEnv: NodeJS.ProcessEnv): LoadedEnv {
  try {
    const { values, source } = loadEnvFiles(rootDir, envName, processEnv);
    return { values: { ...values }, file: source.file, source };
  } catch (error) {
    if (error instanceof EnvFileError) throw new DeployError('INPUT', [error.message, ...error.details].join('\n'));
    throw error;
  }
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
