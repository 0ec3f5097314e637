/**
 * The phones the phone page shows: one per user (email), the number registered last, newest
 * first. A number left behind by "Use another number" or a re-enrollment is no longer that
 * user's phone, so its card would only mislead.
 */
import type { UserRecord } from './store';

function registeredAt(user: UserRecord): string {
  return user.registeredAt ?? user.createdAt;
}

export function currentPhones(users: readonly UserRecord[]): UserRecord[] {
  const newestFirst = [...users].sort((a, b) =>
    registeredAt(a) < registeredAt(b) ? 1 : registeredAt(a) > registeredAt(b) ? -1 : b.id - a.id,
  );
  const seen = new Set<string>();
  return newestFirst.filter((user) => {
    const key = user.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
