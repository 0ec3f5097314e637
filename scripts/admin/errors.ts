/**
 * Named errors of the admin tools. Each carries a stable `code` and the process exit status
 * the CLI returns; the message is written for support staff and never holds a secret.
 */

export type AdminErrorCode =
  /** A required environment variable is missing or malformed. */
  | 'MISSING_CONFIG'
  /** The command line is wrong. */
  | 'BAD_USAGE'
  /** No user matches the given id or email. */
  | 'USER_NOT_FOUND'
  /** An email matches several users. */
  | 'AMBIGUOUS_USER'
  /** The operator did not confirm, or could not be asked. */
  | 'NOT_CONFIRMED'
  /** Auth0 kept answering 429 past the retry budget. */
  | 'RATE_LIMITED'
  /** The Management API (or the export download) failed. */
  | 'API_ERROR'
  /** A host (the tenant, Authy, the export download) could not be reached: DNS, refused, TLS, timeout. */
  | 'UNREACHABLE'
  /** The user export job failed or its file could not be read. */
  | 'EXPORT_FAILED'
  /** The checkpoint file belongs to another tenant or cannot be read. */
  | 'BAD_CHECKPOINT'
  /** An Authy call (removing or registering a user) failed. */
  | 'AUTHY_FAILED'
  /** reset-2fa --remove-from-verify: Twilio Verify did not delete the factor (nothing was written in Auth0). */
  | 'VERIFY_FAILED'
  /** enroll-2fa: the user is enrolled already and --force was not given. */
  | 'ALREADY_ENROLLED';

const EXIT: Record<AdminErrorCode, number> = {
  MISSING_CONFIG: 2,
  BAD_USAGE: 2,
  USER_NOT_FOUND: 3,
  AMBIGUOUS_USER: 3,
  NOT_CONFIRMED: 4,
  RATE_LIMITED: 5,
  API_ERROR: 1,
  UNREACHABLE: 1,
  EXPORT_FAILED: 1,
  BAD_CHECKPOINT: 2,
  AUTHY_FAILED: 1,
  VERIFY_FAILED: 1,
  ALREADY_ENROLLED: 6,
};

export class AdminError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    /** Extra lines printed under the message (e.g. the users an ambiguous email matched). */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'AdminError';
    this.exitCode = EXIT[code];
  }
}
