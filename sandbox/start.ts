/**
 * `npm start`: the whole login on one machine, with no account anywhere.
 *
 *   demo application  http://localhost:3000   (sandbox/demo-app)
 *   stand-in tenant   http://localhost:3001   (sandbox/tenant, runs actions/authy-2fa/code.js)
 *   forms server      http://localhost:3002   (forms-server, the production one)
 *   Authy emulator    http://localhost:3003   (sandbox/authy-emulator, phone page at /phone)
 *
 * Local secrets are generated once into sandbox/.data/secrets.json; users, their metadata and
 * the emulator's state live next to them, so enrollment survives a restart. Everything
 * listens on 127.0.0.1 only. Tests start it in-process with `startSandbox({ ports: 0 })`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildFormsServer } from '../forms-server/app';
import { loadConfig } from '../forms-server/config';
import { buildAuthyEmulator } from './authy-emulator/app';
import { buildDemoApp } from './demo-app/app';
import { buildTenant } from './tenant/app';
import { readSeedFile, type SeedUser } from './tenant/user-store';

const ROOT = resolve(__dirname, '..');
const LISTEN_HOST = '127.0.0.1';
const DEFAULT_PORTS = { demo: 3000, tenant: 3001, forms: 3002, authy: 3003 } as const;
export const DEMO_CLIENT_ID = 'sandbox-demo-app';

type PortName = keyof typeof DEFAULT_PORTS;

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
  /** Log requests of every server (pino JSON); default false. */
  log?: boolean;
}

export interface SandboxUrls {
  demo: string;
  tenant: string;
  forms: string;
  authy: string;
  phone: string;
}

export interface RunningSandbox {
  urls: SandboxUrls;
  users: readonly SeedUser[];
  close(): Promise<void>;
}

interface LocalSecrets {
  sharedSecret: string;
  authyApiKey: string;
  clientSecret: string;
}

/** Creates the local secrets on first start (mode 0600) and reads them afterwards. */
export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    if (typeof raw.sharedSecret === 'string' && raw.sharedSecret.length >= 43 && typeof raw.authyApiKey === 'string' && typeof raw.clientSecret === 'string') {
      return { sharedSecret: raw.sharedSecret, authyApiKey: raw.authyApiKey, clientSecret: raw.clientSecret };
    }
    throw new Error(`${file} is damaged: delete it to generate new local secrets`);
  }
  const secrets: LocalSecrets = {
    // 48 random bytes: well over the 32-byte minimum of SHARED_SECRET.
    sharedSecret: randomBytes(48).toString('base64url'),
    authyApiKey: randomBytes(24).toString('base64url'),
    clientSecret: randomBytes(32).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LISTEN_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function portFromEnv(name: PortName): number | undefined {
  const value = process.env[`SANDBOX_${name.toUpperCase()}_PORT`];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`SANDBOX_${name.toUpperCase()}_PORT must be a port number`);
  return port;
}

