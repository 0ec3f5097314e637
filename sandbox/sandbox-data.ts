/**
 * What the sandbox keeps between runs in its data folder (sandbox/.data by default): the demo
 * users' metadata (enrollments, wrong-code counters) and the Authy emulator's users, next to the
 * generated secrets and signing key. `npm start -- --fresh` and `npm run sandbox:reset` remove the
 * state, so every demo user is new again; secrets and keys stay (they hold no login state).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { demoUsers } from './tenant/demo-users';
import { createUserStore, type SeedUser } from './tenant/user-store';

/** The tenant's user data file in a data folder. */
export const usersFile = (dataDir: string): string => join(dataDir, 'users.json');

const STATE_FILES = ['users.json', 'authy-emulator.json'];

/** Removes the saved login state; returns the files it removed. */
export function resetSandboxData(dataDir: string): string[] {
  const removed = STATE_FILES.map((name) => join(dataDir, name)).filter((file) => existsSync(file));
  for (const file of removed) rmSync(file, { force: true });
  return removed;
}

/** The demo users as they are now (enrolled, locked or new), read from the data folder. */
export function demoUsersNow(seeds: readonly SeedUser[], dataDir: string): SeedUser[] {
  const store = createUserStore([...seeds], usersFile(dataDir));
  return demoUsers(seeds, (id) => store.get(id));
}

/** True when the command line asks for a clean start (`--fresh`). */
export function wantsFresh(argv: readonly string[]): boolean {
  return argv.includes('--fresh');
}
