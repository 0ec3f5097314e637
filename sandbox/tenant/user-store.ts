/**
 * The stand-in tenant's user database: demo users from the seed file (with the passwords the
 * login page shows), plus what logins changed (metadata, login count) kept in a JSON file so
 * that enrollment survives a restart. Without a data file, everything stays in memory.
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoredUser } from './post-login-event';
import { mergeMetadata } from './post-login-runtime';

export interface SeedUser {
  user_id: string;
  email: string;
  password: string;
  name: string;
  note?: string;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the seed file's content; throws naming the first bad entry. */
export function parseSeedUsers(raw: unknown): SeedUser[] {
  const list = isObject(raw) && Array.isArray(raw.users) ? raw.users : null;
  if (!list) throw new Error('seed users: expected { "users": [...] }');
  return list.map((entry, i) => {
    if (!isObject(entry)) throw new Error(`seed users: entry ${i} is not an object`);
    for (const field of ['user_id', 'email', 'password', 'name'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') throw new Error(`seed users: entry ${i} has no ${field}`);
    }
    return {
      user_id: entry.user_id as string,
      email: (entry.email as string).toLowerCase(),
      password: entry.password as string,
      name: entry.name as string,
      ...(typeof entry.note === 'string' ? { note: entry.note } : {}),
      ...(isObject(entry.app_metadata) ? { app_metadata: entry.app_metadata } : {}),
      ...(isObject(entry.user_metadata) ? { user_metadata: entry.user_metadata } : {}),
    };
  });
}

export function readSeedFile(file: string): SeedUser[] {
  return parseSeedUsers(JSON.parse(readFileSync(file, 'utf8')));
}

export interface UserStore {
  seeds(): readonly SeedUser[];
  get(userId: string): StoredUser | null;
  /** Checks email and password (constant time on the password); returns the user or null. */
  authenticate(email: string, password: string): StoredUser | null;
  /** Applies batched metadata changes (null removes a key) and saves. */
  applyMetadata(userId: string, app: Record<string, unknown>, user: Record<string, unknown>): void;
  countLogin(userId: string): StoredUser | null;
}

interface DataFile {
  v: 1;
  /** By user id; a user without an entry has the seed's data. */
  users: Partial<Record<string, Pick<StoredUser, 'app_metadata' | 'user_metadata' | 'logins_count' | 'updated_at'>>>;
}

function readDataFile(file: string | undefined): DataFile {
  if (!file || !existsSync(file)) return { v: 1, users: {} };
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(raw) || !isObject(raw.users)) throw new Error(`${file} is not a sandbox user data file`);
  const users: DataFile['users'] = {};
  for (const [id, value] of Object.entries(raw.users)) {
    if (!isObject(value)) continue;
    users[id] = {
      app_metadata: isObject(value.app_metadata) ? value.app_metadata : {},
      user_metadata: isObject(value.user_metadata) ? value.user_metadata : {},
      logins_count: typeof value.logins_count === 'number' ? value.logins_count : 0,
      updated_at: typeof value.updated_at === 'string' ? value.updated_at : new Date(0).toISOString(),
    };
  }
  return { v: 1, users };
}

const CREATED_AT = '2026-01-01T00:00:00.000Z';

export function createUserStore(seedUsers: SeedUser[], dataFile?: string): UserStore {
  const data = readDataFile(dataFile);
  const byId = new Map(seedUsers.map((s) => [s.user_id, s]));

  const save = (): void => {
    if (!dataFile) return;
    mkdirSync(dirname(dataFile), { recursive: true });
    // Write then rename, so that a crash never leaves half a file.
    const tmp = `${dataFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, dataFile);
  };

  const get = (userId: string): StoredUser | null => {
    const seed = byId.get(userId);
    if (!seed) return null;
    const saved = data.users[userId];
    return {
      user_id: seed.user_id,
      email: seed.email,
      email_verified: true,
      name: seed.name,
      created_at: CREATED_AT,
      updated_at: saved?.updated_at ?? CREATED_AT,
      logins_count: saved?.logins_count ?? 0,
      app_metadata: structuredClone(saved?.app_metadata ?? seed.app_metadata ?? {}),
      user_metadata: structuredClone(saved?.user_metadata ?? seed.user_metadata ?? {}),
    };
  };

  const record = (userId: string) => {
    const current = get(userId);
    if (!current) throw new Error('unknown user');
    const entry = data.users[userId] ?? {
      app_metadata: current.app_metadata,
      user_metadata: current.user_metadata,
      logins_count: current.logins_count,
      updated_at: current.updated_at,
    };
    data.users[userId] = entry;
    return entry;
  };

  return {
    seeds: () => seedUsers,
    get,
    authenticate(email, password) {
      const seed = seedUsers.find((s) => s.email === email.trim().toLowerCase());
      const expected = Buffer.from(seed?.password ?? 'no-such-user-password-placeholder');
      const given = Buffer.from(password);
      const same = given.length === expected.length && timingSafeEqual(given, expected);
      return seed && same ? get(seed.user_id) : null;
    },
    applyMetadata(userId, app, user) {
      if (Object.keys(app).length === 0 && Object.keys(user).length === 0) return;
      const entry = record(userId);
      entry.app_metadata = mergeMetadata(entry.app_metadata, app);
      entry.user_metadata = mergeMetadata(entry.user_metadata, user);
      entry.updated_at = new Date().toISOString();
      save();
    },
    countLogin(userId) {
      if (!byId.has(userId)) return null;
      const entry = record(userId);
      entry.logins_count += 1;
      save();
      return get(userId);
    },
  };
}