/** Starts the four servers; returns their URLs and a `close()` that stops them all. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const dataDir = resolve(options.dataDir ?? join(ROOT, 'sandbox', '.data'));
  const actionFile = resolve(options.actionFile ?? join(ROOT, 'actions', 'authy-2fa', 'code.js'));
  if (!existsSync(actionFile)) throw new Error(`${actionFile} does not exist: run \`npm run build\` first`);
  const seedUsers = readSeedFile(resolve(options.seedFile ?? join(ROOT, 'sandbox', 'seed-users.json')));
  const secrets = loadOrCreateSecrets(dataDir);

  const ports = {} as Record<PortName, number>;
  for (const name of Object.keys(DEFAULT_PORTS) as PortName[]) {
    const wanted = options.ports?.[name] ?? DEFAULT_PORTS[name];
    // Ports are fixed before the servers are built: each server must know the others' URLs.
    ports[name] = wanted === 0 ? await freePort() : wanted;
  }
  // Public URLs use `localhost`, the host Auth0-style cookies and tokens name; sockets stay on 127.0.0.1.
  const urls: SandboxUrls = {
    demo: `http://localhost:${ports.demo}`,
    tenant: `http://localhost:${ports.tenant}`,
    forms: `http://localhost:${ports.forms}`,
    authy: `http://localhost:${ports.authy}`,
    phone: `http://localhost:${ports.authy}/phone`,
  };
  const logger = options.log ?? false;

  const started: FastifyInstance[] = [];
  const close = async () => {
    await Promise.allSettled(started.reverse().map((app) => app.close()));
  };

  try {
    const authy = await buildAuthyEmulator({ apiKey: secrets.authyApiKey, dataFile: join(dataDir, 'authy-emulator.json'), logger });
    await authy.listen({ host: LISTEN_HOST, port: ports.authy });
    started.push(authy);

    const formsConfig = loadConfig({
      FORMS_HOST: LISTEN_HOST,
      FORMS_PORT: String(ports.forms),
      FORMS_PUBLIC_URL: urls.forms,
      SHARED_SECRET: secrets.sharedSecret,
      AUTHY_API_KEY: secrets.authyApiKey,
      AUTHY_API_URL: urls.authy,
      TRUSTED_TENANTS: urls.tenant,
      LOG_LEVEL: logger ? 'info' : 'silent',
    });
    const forms = await buildFormsServer(formsConfig, { logger });
    await forms.listen({ host: LISTEN_HOST, port: ports.forms });
    started.push(forms);

    const tenant = await buildTenant({
      publicUrl: urls.tenant,
      clients: [
        {
          client_id: DEMO_CLIENT_ID,
          client_secret: secrets.clientSecret,
          name: 'Demo application',
          redirect_uris: [`${urls.demo}/callback`],
          logout_urls: [`${urls.demo}/`],
        },
      ],
      seedUsers,
      dataFile: join(dataDir, 'users.json'),
      keyFile: join(dataDir, 'tenant-signing-key.pem'),
      action: { code: readFileSync(actionFile, 'utf8'), filename: actionFile },
      actionSecrets: {
        FORMS_URL: `${urls.forms}/2fa`,
        SHARED_SECRET: secrets.sharedSecret,
        AUTHY_API_KEY: secrets.authyApiKey,
        AUTHY_API_URL: urls.authy,
        MAX_FAILURES: options.maxFailures ?? process.env.SANDBOX_MAX_FAILURES ?? '5',
        LOCK_MINUTES: options.lockMinutes ?? process.env.SANDBOX_LOCK_MINUTES ?? '15',
      },
      logger,
    });
    await tenant.listen({ host: LISTEN_HOST, port: ports.tenant });
    started.push(tenant);

    const demo = await buildDemoApp({
      publicUrl: urls.demo,
      tenantUrl: urls.tenant,
      tenantBackchannelUrl: `http://${LISTEN_HOST}:${ports.tenant}`,
      clientId: DEMO_CLIENT_ID,
      clientSecret: secrets.clientSecret,
      secondFactorClaim: `${urls.forms}/second_factor`,
      logger,
    });
    await demo.listen({ host: LISTEN_HOST, port: ports.demo });
    started.push(demo);
  } catch (error) {
    await close();
    throw error;
  }

  return { urls, users: seedUsers, close };
}

async function main(): Promise<void> {
  const ports: Partial<Record<PortName, number>> = {};
  for (const name of Object.keys(DEFAULT_PORTS) as PortName[]) {
    const port = portFromEnv(name);
    if (port !== undefined) ports[name] = port;
  }
  const dataDir = process.env.SANDBOX_DATA_DIR || undefined;
  const sandbox = await startSandbox({ ports, log: process.env.SANDBOX_LOG === 'true', ...(dataDir ? { dataDir } : {}) });
  const { urls } = sandbox;
  const lines = [
    '',
    'Sandbox is running (Ctrl+C to stop):',
    `  Demo application   ${urls.demo}        <- open this and click "Sign in"`,
    `  Stand-in tenant    ${urls.tenant}`,
    `  Forms server       ${urls.forms}`,
    `  Authy emulator     ${urls.authy}`,
    `  Phone page         ${urls.phone}  <- codes, SMS, calls and push requests appear here`,
    '',
    'Demo users (password shown on the login page too):',
    ...sandbox.users.map((u) => `  ${u.email.padEnd(22)} ${u.password.padEnd(18)} ${u.note ?? ''}`),
    '',
    `Ready in ${Math.round(process.uptime() * 1000)} ms after the process started.`,
    '',
  ];
  console.log(lines.join('\n'));

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
