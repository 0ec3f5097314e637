/**
 * How `startSandbox` builds each of its four servers, from the ports, URLs, secrets and files of
 * one sandbox: the Authy emulator, the production forms server, the stand-in tenant (with the
 * bundled Action and its secrets) and the demo application.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildFormsServer } from '../forms-server/app';
import { loadConfig } from '../forms-server/config';
import { buildAuthyEmulator } from './authy-emulator/app';
import { buildDemoApp } from './demo-app/app';
import type { LocalSecrets } from './local-secrets';
import { LISTEN_HOST, type PortName, type Ports } from './ports';
import { buildTenant } from './tenant/app';
import type { SeedUser } from './tenant/user-store';
import { verifySettings, type VerifySandbox } from './verify-setup';

export const DEMO_CLIENT_ID = 'sandbox-demo-app';

export interface SandboxUrls {
  demo: string;
  tenant: string;
  forms: string;
  authy: string;
  phone: string;
}

/** Everything the servers of one sandbox are built from. */
export interface SandboxSetup {
  ports: Ports;
  urls: SandboxUrls;
  secrets: LocalSecrets;
  dataDir: string;
  actionFile: string;
  seedUsers: SeedUser[];
  /** Action settings (as text, like Action secrets). */
  maxFailures: string;
  lockMinutes: string;
  /** REMEMBER_DAYS of both the Action and the forms server, or null (off). */
  rememberDays: string | null;
  logger: boolean;
  /** PROVIDER=verify: the Verify emulator and the settings that point the Action and the forms server at it; else null. */
  verify: VerifySandbox | null;
  /** MOVE_TO_VERIFY for the Action (only with verify). */
  moveToVerify: boolean;
}

/** Public URLs use `localhost`, the host Auth0-style cookies and tokens name; sockets stay on 127.0.0.1. */
export function sandboxUrls(ports: Ports): SandboxUrls {
  return {
    demo: `http://localhost:${ports.demo}`,
    tenant: `http://localhost:${ports.tenant}`,
    forms: `http://localhost:${ports.forms}`,
    authy: `http://localhost:${ports.authy}`,
    phone: `http://localhost:${ports.authy}/phone`,
  };
}

function authyServer({ secrets, dataDir, logger }: SandboxSetup): Promise<FastifyInstance> {
  return buildAuthyEmulator({ apiKey: secrets.authyApiKey, dataFile: join(dataDir, 'authy-emulator.json'), logger });
}

function formsServer({ ports, urls, secrets, logger, verify, rememberDays }: SandboxSetup): Promise<FastifyInstance> {
  const config = loadConfig({
    FORMS_HOST: LISTEN_HOST,
    FORMS_PORT: String(ports.forms),
    FORMS_PUBLIC_URL: urls.forms,
    SHARED_SECRET: secrets.sharedSecret,
    AUTHY_API_KEY: secrets.authyApiKey,
    AUTHY_API_URL: urls.authy,
    TRUSTED_TENANTS: urls.tenant,
    LOG_LEVEL: logger ? 'info' : 'silent',
    ...(verify ? verifySettings(verify) : {}),
    ...(rememberDays ? { REMEMBER_DAYS: rememberDays } : {}),
  });
  return buildFormsServer(config, { logger });
}

function tenantServer(setup: SandboxSetup): Promise<FastifyInstance> {
  const { urls, secrets, dataDir, actionFile } = setup;
  return buildTenant({
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
    seedUsers: setup.seedUsers,
    dataFile: join(dataDir, 'users.json'),
    keyFile: join(dataDir, 'tenant-signing-key.pem'),
    action: { code: readFileSync(actionFile, 'utf8'), filename: actionFile },
    actionSecrets: {
      FORMS_URL: `${urls.forms}/2fa`,
      SHARED_SECRET: secrets.sharedSecret,
      AUTHY_API_KEY: secrets.authyApiKey,
      AUTHY_API_URL: urls.authy,
      MAX_FAILURES: setup.maxFailures,
      LOCK_MINUTES: setup.lockMinutes,
      ...(setup.verify ? { PROVIDER: 'verify', ...verifySettings(setup.verify) } : {}),
      ...(setup.rememberDays ? { REMEMBER_DAYS: setup.rememberDays } : {}),
      ...(setup.moveToVerify ? { MOVE_TO_VERIFY: 'true' } : {}),
    },
    logger: setup.logger,
  });
}

function demoServer({ ports, urls, secrets, logger }: SandboxSetup): Promise<FastifyInstance> {
  return buildDemoApp({
    publicUrl: urls.demo,
    tenantUrl: urls.tenant,
    tenantBackchannelUrl: `http://${LISTEN_HOST}:${ports.tenant}`,
    clientId: DEMO_CLIENT_ID,
    clientSecret: secrets.clientSecret,
    secondFactorClaim: `${urls.forms}/second_factor`,
    logger,
  });
}

/** The servers in start order: each one's dependencies are listening before it is built. */
export const SERVERS: ReadonlyArray<[PortName, (setup: SandboxSetup) => Promise<FastifyInstance>]> = [
  ['authy', authyServer],
  ['forms', formsServer],
  ['tenant', tenantServer],
  ['demo', demoServer],
];
