/**
 * The one place where epoch values change unit. Names elsewhere say their unit
 * (`expiresAtMs`, `issuedAtSec`); JWT claims (`exp`, `iat`) are whole seconds, clocks are ms.
 */

/** Whole seconds (rounded down) for a millisecond value. */
export function msToSec(ms: number): number {
  return Math.floor(ms / 1000);
}

export function secToMs(sec: number): number {
  return sec * 1000;
}

/** The current time in whole seconds, from a millisecond clock. */
export function nowSec(nowMs: () => number = Date.now): number {
  return msToSec(nowMs());
}

/** Whole seconds from `nowMs` until `targetMs`, rounded up (0 or less once it has passed). */
export function secondsUntil(targetMs: number, nowMs: number): number {
  return Math.ceil((targetMs - nowMs) / 1000);
}

/** Whole seconds (rounded up) for a millisecond value: a deadline never shown earlier than it is. */
export function msToSecCeil(ms: number): number {
  return Math.ceil(ms / 1000);
}

/** A duration in seconds, with fractions, for people: `durationSec(2500).toFixed(1)` is "2.5". */
export function durationSec(ms: number): number {
  return ms / 1000;
}
