/**
 * The sandbox with Twilio Verify (`PROVIDER=verify npm start`, or `npm start -- --provider verify`):
 * the Verify emulator (sandbox/verify-emulator) on port 3004 (SANDBOX_VERIFY_PORT), its local
 * credentials and identity key generated once into <data dir>/verify-secrets.json (mode 0600), and
 * the Verify settings the stand-in tenant's Action and the forms server get (the same values, as
 * in production). New users then set up an authenticator app; users enrolled with Authy keep Authy.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_SERVICE_SID, buildVerifyEmulator } from './verify-emulator/app';

export type SandboxProvider = 'authy' | 'verify';
export const DEFAULT_VERIFY_PORT = 3004;

export interface VerifySandbox {
  port: number;
  /** http://localhost:<port>: VERIFY_API_URL of the Action and the forms server. */
  url: string;
  phone: string;
  accountSid: string;
  authToken: string;
  identityKey: string;
}

/** `--provider verify` on the command line, else PROVIDER; default authy. Anything else stops the start. */
export function providerFrom(argv: readonly string[], env: NodeJS.ProcessEnv): SandboxProvider {
  const flag = argv.indexOf('--provider');
  const inline = argv.find((arg) => arg.startsWith('--provider='))?.slice('--provider='.length);
  const value = inline ?? (flag >= 0 ? argv[flag + 1] : undefined) ?? env.PROVIDER ?? 'authy';
  if (value !== 'authy' && value !== 'verify') throw new Error(`provider must be authy or verify (got ${JSON.stringify(value)})`);
  return value;
}

/**
 * `--move-to-verify` (or MOVE_TO_VERIFY=true): users enrolled with Authy set up an authenticator
 * app with Verify at their next login, after their Authy step. Only with the Verify provider.
 */
export function moveToVerifyFrom(argv: readonly string[], env: NodeJS.ProcessEnv, provider: SandboxProvider): boolean {
  const asked = argv.includes('--move-to-verify') || env.MOVE_TO_VERIFY === 'true';
  if (asked && provider !== 'verify') throw new Error('--move-to-verify needs the Verify provider (--provider verify)');
  return asked;
}

interface VerifySecrets {
  accountSid: string;
  authToken: string;
  identityKey: string;
}

function isVerifySecrets(raw: Partial<VerifySecrets>): raw is VerifySecrets {
  return (
    typeof raw.accountSid === 'string' &&
    /^AC[0-9a-f]{32}$/.test(raw.accountSid) &&
    typeof raw.authToken === 'string' &&
    typeof raw.identityKey === 'string' &&
    raw.identityKey.length >= 43
  );
}

/** Creates the emulator's credentials and the identity key on first start (mode 0600), reads them afterwards. */
function loadOrCreateVerifySecrets(dataDir: string): VerifySecrets {
  const file = join(dataDir, 'verify-secrets.json');
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<VerifySecrets>;
    if (isVerifySecrets(raw)) return { accountSid: raw.accountSid, authToken: raw.authToken, identityKey: raw.identityKey };
    throw new Error(`${file} is damaged: delete it to generate new local Verify secrets`);
  }
  const secrets: VerifySecrets = {
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(24).toString('base64url'),
    identityKey: randomBytes(48).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

export function verifySandbox(dataDir: string, port: number): VerifySandbox {
  const url = `http://localhost:${port}`;
  return { port, url, phone: `${url}/phone`, ...loadOrCreateVerifySecrets(dataDir) };
}

/** The Verify settings, by name: the Action's secrets and the forms server's environment alike. */
export function verifySettings(verify: VerifySandbox): Record<string, string> {
  return {
    VERIFY_SERVICE_SID: DEFAULT_SERVICE_SID,
    TWILIO_ACCOUNT_SID: verify.accountSid,
    TWILIO_AUTH_TOKEN: verify.authToken,
    VERIFY_IDENTITY_KEY: verify.identityKey,
    VERIFY_API_URL: verify.url,
  };
}

export function verifyServer(verify: VerifySandbox, logger: boolean): Promise<FastifyInstance> {
  return buildVerifyEmulator({ accountSid: verify.accountSid, authToken: verify.authToken, serviceName: 'Sandbox', logger });
}
