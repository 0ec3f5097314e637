/**
 * What the sandbox keeps between runs in its data folder (sandbox/.data by default): the demo
 * users' metadata (enrollments, wrong-code counters) and the Authy emulator's users, next to the
 * generated secrets and signing key. `npm start -- --fresh` and `npm run sandbox:reset` remove the
 * state, so every demo user is new again; secrets and keys stay (they hold no login state).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const STATE_FILES = ['users.json', 'authy-emulator.json'];

/** Removes the saved login state; returns the files it removed. */
export function resetSandboxData(dataDir: string): string[] {
  const removed = STATE_FILES.map((name) => join(dataDir, name)).filter((file) => existsSync(file));
  for (const file of removed) rmSync(file, { force: true });
  return removed;
}

/** True when the command line asks for a clean start (`--fresh`). */
export function wantsFresh(argv: readonly string[]): boolean {
  return argv.includes('--fresh');
}
