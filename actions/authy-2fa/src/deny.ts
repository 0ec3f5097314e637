/**
 * The Action's deny reasons: one text per way it denies a login, shared by the decisions and the
 * handlers (api.access.deny).
 */
import { relativeTime } from '../../../lib/relative-time';
import { utcMinute } from '../../../lib/utc-minute';

/** User-facing deny reasons. They reach the application as `error_description`: they name no secret and no internal detail. */
export const DENY = {
  misconfigured: (setting: string) => `Two-step verification is not configured correctly (${setting}). Please contact your administrator.`,
  nonInteractive: 'This sign-in method cannot complete two-step verification.',
  silent: 'Two-step verification needs an interactive sign-in.',
  locked: (until: Date, nowMs: number) =>
    `Too many wrong codes. Two-step verification is locked until ${utcMinute(until)} UTC (${relativeTime(until.getTime(), nowMs, 'en')}).`,
  cancelled: 'Two-step verification was cancelled.',
  invalidResult: 'Two-step verification could not be checked. Please try again.',
  otherDevice: 'This phone or app is not the one set up for two-step verification on this account.',
  notConfirmed: 'Two-step verification could not be confirmed with Authy. Please try again.',
  notConfirmedVerify: 'Two-step verification could not be confirmed. Please try again.',
  unknownProvider:
    'Two-step verification for this account is stored in a form this sign-in does not know. Please contact your administrator.',
  noEmail: 'An email address is needed to set up two-step verification.',
  unverifiedEmail: 'Verify your email address before setting up two-step verification.',
  recoveryRefused: 'That recovery code is not valid or was already used.',
  internal: 'Two-step verification failed. Please try again.',
} as const;
