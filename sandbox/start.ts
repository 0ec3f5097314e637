/**
 * `npm start`: the whole login on one machine, with no account anywhere.
 *
 *   demo application  http://localhost:3000   (sandbox/demo-app)
 *   stand-in tenant   http://localhost:3001   (sandbox/tenant, runs actions/authy-2fa/code.js)
 *   forms server      http://localhost:3002   (forms-server, the production one)
 *   Authy emulator    http://localhost:3003   (sandbox/authy-emulator, phone page at /phone)
 *   Verify emulator   http://localhost:3004   (sandbox/verify-emulator, phone page at /phone; only with
 *                                              PROVIDER=verify or `npm start -- --provider verify`)
 *
 * Local secrets are generated once into sandbox/.data/secrets.json; users, their metadata and
 * the emulator's state live next to them, so enrollment survives a restart. Everything
 * listens on 127.0.0.1 only. Tests start it in-process with `startSandbox({ ports: 0 })`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { secToMs } from '../lib/time';
import { loadOrCreateSecrets } from './local-secrets';
import { LISTEN_HOST, freePort, portsFromEnv, resolvePorts, type PortName } from './ports';
import { SERVERS, sandboxUrls, type SandboxSetup, type SandboxUrls } from './servers';
import { resetSandboxData, wantsFresh } from './sandbox-data';
import { demoUsers } from './tenant/demo-users';
import { readSeedFile, type SeedUser, type UserStore } from './tenant/user-store';
import { DEFAULT_VERIFY_PORT, moveToVerifyFrom, providerFrom, verifySandbox, verifyServer, type SandboxProvider } from './verify-setup';

export { loadOrCreateSecrets } from './local-secrets';
export { DEMO_CLIENT_ID, type SandboxUrls } from './servers';

const ROOT = resolve(__dirname, '..');

export interface SandboxOptions {
  /** Ports to listen on; 0 picks a free one (tests). Defaults: 3000-3003, or SANDBOX_*_PORT. */
  ports?: Partial<Record<PortName, number>>;
  /** Where secrets, users, keys and emulator state are kept. Default sandbox/.data. */
  dataDir?: string;
  /** Bundled Action. Default actions/authy-2fa/code.js (built by `npm run build`). */
  actionFile?: string;
  seedFile?: string;
  /** Action settings the tests shorten; as text, like Action secrets. */
  maxFailures?: string;
  lockMinutes?: string;
  /** REMEMBER_DAYS of the Action and the forms server ("remember this device"); default off, or SANDBOX_REMEMBER_DAYS. */
  rememberDays?: string;
  /** Log requests of every server (pino JSON); default false. */
  log?: boolean;
  /** How new users enroll: authy (default) or verify, which also starts the Verify emulator. */
  provider?: SandboxProvider;
  /** The Verify emulator's port (default 3004, SANDBOX_VERIFY_PORT; 0: a free one). */
  verifyPort?: number;
  /** With provider verify: MOVE_TO_VERIFY=true for the Action (Authy users move to Verify at their next login). */
  moveToVerify?: boolean;
  /** Forget the saved logins first (`npm start -- --fresh`): every demo user is new. */
  fresh?: boolean;
}

export interface RunningSandbox {
  urls: SandboxUrls;
  /** With provider verify: the Verify emulator's URL and phone page; else null. */
  verify: { url: string; phone: string } | null;
  users: readonly SeedUser[];
  /** The stand-in tenant's users (what an admin tool would read and change through the Management API). */
  userStore: UserStore;
  close(): Promise<void>;
}

