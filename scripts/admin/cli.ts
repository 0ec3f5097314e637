/**
 * What every admin command shares: injected argv/env/streams/clock (so tests call `main`
 * directly), argument parsing, the Management API connection, and one place that turns an
 * AdminError into a message and an exit status.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { durationSec } from '../../lib/time';
import { systemClock, type Clock } from './clock';
import { describeSource, ENVIRONMENT_ONLY, type SettingsSource } from './env-files';
import {
  loadEnvironment,
  loadNamedEnvironment,
  readAdminSettings,
  readManagementCredentials,
  type AdminSettings,
  type AdminSettingsNeeds,
  type Env,
  type ManagementCredentials,
} from './env';
import { AdminError } from './errors';
import { createAdminApi, type AdminApi } from './management';
import { explainNetworkError, networkMessage } from './network-errors';
import { createOutput, type Output, type ReadableLike, type WritableLike } from './output';
import type { RateLimiter } from './rate-limit';

export interface CliDeps {
  argv: string[];
  env: Env;
  stdout: WritableLike;
  stderr: WritableLike;
  stdin?: ReadableLike;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Base for relative report and checkpoint paths, and where `--env <name>` looks for `.env.<name>`. */
  cwd?: string;
  /** The process environment alone, without `.env`: what `--env <name>` (or `.env`) is layered under. */
  processEnv?: Env;
  /** Where `env` came from, once loadSettings has read it. */
  settingsSource?: SettingsSource;
}

export interface Connection {
  api: AdminApi;
  limiter: RateLimiter;
  credentials: ManagementCredentials;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCli<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new AdminError('BAD_USAGE', `${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
}

/**
 * Reads the credentials first: a missing variable stops the command before any HTTP. Pass the
 * credentials when the tool has read them already with its other settings (readAdminSettings).
 */
export function connect(deps: CliDeps, output: Output, known?: ManagementCredentials): Connection {
  const credentials = known ?? readManagementCredentials(deps.env, deps.settingsSource ?? ENVIRONMENT_ONLY);
  const clock = deps.clock ?? systemClock;
  const { api, limiter } = createAdminApi(credentials, {
    clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    onWait: ({ reason, label, waitMs, error }) => {
      const network = reason === 'transient-error' ? explainNetworkError(error, credentials.domain) : null;
      const why = network
        ? `cannot reach ${credentials.domain}: ${network.reason}`
        : reason === 'transient-error'
          ? 'Auth0 did not answer properly'
          : 'Auth0 rate limit reached';
      output.err(`${why} (${label}): waiting ${durationSec(waitMs).toFixed(1)} s before continuing`);
    },
  });
  return { api, limiter, credentials };
}

/**
 * The one way every admin tool reads its settings: `--env <name>` reads `.env.<name>`, without it
 * `.env`, under the process environment (which wins); see env-files.ts. Says on stderr which file
 * it read. A `--env` whose file does not exist stops the tool, naming the files that do.
 * Without `cwd` and `--env` (tests that pass `env` itself) no file is read: `env` is the environment.
 */
export function loadSettings(deps: CliDeps, envName: string | undefined, output: Output): CliDeps {
  if (deps.settingsSource !== undefined && envName === undefined) return deps;
  let next: CliDeps;
  if (deps.cwd === undefined && envName === undefined) next = { ...deps, settingsSource: ENVIRONMENT_ONLY };
  else {
    const { env, source } = loadNamedEnvironment(deps.cwd ?? process.cwd(), envName, deps.processEnv ?? deps.env);
    next = { ...deps, env, settingsSource: source };
  }
  output.err(`settings: ${describeSource(next.settingsSource ?? ENVIRONMENT_ONLY)}${envName !== undefined ? ` (--env ${envName})` : ''}`);
  return next;
}

/** What the tool needs from the settings loadSettings read, every missing or invalid one named in one error. */
export function toolSettings(deps: CliDeps, needs: AdminSettingsNeeds = {}): AdminSettings {
  return readAdminSettings(deps.env, deps.settingsSource ?? ENVIRONMENT_ONLY, needs);
}

export async function runCli(deps: CliDeps, body: (output: Output) => Promise<number>): Promise<number> {
  const output = createOutput(deps.stdout, deps.stderr);
  try {
    return await body(output);
  } catch (error) {
    if (error instanceof AdminError) {
      output.err(`error: ${error.message}`);
      for (const line of error.details) output.err(line);
      return error.exitCode;
    }
    // A network failure that no step put in words ("fetch failed"): in plain words, never a stack.
    const network = networkMessage(error);
    if (network !== null) {
      output.err(`error: ${network}`);
      return 1;
    }
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    output.err(`error: unexpected ${name}: ${message.slice(0, 500)}`);
    return 1;
  }
}

/** The real process as CliDeps: `.env` fills what the environment lacks (loadSettings reads `--env`'s file instead). */
export function processDeps(): CliDeps {
  return {
    argv: process.argv.slice(2),
    env: loadEnvironment(process.env),
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    processEnv: process.env,
  };
}

/** Runs a CLI's main and sets the exit status (without cutting off pending output). */
export function runMain(main: (deps: CliDeps) => Promise<number>): void {
  main(processDeps()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${networkMessage(error) ?? (error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = 1;
    },
  );
}
