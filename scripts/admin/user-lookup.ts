/**
 * Finds the one user a support request is about, by user_id ("auth0|abc", "google-oauth2|123")
 * or by email. An email that matches several users (one per connection, say) is refused with
 * the list, so the operator picks the user_id: changing the wrong account is worse than asking.
 */
import { AdminError } from './errors';
import type { AdminApi, AdminUser } from './management';

const USER_ID = /^[A-Za-z0-9._-]+\|[^\s]{1,300}$/;
const EMAIL = /^[^\s@|]{1,200}@[^\s@|]{1,200}\.[^\s@|]{1,60}$/;

export type UserRef = { kind: 'user_id'; value: string } | { kind: 'email'; value: string };

export function parseUserRef(input: string | undefined): UserRef {
  const value = (input ?? '').trim();
  if (USER_ID.test(value)) return { kind: 'user_id', value };
  if (EMAIL.test(value)) return { kind: 'email', value };
  throw new AdminError(
    'BAD_USAGE',
    value === ''
      ? 'give a user id (e.g. auth0|64b0...) or an email address'
      : `"${value.slice(0, 80)}" is neither a user id (connection|id) nor an email address`,
  );
}

export async function findUser(api: AdminApi, ref: UserRef): Promise<AdminUser> {
  if (ref.kind === 'user_id') {
    const user = await api.getUser(ref.value);
    if (!user) throw new AdminError('USER_NOT_FOUND', `no user has the id ${ref.value}`);
    return user;
  }
  const users = await api.usersByEmail(ref.value);
  if (users.length === 0) {
    throw new AdminError(
      'USER_NOT_FOUND',
      `no user has the email ${ref.value} (the lookup is case-sensitive; Auth0 database users are stored in lower case)`,
    );
  }
  if (users.length > 1) {
    throw new AdminError(
      'AMBIGUOUS_USER',
      `${users.length} users have the email ${ref.value}; run the command again with one user id:`,
      users.map((u) => `  ${u.user_id}  (connection: ${u.connection ?? 'unknown'})`),
    );
  }
  return users[0];
}
