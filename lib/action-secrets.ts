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
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Secrets that must be set; the others have defaults. */
export const REQUIRED_SECRETS: readonly SecretName[] = ['FORMS_URL', 'SHARED_SECRET', 'AUTHY_API_KEY'];

/** Shortest SHARED_SECRET the Action and the forms server accept. */
export const MIN_SECRET_BYTES = 32;
