/**
 * The names of the Action's secrets (`event.secrets`), shared by the Action, which reads them,
 * and the deploy, which maps each one to a tenant.yaml keyword (scripts/deploy/keywords.ts).
 */

/** Every secret the Action reads. tenant.yaml must map each of them (see scripts/deploy). */
export const SECRET_NAMES = [
  'FORMS_URL',
  'SHARED_SECRET',
  'AUTHY_API_KEY',
  'AUTHY_API_URL',
  'AUTHY_TIMEOUT_MS',
  'MAX_FAILURES',
  'LOCK_MINUTES',
  'EXEMPT_CLIENT_IDS',
  'EXEMPT_CONNECTIONS',
  'ALLOW_NON_INTERACTIVE',
  'CLAIM_NAMESPACE',
  'REQUIRE_VERIFIED_EMAIL',
  'AUDIT_HASH_KEY',
  'PROVIDER',
  'VERIFY_SERVICE_SID',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_API_KEY_SID',
  'TWILIO_API_KEY_SECRET',
  'VERIFY_IDENTITY_KEY',
  'VERIFY_API_URL',
  'REMEMBER_DAYS',
  'MOVE_TO_VERIFY',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Secrets that must be set with the default PROVIDER (authy); the others have defaults. */
export const REQUIRED_SECRETS: readonly SecretName[] = ['FORMS_URL', 'SHARED_SECRET', 'AUTHY_API_KEY'];

/**
 * Secrets that must be set with PROVIDER=verify. The Twilio credentials are one of two pairs
 * (TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN, or TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET), which
 * the settings parser checks. AUTHY_API_KEY is then optional: users still enrolled with Authy need
 * it only where the Action confirms with Authy (a push approval).
 */
export const REQUIRED_VERIFY_SECRETS: readonly SecretName[] = ['FORMS_URL', 'SHARED_SECRET', 'VERIFY_SERVICE_SID', 'VERIFY_IDENTITY_KEY'];

/** The secrets that must be set when PROVIDER has this value (anything but verify is checked as authy, then refused by the parser). */
export function requiredSecrets(provider: string | undefined): readonly SecretName[] {
  return provider?.trim() === 'verify' ? REQUIRED_VERIFY_SECRETS : REQUIRED_SECRETS;
}

/** Shortest SHARED_SECRET the Action and the forms server accept. */
export const MIN_SECRET_BYTES = 32;
