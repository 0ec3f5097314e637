/**
 * What every admin command shares: injected argv/env/streams/clock (so tests call `main`
 * directly), argument parsing, the Management API connection, and one place that turns an
 * AdminError into a message and an exit status.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { durationSec } from '../../lib/time';
import { systemClock, type Clock } from './clock';
import { loadEnvironment, loadNamedEnvironment, readManagementCredentials, type Env, type ManagementCredentials } from './env';
import { AdminError } from './errors';
import { createAdminApi, type AdminApi } from './management';
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
  /** The process environment alone, without `.env`: what `--env <name>` layers over its file. */
  processEnv?: Env;
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

/** Reads the credentials first: a missing variable stops the command before any HTTP. */
export function connect(deps: CliDeps, output: Output): Connection {
  const credentials = readManagementCredentials(deps.env);
  const clock = deps.clock ?? systemClock;
  const { api, limiter } = createAdminApi(credentials, {
    clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    onWait: ({ reason, label, waitMs }) => {
      const why = reason === 'transient-error' ? 'Auth0 did not answer properly' : 'Auth0 rate limit reached';
      output.err(`${why} (${label}): waiting ${durationSec(waitMs).toFixed(1)} s before continuing`);
    },
  });
  return { api, limiter, credentials };
}

/** The deps with the settings of `--env <name>` (when given) instead of `.env`; says which file it read. */
export function withNamedEnvironment(deps: CliDeps, envName: string | undefined, output: Output): CliDeps {
  if (envName === undefined) return deps;
  const { env, file } = loadNamedEnvironment(deps.cwd ?? process.cwd(), envName, deps.processEnv ?? {});
  output.err(`settings: ${file ? `${file} and the environment` : 'the environment only'} (--env ${envName})`);
  return { ...deps, env };
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
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    output.err(`error: unexpected ${name}: ${message.slice(0, 500)}`);
    return 1;
  }
}

/** The real process as CliDeps: `.env` fills what the environment lacks. */
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
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
