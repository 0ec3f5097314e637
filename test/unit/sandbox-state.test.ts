/**
 * The sandbox says each demo user's real state (enrollments survive restarts in its data folder),
 * `--fresh` / `npm run sandbox:reset` forget them, and the emulator's phone page shows each user's
 * current number only.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentPhones } from '../../sandbox/authy-emulator/current-phones';
import type { UserRecord } from '../../sandbox/authy-emulator/store';
import { resetSandboxData, wantsFresh } from '../../sandbox/sandbox-data';
import { demoUsers } from '../../sandbox/tenant/demo-users';
import { createUserStore, type SeedUser } from '../../sandbox/tenant/user-store';

const ALICE: SeedUser = { user_id: 'auth0|a', email: 'alice@example.com', password: 'alice-demo-pass', name: 'Alice', note: 'new user' };
/** The demo users as the tenant's user store reads them from the data folder (what the banner shows). */
function demoUsersNow(seeds: SeedUser[], dir: string): SeedUser[] {
  const store = createUserStore(seeds, join(dir, 'users.json'));
  return demoUsers(seeds, (id) => store.get(id));
}

const BOB: SeedUser = { user_id: 'auth0|b', email: 'bob@example.com', password: 'bob-demo-pass', name: 'Bob', note: 'another new user' };

describe('the demo users as they are now', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('an enrolled user is no longer called new; a locked one says until when; --fresh forgets both', () => {
    const lockedUntil = new Date(Date.now() + 10 * 60_000).toISOString();
    const users = {
      'auth0|a': { app_metadata: { authy_2fa: { v: 1, authy_id: '7', failures: 2 } }, user_metadata: {}, logins_count: 1, updated_at: '' },
      'auth0|b': {
        app_metadata: { authy_2fa: { v: 1, authy_id: '8', failures: 5, locked_until: lockedUntil } },
        user_metadata: {},
        logins_count: 1,
        updated_at: '',
      },
    };
    writeFileSync(join(dir, 'users.json'), JSON.stringify({ v: 1, users }));
    writeFileSync(join(dir, 'authy-emulator.json'), '{}');
    writeFileSync(join(dir, 'secrets.json'), '{}');
    const notes = demoUsersNow([ALICE, BOB], dir).map((u) => u.note);
    expect(notes[0]).toBe('enrolled (Authy): asks for a code, 2 wrong codes counted');
    expect(notes[1]).toBe(`locked until ${lockedUntil.slice(11, 16)} UTC (too many wrong codes)`);

    expect(resetSandboxData(dir)).toHaveLength(2);
    expect(existsSync(join(dir, 'secrets.json'))).toBe(true);
    expect(demoUsersNow([ALICE, BOB], dir).map((u) => u.note)).toEqual(['new user', 'another new user']);
    expect(resetSandboxData(dir)).toEqual([]);
  });

  test('--fresh is read from the command line', () => {
    expect(wantsFresh(['--fresh'])).toBe(true);
    expect(wantsFresh(['--provider', 'verify'])).toBe(false);
  });
});

describe('the phone page shows each user their current number', () => {
  const user = (id: number, email: string, createdAt: string, registeredAt?: string): UserRecord => ({
    id,
    email,
    countryCode: '1',
    cellphone: `20155501${id}`,
    seed: '0'.repeat(40),
    createdAt,
    ...(registeredAt ? { registeredAt } : {}),
    registered: false,
    disabled: false,
    removed: false,
    usedCodes: [],
    messages: [],
  });

  test('after "Use another number" only the new number is shown; a number registered again counts as current', () => {
    const old = user(1, 'alice@example.com', '2030-01-01T10:00:00.000Z');
    const changed = user(2, 'alice@example.com', '2030-01-01T10:01:00.000Z');
    const bob = user(3, 'bob@example.com', '2030-01-01T09:00:00.000Z');
    expect(currentPhones([old, changed, bob]).map((u) => u.id)).toEqual([2, 3]);
    const back = { ...old, registeredAt: '2030-01-01T10:05:00.000Z' };
    expect(currentPhones([back, changed, bob]).map((u) => u.id)).toEqual([1, 3]);
  });
});
