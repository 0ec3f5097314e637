/**
 * The Action's settings, read from its secrets (`event.secrets`). Each is parsed once per
 * execution; a missing or malformed one yields a SettingsError naming the setting, so the
 * admin can fix it, and the login is denied (fail closed). In lib/ because the deploy checks
 * each value with this same parser before it sends anything to Auth0.
 */
import { MIN_SECRET_BYTES, type SecretName } from './action-secrets';
import { valueReader, type ValueProblem, type ValueReader, type Values } from './env-values';
import { MAX_REMEMBER_DAYS, MIN_REMEMBER_DAYS } from './remembered-devices';
import { parseServiceUrl } from './service-url';

/** How the Action reaches Twilio Verify (lib/providers/verify.ts takes these). */
export interface VerifySettings {
  serviceSid: string;
  /** TWILIO_ACCOUNT_SID (AC...) or TWILIO_API_KEY_SID (SK...): the Basic auth user name. */
  username: string;
  /** TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SECRET. */
  password: string;
  /**
   * VERIFY_IDENTITY_KEY: the key of the HMAC that turns a user id into the Verify Entity identity.
   * Changing it loses every Verify user's factor (their identity changes): never without migrating them.
   */
  identityKey: string;
  /** VERIFY_API_URL's origin (default https://verify.twilio.com; http only on localhost, for the sandbox). */
  apiUrl: string;
}

export interface Settings {
  /** The forms server page the Action redirects to. */
  formsUrl: URL;
  /** Origin of the forms server: the `iss` its result tokens must carry. */
  formsOrigin: string;
  sharedSecret: string;
  /** How NEW users enroll (PROVIDER, default authy). Enrolled users keep the provider their record names. */
  provider: 'authy' | 'verify';
  /** Required with PROVIDER=authy; with verify, null when unset (Authy users then cannot be confirmed with Authy). */
  authyApiKey: string | null;
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
  /** Twilio Verify: required with PROVIDER=verify; otherwise set when VERIFY_SERVICE_SID is (users enrolled with Verify), else null. */
  verify: VerifySettings | null;
  /** "Remember this device" for REMEMBER_DAYS days (1-90); null: off (the default). lib/remembered-devices.ts. */
  rememberDays: number | null;
  /**
   * MOVE_TO_VERIFY (default off; needs PROVIDER=verify): a user still enrolled with Authy, once they
   * have passed their Authy step, sets up an authenticator app with Verify in the same login, and
   * is a Verify user from then on (the users `migrate-to-verify` could not move from a seed).
   */
  moveToVerify: boolean;
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

const SID = {
  service: /^VA[0-9a-fA-F]{32}$/,
  account: /^AC[0-9a-fA-F]{32}$/,
  apiKey: /^SK[0-9a-fA-F]{32}$/,
};

function provider(read: ValueReader<SecretName>): 'authy' | 'verify' {
  const value = read.text('PROVIDER') ?? 'authy';
  if (value !== 'authy' && value !== 'verify') throw new SettingsError('PROVIDER', 'PROVIDER must be authy or verify');
  return value;
}

function sid(read: ValueReader<SecretName>, name: SecretName, pattern: RegExp, what: string): string {
  const value = read.required(name);
  if (!pattern.test(value)) throw new SettingsError(name, `${name} must be ${what}`);
  return value;
}

/** The Twilio credentials: an account SID with its auth token, or an API key SID with its secret (not both, not half). */
function twilioCredentials(read: ValueReader<SecretName>): { username: string; password: string } {
  const apiKey = read.text('TWILIO_API_KEY_SID') !== undefined || read.raw('TWILIO_API_KEY_SECRET') !== undefined;
  const account = read.text('TWILIO_ACCOUNT_SID') !== undefined || read.raw('TWILIO_AUTH_TOKEN') !== undefined;
  if (apiKey && account) {
    throw new SettingsError(
      'TWILIO_API_KEY_SID',
      'set TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET, not both',
    );
  }
  if (apiKey) {
    const username = sid(read, 'TWILIO_API_KEY_SID', SID.apiKey, 'an API key SID (SK followed by 32 hex digits)');
    return { username, password: read.required('TWILIO_API_KEY_SECRET') };
  }
  const username = sid(read, 'TWILIO_ACCOUNT_SID', SID.account, 'an Account SID (AC followed by 32 hex digits)');
  return { username, password: read.required('TWILIO_AUTH_TOKEN') };
}

/** Verify's settings: required with PROVIDER=verify, read whenever VERIFY_SERVICE_SID is set (a tenant moving back to Authy). */
function verifySettings(read: ValueReader<SecretName>, required: boolean): VerifySettings | null {
  if (!required && read.text('VERIFY_SERVICE_SID') === undefined) return null;
  const serviceSid = sid(read, 'VERIFY_SERVICE_SID', SID.service, 'a Verify Service SID (VA followed by 32 hex digits)');
  const { username, password } = twilioCredentials(read);
  const identityKey = read.required('VERIFY_IDENTITY_KEY');
  if (Buffer.byteLength(identityKey, 'utf8') < MIN_SECRET_BYTES) {
    throw new SettingsError('VERIFY_IDENTITY_KEY', `VERIFY_IDENTITY_KEY must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const apiUrl = read.url('VERIFY_API_URL', 'https://verify.twilio.com');
  if (apiUrl.pathname !== '/' || apiUrl.search !== '')
    throw new SettingsError('VERIFY_API_URL', 'VERIFY_API_URL must be an origin, without a path');
  return { serviceSid, username, password, identityKey, apiUrl: apiUrl.origin };
}

/**
 * The Verify settings alone, from the same names (the forms server reads them from its
 * environment): null when VERIFY_SERVICE_SID is unset and `required` is false. Throws SettingsError.
 */
export function parseVerifySettings(values: Record<string, unknown>, required: boolean): VerifySettings | null {
  return verifySettings(secretsReader(values), required);
}

/** Parses the Action's secrets. Throws SettingsError for the first missing or malformed one. */
export function parseSettings(secrets: Record<string, unknown>): Settings {
  const read = secretsReader(secrets);
  const formsUrl = read.url('FORMS_URL');

  const sharedSecret = read.required('SHARED_SECRET');
  if (Buffer.byteLength(sharedSecret, 'utf8') < MIN_SECRET_BYTES) {
    throw new SettingsError('SHARED_SECRET', `SHARED_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }

  const chosen = provider(read);
  const moveToVerify = read.flag('MOVE_TO_VERIFY', false);
  if (moveToVerify && chosen !== 'verify') throw new SettingsError('MOVE_TO_VERIFY', 'MOVE_TO_VERIFY needs PROVIDER=verify');
  const authyApiKey = chosen === 'authy' ? read.required('AUTHY_API_KEY') : (read.text('AUTHY_API_KEY') ?? null);
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
    provider: chosen,
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
    verify: verifySettings(read, chosen === 'verify'),
    rememberDays: read.text('REMEMBER_DAYS') === undefined ? null : read.integer('REMEMBER_DAYS', 0, MIN_REMEMBER_DAYS, MAX_REMEMBER_DAYS),
    moveToVerify,
  };
}
