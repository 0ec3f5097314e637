/**
 * The settings the admin tools read: Management API client credentials (the same names the
 * deploy script uses), for the commands that call Authy the Authy API key, and for `--json`
 * and `audit-hash` the key of the audit lines' user hash. Where they come from (`.env`,
 * `.env.<name>` with `--env <name>`, the process environment, which wins) is env-files.ts.
 * Every missing or malformed setting of a run is named in one error, with the file read.
 */
import { config } from 'dotenv';
import { MIN_SECRET_BYTES } from '../../lib/action-secrets';
import { auditKey } from '../../lib/audit';
import { overlayEnvFile } from '../../lib/env-values';
import { ENVIRONMENT_ONLY, EnvFileError, loadEnvFiles, settingsProblemsMessage, type Env, type SettingsSource } from './env-files';
import { AdminError } from './errors';

export type { Env, SettingsSource } from './env-files';

export interface ManagementCredentials {
  domain: string;
  clientId: string;
  clientSecret: string;
}

// A bare tenant host such as "acme.eu.auth0.com" or a custom domain; no scheme, path or port.
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** Reads settings and notes every problem, so that one run names them all. */
export interface SettingsReader {
  /** The trimmed value, or undefined when absent or blank. */
  text(name: string): string | undefined;
  /** The value as given (secrets are used as written), or undefined when absent or blank. */
  raw(name: string): string | undefined;
  /** The trimmed value; when absent, notes "NAME is not set: purpose" and returns "". */
  required(name: string, purpose: string): string;
  /** Notes a problem ("NAME must be ..."). */
  problem(message: string): void;
}

function settingsReader(env: Env, problems: string[]): SettingsReader {
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return typeof value !== 'string' || value.trim() === '' ? undefined : value;
  };
  return {
    raw,
    text: (name) => raw(name)?.trim(),
    required(name, purpose) {
      const value = raw(name)?.trim();
      if (value === undefined) problems.push(`${name} is not set: ${purpose}`);
      return value ?? '';
    },
    problem: (message) => void problems.push(message),
  };
}

/**
 * Runs `read` over the settings and throws one MISSING_CONFIG error naming every problem it
 * noted and where the settings were read from; otherwise returns what `read` returned.
 */
export function readSettings<T>(env: Env, source: SettingsSource, read: (settings: SettingsReader) => T): T {
  const problems: string[] = [];
  const value = read(settingsReader(env, problems));
  if (problems.length > 0) throw new AdminError('MISSING_CONFIG', settingsProblemsMessage(problems, source));
  return value;
}

/** AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET: each problem noted, none thrown. */
export function managementCredentialsFrom(settings: SettingsReader): ManagementCredentials {
  const domain = settings.required('AUTH0_DOMAIN', 'the tenant host, e.g. acme.eu.auth0.com');
  if (domain !== '' && !HOST.test(domain)) {
    settings.problem('AUTH0_DOMAIN must be a bare host name such as acme.eu.auth0.com (no https://, no path)');
  }
  const clientId = settings.required('AUTH0_CLIENT_ID', 'the machine-to-machine application allowed to call the Management API');
  const clientSecret = settings.required('AUTH0_CLIENT_SECRET', "that application's client secret");
  return { domain: domain.toLowerCase(), clientId, clientSecret };
}

export function readManagementCredentials(env: Env, source: SettingsSource = ENVIRONMENT_ONLY): ManagementCredentials {
  return readSettings(env, source, managementCredentialsFrom);
}

const REMOVE_FROM_AUTHY = '--remove-from-authy calls the Authy API with it';

export function readAuthyApiKey(env: Env, purpose = REMOVE_FROM_AUTHY, source: SettingsSource = ENVIRONMENT_ONLY): string {
  return readSettings(env, source, (settings) => settings.required('AUTHY_API_KEY', purpose));
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

/** The audit hash key (see readAuditKey); a too-short value is noted as a problem and null returned. */
export function auditKeyFrom(settings: SettingsReader): AuditKeySetting | null {
  for (const { name, derived } of AUDIT_KEY_VARIABLES) {
    const value = settings.raw(name);
    if (value === undefined) continue;
    if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) {
      settings.problem(`${name} must be at least ${MIN_SECRET_BYTES} bytes (the forms server refuses shorter ones)`);
      return null;
    }
    const key = derived ? auditKey({ auditHashKey: null, sharedSecret: value }) : auditKey({ auditHashKey: value, sharedSecret: '' });
    return { key, from: name };
  }
  return null;
}

/**
 * The key of the audit lines' user hash, as the forms server and the Action compute it: the
 * first of AUDIT_KEY_VARIABLES that is set (used as given, or HKDF-derived from a shared
 * secret); null when none is. A value shorter than the forms server accepts is refused.
 */
