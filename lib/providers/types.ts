/**
 * The second-factor provider: one small interface that Authy (lib/providers/authy.ts, on
 * lib/authy-client.ts) and Twilio Verify v2 (lib/providers/verify.ts) both implement, and that
 * the forms server and the Action use without knowing which one is behind it.
 *
 * A user's life: enroll, activate (first code), then each login checkCode or startPush + pushStatus,
 * finally remove. activate and the checks return an `Approved` for the signed result token, which
 * the Action hands to `confirm` (server to server).
 * - Authy keeps users (a phone, an Authy id) and sends codes itself; its app codes, SMS and voice
 *   codes and OneTouch pushes all hang on the Authy id.
 * - Verify keeps no phone and no email. A user is an Entity named by an opaque identity (an HMAC
 *   of the user id); authenticator-app codes are a TOTP Factor of that Entity (checked as
 *   Challenges); SMS and voice codes are Verifications sent to a phone number the caller keeps.
 *   Verify Push needs a mobile app built on Twilio's SDK, so this product has no push with Verify.
 *
 * Every method resolves with what it says or throws a ProviderError (nothing else): a wrong code
 * is WRONG_CODE, never a resolved `false`. Error messages never hold a credential, code or phone.
 */

export type ProviderName = 'authy' | 'verify';

/** How a code reaches the user when it is not read from an app. */
export type Channel = 'sms' | 'call';

/** How the user proved the second factor: an authenticator app code, an SMS or voice code, a push. */
export type Method = 'app' | Channel | 'push';

/** A phone number as the forms server parses it (digits only): E.164 is `+${countryCode}${national}`. */
export interface PhoneNumber {
  countryCode: string;
  national: string;
}

/**
 * What a provider needs to reach an enrolled user again. The caller stores it (app_metadata)
 * and hands it back; it holds no secret. Verify's `phone` is E.164 and only there when the user
 * gave one (Twilio does not keep it); `factorSid` only when the user has an authenticator app.
 */
export type Enrollment =
  { provider: 'authy'; authyId: string } | { provider: 'verify'; identity: string; factorSid: string | null; phone: string | null };

export interface EnrollInput {
  /** The Auth0 user id. Verify derives the Entity identity from it (HMAC); Authy ignores it. */
  userId: string;
  /** Authy requires it (users/new); Verify never sends it anywhere. */
  email: string;
  /** Authy requires it (an Authy user is a phone); Verify needs it for SMS and voice codes. */
  phone?: PhoneNumber;
  /** Verify: create a TOTP factor for an authenticator app (default true). Authy: its app comes with the phone. */
  app?: boolean;
  /** Verify: the account name an authenticator app shows (`FriendlyName`; Twilio advises no PII). */
  label?: string;
}

export interface Enrolled {
  enrollment: Enrollment;
  /**
   * Verify TOTP only: what the user adds to an authenticator app, a QR code of `uri`
   * (lib/providers/qr.ts) or `secret` (base32) typed in. Twilio returns it once, on creation: show
   * it on the enrollment page, never store or log it.
   */
  totp?: { uri: string; secret: string };
}

/** What the Action can be asked to confirm. */
export type ResultKind = 'enrollment' | 'code' | 'push';

/**
 * What a successful check names, for the signed result token (with the method, as `Approved`):
 * the Action hands it back to `confirm`. `id` is the provider's record of that success, or null when the provider keeps none:
 * Authy: enrollment = the Authy id, code = null, push = the approval request uuid.
 * Verify: enrollment = the factor SID (YF...) or the verification SID (VE...) of the first code,
 * code = the challenge SID (YC...) or the verification SID (VE...).
 */
export interface ResultRef {
  kind: ResultKind;
  id: string | null;
}

export interface Approved {
  method: Method;
  result: ResultRef;
}

export type PushStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface PushRequest {
  /** Shown on the phone. */
  message: string;
  /** Shown under the message, where the provider's client sends details (the Authy client does not, today). */
  details?: Record<string, string>;
  secondsToExpire: number;
}

