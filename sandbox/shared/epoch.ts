/**
 * Epoch time in the sandbox: JavaScript clocks count milliseconds, JWT and OIDC claims
 * (`iat`, `exp`, `auth_time`) count whole seconds. Values say which in their names
 * (`expiresAtMs`, `authTimeSec`); this is the one place that converts.
 */

/** Whole seconds since the epoch of a millisecond time (default: now). */
export function toEpochSec(epochMs: number = Date.now()): number {
  return Math.floor(epochMs / 1000);
}