export function readAuditKey(env: Env, source: SettingsSource = ENVIRONMENT_ONLY): AuditKeySetting | null {
  return readSettings(env, source, auditKeyFrom);
}

/** What an admin command needs, read at once: one error names every gap. */
export interface AdminSettingsNeeds {
  /** The Authy API key is needed, for this purpose. */
  authy?: string;
  /** The Twilio Verify settings are needed, for this purpose. */
  verify?: string;
  /** The audit key is read (and checked) for --json. */
  auditKey?: boolean;
}

export interface AdminSettings {
  credentials: ManagementCredentials;
  authyApiKey: string | null;
  auditKey: AuditKeySetting | null;
  verify: VerifyApiSettings | null;
}

/** How the admin tools reach Twilio Verify: the forms server's names and values. */
export interface VerifyApiSettings {
  serviceSid: string;
  /** TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, or TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET. */
  username: string;
  password: string;
  identityKey: string;
  verifyApiUrl?: string;
}

/** The Verify settings, each missing one named (with the others) for `purpose`. */
function verifyApiFrom(settings: SettingsReader, purpose: string): VerifyApiSettings {
  const serviceSid = settings.required('VERIFY_SERVICE_SID', purpose);
  const identityKey = settings.required('VERIFY_IDENTITY_KEY', purpose);
  const apiKeyPair = settings.text('TWILIO_API_KEY_SID') !== undefined || settings.text('TWILIO_API_KEY_SECRET') !== undefined;
  const [userName, passwordName] = apiKeyPair
    ? ['TWILIO_API_KEY_SID', 'TWILIO_API_KEY_SECRET']
    : ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'];
  const other = apiKeyPair ? '' : ' (or the pair TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)';
  const username = settings.required(userName, `${purpose}${other}`);
  const password = settings.required(passwordName, `${purpose}, with ${userName}`);
  const verifyApiUrl = settings.text('VERIFY_API_URL');
  return { serviceSid, username, password, identityKey, ...(verifyApiUrl ? { verifyApiUrl } : {}) };
}

export function readAdminSettings(env: Env, source: SettingsSource, needs: AdminSettingsNeeds = {}): AdminSettings {
  return readSettings(env, source, (settings) => {
    const credentials = managementCredentialsFrom(settings);
    const authyApiKey = needs.authy !== undefined ? settings.required('AUTHY_API_KEY', needs.authy) : null;
    const key = needs.auditKey === true ? auditKeyFrom(settings) : null;
    const verify = needs.verify !== undefined ? verifyApiFrom(settings, needs.verify) : null;
    return { credentials, authyApiKey, auditKey: key, verify };
  });
}

/** The process environment over `.env` (the environment wins); neither is modified. */
export function loadEnvironment(base: Env = process.env, path = '.env'): Env {
  const fromFile: Record<string, string> = {};
  config({ path, processEnv: fromFile, quiet: true });
  return overlayEnvFile(fromFile, base);
}

/**
 * The settings of `--env <name>` (`.env.<name>`) or, without it, `.env`, found in `dir`, under
 * the process environment (env-files.ts); `file` is the file read, so the tool can say which.
 * A `--env` whose file does not exist stops the tool (exit 2), naming the files that do.
 */
export function loadNamedEnvironment(
  dir: string,
  envName: string | undefined,
  base: Env,
): { env: Env; file: string | null; source: SettingsSource } {
  try {
    const { values, source } = loadEnvFiles(dir, envName, base);
    return { env: values, file: source.file, source };
  } catch (error) {
    if (error instanceof EnvFileError) throw new AdminError('MISSING_CONFIG', error.message, error.details);
    throw error;
  }
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

/**
 * The Authy and Verify settings of `migrate-to-verify`; every missing one (and the Auth0 ones) is
 * named in one error, with where the settings were read from.
 */
export function readVerifyMigrationSettings(env: Env, source: SettingsSource = ENVIRONMENT_ONLY): VerifyMigrationSettings {
  return readSettings(env, source, (settings) => {
    // The Auth0 ones are read by readManagementCredentials; checked here too so that one run lists every gap.
    managementCredentialsFrom(settings);
    const purpose = 'migrate-to-verify exports seeds from Authy and creates Twilio Verify factors with them';
    const authyApiKey = settings.required('AUTHY_API_KEY', purpose);
    const verify = verifyApiFrom(settings, purpose);
    const authyApiUrl = settings.text('AUTHY_API_URL');
    return { authyApiKey, ...verify, ...(authyApiUrl ? { authyApiUrl } : {}) };
  });
}