export type UnconfirmedReason =
  /** Not approved yet (a pending push or challenge, an unregistered Authy user). */
  | 'pending'
  /** Denied, expired, canceled, or refused by the provider. */
  | 'rejected'
  /** The provider no longer has (or never had) the record. Verify deletes approved verifications. */
  | 'not_found'
  /** The record is of another user, entity, factor or phone, or of another kind than asked. */
  | 'mismatch'
  /** Approved, but longer ago than `maxAgeSeconds` (or dated in the future beyond clock skew). */
  | 'stale'
  /** This provider keeps nothing to confirm for this kind of result (Authy code checks). */
  | 'unconfirmable';

export type Confirmation = { confirmed: true } | { confirmed: false; reason: UnconfirmedReason };

export interface ConfirmOptions {
  /** How old the approval may be, where the provider dates it (Verify: `date_updated`). */
  maxAgeSeconds: number;
}

export interface ProviderCapabilities {
  /** Codes from an authenticator app (the Authy app; any TOTP app with Verify). */
  app: boolean;
  /** Channels `sendCode` accepts. */
  channels: readonly Channel[];
  /** `startPush` / `pushStatus` work (Authy OneTouch). */
  push: boolean;
  /** Enrollment gives a TOTP secret to show as a QR code (`Enrolled.totp`). */
  qrEnrollment: boolean;
  /** `enroll` needs a phone number (Authy) rather than only for SMS and voice (Verify). */
  phoneRequired: boolean;
  /**
   * What `confirm` can check server to server, by result kind and method. Elsewhere it answers
   * 'unconfirmable', or 'not_found' where the provider forgets approved records (Verify deletes
   * approved SMS/voice verifications: they are looked up, but a 404 is the documented outcome).
   */
  confirms: { enrollment: readonly Method[]; code: readonly Method[]; push: boolean };
}

/**
 * The provider. `enroll` and `remove` are for enrollment pages and admin scripts; `sendCode`,
 * `checkCode`, `startPush` and `pushStatus` for the forms server; `confirm` for the Action.
 */
export interface SecondFactorProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;

  /**
   * Starts an enrollment. Authy: registers the phone and email (users/new; the same phone gets
   * the same Authy id). Verify: with `app`, creates an unverified TOTP factor and returns its
   * secret and otpauth URI; the phone, if any, is only remembered in the Enrollment (Verify has no
   * phone store). Nothing is usable for sign-in until `activate` succeeds.
   */
  enroll(input: EnrollInput): Promise<Enrolled>;

  /**
   * Checks the first code of an enrollment and returns the (possibly updated) Enrollment.
   * Authy: verifies the code with force=true; the result names the Authy id, whose status (app
   * registered) the Action can confirm. Verify `app`: verifies the TOTP factor (factor status
   * `verified`); `sms`/`call`: checks the code sent by `sendCode` (VerificationCheck).
   */
  activate(enrollment: Enrollment, code: string, method: 'app' | Channel): Promise<Approved & { enrollment: Enrollment }>;

  /**
   * Sends a code by SMS or voice call. Authy: sms/call of the Authy id (force=true). Verify: starts
   * (or, within its 10 minutes, resends the same code of) a Verification to the enrollment's phone.
   */
  sendCode(enrollment: Enrollment, channel: Channel): Promise<void>;

  /**
   * Checks a sign-in code. `method` says where the user read it. Authy: any valid code of the user
   * (app, SMS or voice alike; nothing left to confirm later). Verify `app`: a Challenge on the TOTP
   * factor; `sms`/`call`: a VerificationCheck. Resolves only when approved; a wrong code throws
   * WRONG_CODE, a used-up verification or challenge MAX_ATTEMPTS, an expired one NOT_FOUND.
   */
  checkCode(enrollment: Enrollment, code: string, method: 'app' | Channel): Promise<Approved>;

  /** Sends a push approval request (Authy OneTouch). Throws UNSUPPORTED where `capabilities.push` is false. */
  startPush(enrollment: Enrollment, request: PushRequest): Promise<{ result: ResultRef }>;

  /** Where a push request stands; NOT_FOUND when it is unknown or belongs to another user. */
  pushStatus(enrollment: Enrollment, id: string): Promise<PushStatus>;

  /**
   * For the Action: whether what a result token names (the `Approved` a check returned) was
   * approved, for this enrollment (Authy id; Verify identity and factor, or phone and channel),
   * and recently where the provider dates it. Never trusts the token: an id that is malformed, of
   * another kind or of another method is 'mismatch', without a call. Only failures to ask
   * (credentials, rate limit, outage, malformed answer) throw.
   * Authy: enrollment = the user exists, is not disabled and, for `app`, has the app registered;
   * push = the approval request is approved and is this Authy id's. Verify: the factor is
   * `verified`, the challenge or verification `approved`, each of this identity/factor or phone,
   * and `date_updated` within `maxAgeSeconds`.
   */
  confirm(enrollment: Enrollment, approved: Approved, options: ConfirmOptions): Promise<Confirmation>;

  /** Removes the user from the provider (Authy user, Verify entity with its factors). Already gone is success. */
  remove(enrollment: Enrollment): Promise<void>;
}

