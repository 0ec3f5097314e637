/**
 * Which settings file a tool reads, the same way for every tool (deploy, retire-rule and the
 * admin tools):
 *
 * - `--env <name>` reads `.env.<name>`. When it does not exist the tool stops, naming it and the
 *   `.env` files that do exist, unless the process environment itself names the tenant
 *   (AUTH0_DOMAIN is set, as in CI, which has no file): then the environment alone is used, and said.
 * - without `--env`, `.env` when it exists, else the environment alone.
 *
 * A variable set in the process environment always wins over the same one in the file (as dotenv
 * does by default); the file fills in the rest. Every tool says which file it read.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { overlayEnvFile } from '../../lib/env-values';

export type Env = Readonly<Record<string, string | undefined>>;

/** A target's name (`--env`): also a file name suffix, so never a path. */
export const ENV_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/i;

/** The variable whose presence in the process environment means "the environment names the tenant". */
export const TENANT_VARIABLE = 'AUTH0_DOMAIN';

/** Where a tool's settings came from. */
export interface SettingsSource {
  /** The file read, relative to the folder it was looked for in, or null: the process environment only. */
  file: string | null;
  /** The `--env` given, or null. */
  envName: string | null;
  /** Said next to the source: why no file was read although `--env` named one. */
  note: string | null;
}

/** The settings of the process environment alone (tests, or a caller that read nothing). */
export const ENVIRONMENT_ONLY: SettingsSource = { file: null, envName: null, note: null };

/** A `--env` that cannot be honoured; `details` are extra lines (the files that exist, what to do). */
export class EnvFileError extends Error {
  constructor(
    message: string,
    readonly details: string[],
  ) {
    super(message);
    this.name = 'EnvFileError';
  }
}

/** The `.env` files in a folder: `.env` and `.env.<name>`, without the `.env.example` template. */
export function envFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => (name === '.env' || name.startsWith('.env.')) && name !== '.env.example')
    .filter((name) => {
      try {
        return statSync(join(dir, name)).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

function blank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

/**
 * The file to read, from the files that exist (`existing`, names only) and the process
 * environment. Pure. Throws EnvFileError for a bad or missing `--env`.
 */
export function chooseEnvFile(envName: string | undefined, existing: readonly string[], processEnv: Env, dir = '.'): SettingsSource {
  if (envName === undefined) return { file: existing.includes('.env') ? '.env' : null, envName: null, note: null };
  if (!ENV_NAME.test(envName)) {
    throw new EnvFileError(`--env must be a short name such as dev, staging or prod (got "${envName.slice(0, 40)}")`, []);
  }
  const wanted = `.env.${envName}`;
  if (existing.includes(wanted)) return { file: wanted, envName, note: null };
  if (!blank(processEnv[TENANT_VARIABLE])) {
    return { file: null, envName, note: `${wanted} does not exist; ${TENANT_VARIABLE} and the rest come from the environment` };
  }
  const others = existing.filter((name) => name.startsWith('.env.')).map((name) => name.slice('.env.'.length));
  const details = [
    existing.length > 0 ? `  .env files in ${dir}: ${existing.join(', ')}` : `  there is no .env file in ${dir}`,
    ...(others.length > 0 ? [`  use one of: ${others.map((name) => `--env ${name}`).join(', ')}`] : []),
    ...(existing.includes('.env') ? ['  or leave out --env to read .env'] : []),
    `  or create ${wanted} from the lines of .env.example, or set the settings in the environment (${TENANT_VARIABLE} first).`,
  ];
  throw new EnvFileError(`--env ${envName}: ${wanted} does not exist in ${dir}`, details);
}

/** The settings of `--env <name>` (or the default) under the process environment, and where they came from. */
export function loadEnvFiles(dir: string, envName: string | undefined, processEnv: Env): { values: Env; source: SettingsSource } {
  const source = chooseEnvFile(envName, envFilesIn(dir), processEnv, dir);
  const fromFile = source.file ? parse(readFileSync(join(dir, source.file))) : {};
  return { values: overlayEnvFile(fromFile, processEnv), source };
}

/** " (here: .env.dev, .env.prod)", or "" when there is none: for a usage message that asks for --env. */
export function envFilesHint(dir: string): string {
  const files = envFilesIn(dir).filter((name) => name.startsWith('.env.'));
  return files.length > 0 ? ` (here: ${files.join(', ')})` : '';
}

/** "`.env.dev` and the environment", "the environment only (.env.nope does not exist; ...)". */
export function describeSource(source: SettingsSource): string {
  if (source.file) return `${source.file} and the environment`;
  return `the environment only${source.note ? ` (${source.note})` : ''}`;
}

/** Where to set a missing setting, for the message that lists them. */
export function whereToSet(source: SettingsSource): string {
  if (source.file) return `Set them in ${source.file} or in the environment (a variable set in the environment wins over the file).`;
  if (source.envName) return `Set them in the environment, or create .env.${source.envName}.`;
  return 'Set them in the environment, or in .env (or in .env.<name>, read with --env <name>).';
}

/**
 * One message for every missing or invalid setting at once: the head line names where the
 * settings were read from, one line per problem, then where to set them.
 */
export function settingsProblemsMessage(problems: readonly string[], source: SettingsSource, lead = ''): string {
  const count = problems.length === 1 ? '1 setting is' : `${problems.length} settings are`;
  return [
    `${lead}${count} missing or invalid (read from ${describeSource(source)}):`,
    ...problems.map((problem) => `  - ${problem}`),
    whereToSet(source),
  ].join('\n');
}
