/**
 * The Action's settings, read from its secrets (`event.secrets`). Each is parsed once per
 * execution; a missing or malformed one yields a SettingsError naming the setting, so the
 * admin can fix it, and the login is denied (fail closed). In lib/ because the deploy checks
 * each value with this same parser before it sends anything to Auth0.
 */
import { MIN_SECRET_BYTES, type SecretName } from './action-secrets';
import { parseServiceUrl } from './service-url';

export interface Settings {
  /** The forms server page the Action redirects to. */
  formsUrl: URL;
  /** Origin of the forms server: the `iss` its result tokens must carry. */
  formsOrigin: string;
  sharedSecret: string;
  authyApiKey: string;
  authyApiUrl: string;
  authyTimeoutMs: number;
  maxFailures: number;
  lockSeconds: number;
  exemptClientIds: ReadonlySet<string>;
  exemptConnections: ReadonlySet<string>;
  /** Let password grants and other flows that cannot redirect through without 2FA (default: deny them). */
  allowNonInteractive: boolean;
  /** Prefix of the ID-token claim that says 2FA was done, e.g. `https://2fa.example.com/`. */
  claimNamespace: string;
}

/** A setting is missing or malformed. `setting` names it; the message says what is wrong. */
export class SettingsError extends Error {
  constructor(
    readonly setting: SecretName,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

function text(secrets: Record<string, unknown>, name: SecretName): string | undefined {
  const value = secrets[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SettingsError(name, `${name} must be text`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function required(secrets: Record<string, unknown>, name: SecretName): string {
  const value = text(secrets, name);
  if (value === undefined) throw new SettingsError(name, `${name} is not set`);
  return value;
}

function integer(secrets: Record<string, unknown>, name: SecretName, fallback: number, min: number, max: number): number {
  const value = text(secrets, name);
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value)) throw new SettingsError(name, `${name} must be a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new SettingsError(name, `${name} must be between ${min} and ${max}`);
  return n;
}

/** LOCK_MINUTES may be fractional (0.1 = 6 s) so that tests and demos need not wait 15 minutes. */
function lockSeconds(secrets: Record<string, unknown>): number {
  const value = text(secrets, 'LOCK_MINUTES');
  if (value === undefined) return 15 * 60;
  if (!/^[0-9]{1,5}(\.[0-9]{1,3})?$/.test(value)) throw new SettingsError('LOCK_MINUTES', 'LOCK_MINUTES must be a number of minutes');
  const seconds = Math.round(Number(value) * 60);
  if (seconds < 3 || seconds > 7 * 24 * 3600) throw new SettingsError('LOCK_MINUTES', 'LOCK_MINUTES must be between 0.05 and 10080');
  return seconds;
}

function list(secrets: Record<string, unknown>, name: SecretName): ReadonlySet<string> {
  const value = text(secrets, name);
  if (value === undefined) return new Set();
  return new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''));
}

function flag(secrets: Record<string, unknown>, name: SecretName): boolean {
  const value = text(secrets, name);
  if (value === undefined) return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new SettingsError(name, `${name} must be true or false`);
}

/** Parses the Action's secrets. Throws SettingsError for the first missing or malformed one. */
export function parseSettings(secrets: Record<string, unknown>): Settings {
  const formsUrl = parseServiceUrl(required(secrets, 'FORMS_URL'));
  if (!formsUrl) throw new SettingsError('FORMS_URL', 'FORMS_URL must be an absolute https URL');

  const sharedSecret = required(secrets, 'SHARED_SECRET');
  if (Buffer.byteLength(sharedSecret, 'utf8') < MIN_SECRET_BYTES) {
    throw new SettingsError('SHARED_SECRET', `SHARED_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }

  const authyApiKey = required(secrets, 'AUTHY_API_KEY');
  const authyApiUrl = parseServiceUrl(text(secrets, 'AUTHY_API_URL') ?? 'https://api.authy.com');
  if (!authyApiUrl) throw new SettingsError('AUTHY_API_URL', 'AUTHY_API_URL must be an absolute https URL');

  const namespace = text(secrets, 'CLAIM_NAMESPACE') ?? `${formsUrl.origin}/`;
  const namespaceUrl = parseServiceUrl(namespace);
  if (!namespaceUrl || !namespace.endsWith('/')) {
    throw new SettingsError('CLAIM_NAMESPACE', 'CLAIM_NAMESPACE must be an https URL ending with /');
  }

  return {
    formsUrl,
    formsOrigin: formsUrl.origin,
    sharedSecret,
    authyApiKey,
    authyApiUrl: authyApiUrl.origin,
    authyTimeoutMs: integer(secrets, 'AUTHY_TIMEOUT_MS', 5000, 500, 8000),
    maxFailures: integer(secrets, 'MAX_FAILURES', 5, 1, 100),
    lockSeconds: lockSeconds(secrets),
    exemptClientIds: list(secrets, 'EXEMPT_CLIENT_IDS'),
    exemptConnections: list(secrets, 'EXEMPT_CONNECTIONS'),
    allowNonInteractive: flag(secrets, 'ALLOW_NON_INTERACTIVE'),
    claimNamespace: namespace,
  };
}