/** The codes every provider's failures are reduced to. */
export type ProviderErrorCode =
  /** The code is wrong (or expired within a live challenge/verification). The user's fault; counts as a failure. */
  | 'WRONG_CODE'
  /** Right code, already used once (Authy 60019). Should cost the user no try. */
  | 'CODE_REUSED'
  /** This verification, challenge or factor has taken its last check (Verify 60202, 60308, 60310). */
  | 'MAX_ATTEMPTS'
  /** The provider's rate limit (Authy 60003; Verify 20429, 60203 sends, 60312 challenges). */
  | 'RATE_LIMITED'
  /** Wrong API key or account credentials (Authy 60001; Twilio 20003): a configuration error, never the user's. */
  | 'BAD_CREDENTIALS'
  /** The user, factor, verification or request does not exist (any more), or the factor is not verified (60318). */
  | 'NOT_FOUND'
  /** The phone number is refused as a number. */
  | 'INVALID_PHONE'
  /** The number exists but cannot receive codes: a landline (Authy 60082/60083, Verify 60205), an unsupported country. */
  | 'UNSUPPORTED_PHONE'
  /** A parameter was refused, or the enrollment is not this provider's or lacks what the call needs. */
  | 'INVALID_REQUEST'
  /** This provider cannot do that (push with Verify). */
  | 'UNSUPPORTED'
  /** Outage, 5xx, network failure, timeout, or an answer that is not what the provider documents. */
  | 'UNAVAILABLE';

// prettier-ignore
export const PROVIDER_ERROR_CODES: readonly ProviderErrorCode[] = [
  'WRONG_CODE', 'CODE_REUSED', 'MAX_ATTEMPTS', 'RATE_LIMITED', 'BAD_CREDENTIALS', 'NOT_FOUND',
  'INVALID_PHONE', 'UNSUPPORTED_PHONE', 'INVALID_REQUEST', 'UNSUPPORTED', 'UNAVAILABLE',
];

/** A provider call failed. The message is safe to log. */
export class ProviderError extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly provider: ProviderName,
    /** HTTP status of the provider's answer, when there was one. */
    readonly status?: number,
    /** The provider's own error code (Authy `error_code`, Twilio `code`), as text. */
    readonly providerCode?: string,
    /** True for a timeout (within UNAVAILABLE). */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Errors may come from another realm (vm contexts, test runners): look at the name and code, not the class. */
export function isProviderError(error: unknown): error is ProviderError {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'ProviderError' && typeof code === 'string' && (PROVIDER_ERROR_CODES as readonly string[]).includes(code);
}
