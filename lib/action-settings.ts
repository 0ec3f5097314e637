/**
 * The Action's settings, read from its secrets (`event.secrets`). Each is parsed once per
 * execution; a missing or malformed one yields a SettingsError naming the setting, so the
 * admin can fix it, and the login is denied (fail closed). In lib/ because the deploy checks
 * each value with this same parser before it sends anything to Auth0.
 */
import { MIN_SECRET_BYTES, type SecretName } from './action-secrets';
import { valueReader, type ValueProblem, type ValueReader, type Values } from './env-values';
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
  /**
   * A user who is not enrolled yet may enroll a phone only with a verified email (default: on).
   * Without it, whoever knows the password of an unenrolled account can enroll their own phone.
   */
  requireVerifiedEmail: boolean;
  /** Key of the audit lines' user hash (AUDIT_HASH_KEY, as given); null: derived from SHARED_SECRET (lib/audit.ts). */
  auditHashKey: string | null;
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

/** The Action's wording for each kind of bad value (the deploy prints these too). */
function problemText(name: SecretName, problem: ValueProblem): string {
  switch (problem.kind) {
    case 'not-text':
      return `${name} must be text`;
    case 'missing':
      return `${name} is not set`;
    case 'not-whole-number':
      return `${name} must be a whole number`;
    case 'out-of-range':
      return `${name} must be between ${problem.min} and ${problem.max}`;
    case 'not-flag':
      return `${name} must be true or false`;
    case 'not-url':
      return `${name} must be an absolute https URL`;
  }
}

function secretsReader(secrets: Values): ValueReader<SecretName> {
  return valueReader<SecretName>(secrets, (name, problem) => new SettingsError(name, problemText(name, problem)));
}

/** LOCK_MINUTES may be fractional (0.1 = 6 s) so that tests and demos need not wait 15 minutes. */
function lockSeconds(read: ValueReader<SecretName>): number {
  const value = read.text('LOCK_MINUTES');
  if (value === undefined) return 15 * 60;
  if (!/^[0-9]{1,5}(\.[0-9]{1,3})?$/.test(value)) throw new SettingsError('LOCK_MINUTES', 'LOCK_MINUTES must be a number of minutes');
  const seconds = Math.round(Number(value) * 60);
  if (seconds < 3 || seconds > 7 * 24 * 3600) throw new SettingsError('LOCK_MINUTES', 'LOCK_MINUTES must be between 0.05 and 10080');
  return seconds;
}

/** AUDIT_HASH_KEY: optional, at least MIN_SECRET_BYTES when set, used exactly as given (as the forms server does). */
function auditHashKey(read: ValueReader<SecretName>): string | null {
  const key = read.raw('AUDIT_HASH_KEY');
  if (key !== undefined && Buffer.byteLength(key, 'utf8') < MIN_SECRET_BYTES) {
    throw new SettingsError('AUDIT_HASH_KEY', `AUDIT_HASH_KEY must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return key ?? null;
}

/** Parses the Action's secrets. Throws SettingsError for the first missing or malformed one. */
export function parseSettings(secrets: Record<string, unknown>): Settings {
  const read = secretsReader(secrets);
  const formsUrl = read.url('FORMS_URL');

  const sharedSecret = read.required('SHARED_SECRET');
  if (Buffer.byteLength(sharedSecret, 'utf8') < MIN_SECRET_BYTES) {
    throw new SettingsError('SHARED_SECRET', `SHARED_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }

  const authyApiKey = read.required('AUTHY_API_KEY');
  const authyApiUrl = read.url('AUTHY_API_URL', 'https://api.authy.com');

  const namespace = read.text('CLAIM_NAMESPACE') ?? `${formsUrl.origin}/`;
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
    authyTimeoutMs: read.integer('AUTHY_TIMEOUT_MS', 5000, 500, 8000),
    maxFailures: read.integer('MAX_FAILURES', 5, 1, 100),
    lockSeconds: lockSeconds(read),
    exemptClientIds: new Set(read.list('EXEMPT_CLIENT_IDS')),
    exemptConnections: new Set(read.list('EXEMPT_CONNECTIONS')),
    allowNonInteractive: read.flag('ALLOW_NON_INTERACTIVE', false),
    claimNamespace: namespace,
    requireVerifiedEmail: read.flag('REQUIRE_VERIFIED_EMAIL', true),
    auditHashKey: auditHashKey(read),
  };
}
