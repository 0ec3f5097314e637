/**
 * Each demo user's real state, for the login page and the `npm start` banner: enrolled data
 * survives restarts in sandbox/.data, so "new user" is only said of a user who has not enrolled.
 */
import { isEnrolled, readEnrollment } from '../../lib/enrollment';
import type { StoredUser } from './post-login-event';
import type { SeedUser } from './user-store';

/** "enrolled (Authy): asks for a code", "locked until 14:05 UTC", or the seed's note for a user still new. */
export function demoUserState(seed: SeedUser, stored: StoredUser | null, nowMs = Date.now()): string {
  const state = readEnrollment(stored?.app_metadata);
  if (state.lockedUntilMs !== null && state.lockedUntilMs > nowMs) {
    return `locked until ${new Date(state.lockedUntilMs).toISOString().slice(11, 16)} UTC (too many wrong codes)`;
  }
  if (isEnrolled(state)) {
    const provider = state.provider === 'verify' ? 'authenticator app' : 'Authy';
    const tries = state.failures > 0 ? `, ${state.failures} wrong code${state.failures === 1 ? '' : 's'} counted` : '';
    return `enrolled (${provider}): asks for a code${tries}`;
  }
  return seed.note ?? 'new user: enrolls on first sign-in';
}

/** The seed users with their notes replaced by their real state. */
export function demoUsers(seeds: readonly SeedUser[], get: (userId: string) => StoredUser | null, nowMs = Date.now()): SeedUser[] {
  return seeds.map((seed) => ({ ...seed, note: demoUserState(seed, get(seed.user_id), nowMs) }));
}