async function sandboxSetup(options: SandboxOptions): Promise<SandboxSetup> {
  const dataDir = resolve(options.dataDir ?? join(ROOT, 'sandbox', '.data'));
  if (options.fresh) resetSandboxData(dataDir);
  const actionFile = resolve(options.actionFile ?? join(ROOT, 'actions', 'authy-2fa', 'code.js'));
  if (!existsSync(actionFile)) throw new Error(`${actionFile} does not exist: run \`npm run build\` first`);
  const seedUsers = readSeedFile(resolve(options.seedFile ?? join(ROOT, 'sandbox', 'seed-users.json')));
  const secrets = loadOrCreateSecrets(dataDir);
  const ports = await resolvePorts(options.ports);
  const verifyPort = options.verifyPort ?? DEFAULT_VERIFY_PORT;
  const verify = options.provider === 'verify' ? verifySandbox(dataDir, verifyPort === 0 ? await freePort() : verifyPort) : null;
  return {
    ports,
    urls: sandboxUrls(ports),
    secrets,
    dataDir,
    actionFile,
    seedUsers,
    maxFailures: options.maxFailures ?? process.env.SANDBOX_MAX_FAILURES ?? '5',
    lockMinutes: options.lockMinutes ?? process.env.SANDBOX_LOCK_MINUTES ?? '15',
    rememberDays: options.rememberDays ?? (process.env.SANDBOX_REMEMBER_DAYS || null),
    logger: options.log ?? false,
    verify,
    moveToVerify: verify !== null && options.moveToVerify === true,
  };
}

/** Starts the four servers; returns their URLs and a `close()` that stops them all. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const setup = await sandboxSetup(options);
  const started: FastifyInstance[] = [];
  let userStore: UserStore | null = null;
  const close = async () => {
    await Promise.allSettled(started.reverse().map((app) => app.close()));
  };
  try {
    if (setup.verify) {
      const emulator = await verifyServer(setup.verify, setup.logger);
      await emulator.listen({ host: LISTEN_HOST, port: setup.verify.port });
      started.push(emulator);
    }
    for (const [name, build] of SERVERS) {
      const app = await build(setup);
      await app.listen({ host: LISTEN_HOST, port: setup.ports[name] });
      started.push(app);
      if (name === 'tenant') userStore = app.tenant.users;
    }
  } catch (error) {
    await close();
    throw error;
  }
  const verify = setup.verify ? { url: setup.verify.url, phone: setup.verify.phone } : null;
  if (!userStore) throw new Error('the stand-in tenant did not start');
  return { urls: setup.urls, users: setup.seedUsers, userStore, verify, close };
}

function banner(sandbox: RunningSandbox, fresh: boolean): string {
  const { urls } = sandbox;
  return [
    '',
    'Sandbox is running (Ctrl+C to stop):',
    `  Demo application   ${urls.demo}        <- open this and click "Sign in"`,
    `  Stand-in tenant    ${urls.tenant}`,
    `  Forms server       ${urls.forms}`,
    `  Authy emulator     ${urls.authy}`,
    `  Phone page         ${urls.phone}  <- codes, SMS, calls and push requests appear here`,
    ...(sandbox.verify
      ? [
          `  Verify emulator    ${sandbox.verify.url}  (PROVIDER=verify: new users set up an authenticator app)`,
          `  Verify phone page  ${sandbox.verify.phone}  <- the current code of every authenticator-app factor`,
        ]
      : []),
    '',
    'Demo users (password shown on the login page too):',
    ...demoUsers(sandbox.users, (id) => sandbox.userStore.get(id)).map(
      (u) => `  ${u.email.padEnd(22)} ${u.password.padEnd(18)} ${u.note ?? ''}`,
    ),
    fresh
      ? '(started clean: --fresh)'
      : 'Saved logins are kept in the data folder; `npm start -- --fresh` or `npm run sandbox:reset` starts clean.',
    '',
    `Ready in ${Math.round(secToMs(process.uptime()))} ms after the process started.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const ports = portsFromEnv();
  const dataDir = process.env.SANDBOX_DATA_DIR || undefined;
  const provider = providerFrom(process.argv.slice(2), process.env);
  const moveToVerify = moveToVerifyFrom(process.argv.slice(2), process.env, provider);
  const fresh = wantsFresh(process.argv.slice(2));
  const verifyPort = process.env.SANDBOX_VERIFY_PORT ? Number(process.env.SANDBOX_VERIFY_PORT) : undefined;
  if (verifyPort !== undefined && (!Number.isInteger(verifyPort) || verifyPort < 0 || verifyPort > 65_535)) {
    throw new Error('SANDBOX_VERIFY_PORT must be a port number');
  }
  const sandbox = await startSandbox({
    ports,
    log: process.env.SANDBOX_LOG === 'true',
    provider,
    moveToVerify,
    ...(verifyPort !== undefined ? { verifyPort } : {}),
    ...(dataDir ? { dataDir } : {}),
    fresh,
  });
  console.log(banner(sandbox, fresh));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox...`);
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`sandbox: failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
