/**
 * The settings the admin tools read: Management API client credentials (the same names the
 * deploy script uses), for the commands that call Authy the Authy API key, and for `--json`
 * and `audit-hash` the key of the audit lines' user hash. A variable set
 * in the process environment wins over the same one in `.env` (as dotenv does by default, and
 * as the deploy does); `.env` fills in the rest.
 */
import { join } from 'node:path';
import { config } from 'dotenv';
import { MIN_SECRET_BYTES } from '../../lib/action-secrets';
import { auditKey } from '../../lib/audit';
import { overlayEnvFile, valueReader, type ValueReader } from '../../lib/env-values';
import { ENV_NAME, envFileFor } from '../deploy/env';
import { AdminError } from './errors';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ManagementCredentials {
  domain: string;
  clientId: string;
  clientSecret: string;
}

// A bare tenant host such as "acme.eu.auth0.com" or a custom domain; no scheme, path or port.
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** Reads admin settings; a missing one is named with what it is for. */
function reader(env: Env, purpose: string): ValueReader<string> {
  return valueReader<string>(env, (name, problem) =>
    problem.kind === 'missing'
      ? new AdminError('MISSING_CONFIG', `${name} is not set: ${purpose}. Set it in .env or in the environment.`)
      : new AdminError('MISSING_CONFIG', `${name} is malformed: ${purpose}.`),
  );
}

function required(env: Env, name: string, purpose: string): string {
  return reader(env, purpose).required(name);
}

export function readManagementCredentials(env: Env): ManagementCredentials {
  const domain = required(env, 'AUTH0_DOMAIN', 'the tenant host, e.g. acme.eu.auth0.com');
  if (!HOST.test(domain)) {
    throw new AdminError('MISSING_CONFIG', 'AUTH0_DOMAIN must be a bare host name such as acme.eu.auth0.com (no https://, no path).');
  }
  const clientId = required(env, 'AUTH0_CLIENT_ID', 'the machine-to-machine application allowed to call the Management API');
  const clientSecret = required(env, 'AUTH0_CLIENT_SECRET', "that application's client secret");
  return { domain: domain.toLowerCase(), clientId, clientSecret };
}

export function readAuthyApiKey(env: Env, purpose = '--remove-from-authy calls the Authy API with it'): string {
  return required(env, 'AUTHY_API_KEY', purpose);
}

/**
 * Where the audit hash key may come from, in order: a key wins over a secret it would be derived
 * from, and the forms server's name (AUDIT_HASH_KEY, SHARED_SECRET) over the Action's deploy
 * keyword (AUTHY2FA_...), which holds the same value in a deploy's `.env`.
 */
export const AUDIT_KEY_VARIABLES = [
  { name: 'AUDIT_HASH_KEY', derived: false },
  { name: 'AUTHY2FA_AUDIT_HASH_KEY', derived: false },
  { name: 'SHARED_SECRET', derived: true },
  { name: 'AUTHY2FA_SHARED_SECRET', derived: true },
] as const;

export interface AuditKeySetting {
  key: Buffer;
  /** The variable it came from (never its value). */
  from: (typeof AUDIT_KEY_VARIABLES)[number]['name'];
}

/**
 * The key of the audit lines' user hash, as the forms server and the Action compute it: the
 * first of AUDIT_KEY_VARIABLES that is set (used as given, or HKDF-derived from a shared
 * secret); null when none is. A value shorter than the forms server accepts is refused.
 */
export function readAuditKey(env: Env): AuditKeySetting | null {
  const read = reader(env, "the key of the audit lines' user hash");
  for (const { name, derived } of AUDIT_KEY_VARIABLES) {
    const value = read.raw(name);
    if (value === undefined) continue;
    if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) {
      throw new AdminError('MISSING_CONFIG', `${name} must be at least ${MIN_SECRET_BYTES} bytes (the forms server refuses shorter ones).`);
    }
    const key = derived ? auditKey({ auditHashKey: null, sharedSecret: value }) : auditKey({ auditHashKey: value, sharedSecret: '' });
    return { key, from: name };
  }
  return null;
}

/** The process environment over `.env` (the environment wins); neither is modified. */
export function loadEnvironment(base: Env = process.env, path = '.env'): Env {
  const fromFile: Record<string, string> = {};
  config({ path, processEnv: fromFile, quiet: true });
  return overlayEnvFile(fromFile, base);
}

/**
 * `--env <name>`: the process environment over `.env.<name>` (else `.env`), found in `dir` as
 * `npm run deploy -- --env <name>` finds it; the file read is returned so the tool can say which.
 */
export function loadNamedEnvironment(dir: string, envName: string, base: Env): { env: Env; file: string | null } {
  if (!ENV_NAME.test(envName)) throw new AdminError('BAD_USAGE', `--env must be a short name such as dev, staging or prod`);
  const file = envFileFor(dir, envName);
  return { env: file ? loadEnvironment(base, join(dir, file)) : { ...base }, file };
}

/** What `migrate-to-verify` calls Authy and Twilio Verify with. */
export interface VerifyMigrationSettings {
  authyApiKey: string;
  authyApiUrl?: string;
  serviceSid: string;
  /** TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, or TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET. */
  username: string;
  password: string;
  identityKey: string;
  verifyApiUrl?: string;
}

/** The Authy and Verify settings of `migrate-to-verify`; every missing one is named in one error. */
export function readVerifyMigrationSettings(env: Env): VerifyMigrationSettings {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw.length === 0 ? undefined : raw;
  };
  const missing: string[] = [];
  const need = (name: string): string => {
    const found = value(name);
    if (found === undefined) missing.push(name);
    return found ?? '';
  };
  // The Auth0 ones are read by readManagementCredentials; named here too so that one run lists every gap.
  for (const name of ['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET']) need(name);
  const authyApiKey = need('AUTHY_API_KEY');
  const serviceSid = need('VERIFY_SERVICE_SID');
  const identityKey = need('VERIFY_IDENTITY_KEY');
  let username: string;
  let password: string;
  if (value('TWILIO_API_KEY_SID') !== undefined || value('TWILIO_API_KEY_SECRET') !== undefined) {
    username = need('TWILIO_API_KEY_SID');
    password = need('TWILIO_API_KEY_SECRET');
  } else {
    username = need('TWILIO_ACCOUNT_SID');
    password = need('TWILIO_AUTH_TOKEN');
  }
  if (missing.length > 0) {
    throw new AdminError(
      'MISSING_CONFIG',
      `not set: ${missing.join(', ')} (migrate-to-verify exports seeds from Authy and creates Twilio Verify factors with them). ` +
        'Set them in .env or in the environment.',
    );
  }
  const authyApiUrl = value('AUTHY_API_URL');
  const verifyApiUrl = value('VERIFY_API_URL');
  return {
    authyApiKey,
    serviceSid,
    username,
    password,
    identityKey,
    ...(authyApiUrl ? { authyApiUrl } : {}),
    ...(verifyApiUrl ? { verifyApiUrl } : {}),
  };
}
