import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointFile, type CheckpointHeader } from '../../scripts/admin/checkpoint';
import { loadEnvironment, readAuthyApiKey, readManagementCredentials } from '../../scripts/admin/env';
import { parseUserRef } from '../../scripts/admin/user-lookup';

const HEADER: CheckpointHeader = {
  kind: 'migrate-users-checkpoint',
  version: 1,
  tenant: 'acme.eu.auth0.com',
  started_at: '2025-06-02T10:00:00.000Z',
  migrated_at: '2025-06-02T10:00:00.000Z',
  scanned: 3,
  current: 0,
  none: 0,
  candidates: [
    { user_id: 'auth0|a', connection: 'db' },
    { user_id: 'auth0|b', connection: 'db' },
  ],
  reenroll: [],
  invalid: [],
};

describe('CheckpointFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'admin-ckpt-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips the header and the users done', () => {
    const file = new CheckpointFile(join(dir, 'sub', 'c.ndjson'));
    expect(file.read()).toBeNull();
    file.start(HEADER);
    file.append({ user_id: 'auth0|a', outcome: 'migrated', previous: { authyID: 1 }, patch: { authyID: null } });
    const state = file.read()!;
    expect(state.header).toEqual(HEADER);
    expect([...state.done.keys()]).toEqual(['auth0|a']);
    expect(state.done.get('auth0|a')!.previous).toEqual({ authyID: 1 });
    file.remove();
    expect(file.exists()).toBe(false);
  });

  it('ignores a torn last line', () => {
    const file = new CheckpointFile(join(dir, 'c.ndjson'));
    file.start(HEADER);
    file.append({ user_id: 'auth0|a', outcome: 'unchanged' });
    appendFileSync(file.path, '{"user_id":"auth0|b","outc');
    expect([...file.read()!.done.keys()]).toEqual(['auth0|a']);
  });

  it('refuses a damaged line in the middle and a file that is not a checkpoint', () => {
    const file = new CheckpointFile(join(dir, 'c.ndjson'));
    file.start(HEADER);
    appendFileSync(file.path, 'garbage\n{"user_id":"auth0|a","outcome":"migrated"}\n');
    expect(() => file.read()).toThrow('line 2 is damaged');
    writeFileSync(file.path, '{"hello":1}\n');
    expect(() => file.read()).toThrow('is not a migrate-users checkpoint');
  });
});

describe('env', () => {
  const full = { AUTH0_DOMAIN: 'Acme.EU.auth0.com', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'secret' };

  it('reads the client credentials', () => {
    expect(readManagementCredentials(full)).toEqual({ domain: 'acme.eu.auth0.com', clientId: 'id', clientSecret: 'secret' });
  });

  it('names each missing variable', () => {
    for (const name of Object.keys(full)) {
      const env: Record<string, string> = { ...full, [name]: '  ' };
      expect(() => readManagementCredentials(env)).toThrow(`${name} is not set`);
    }
    expect(() => readAuthyApiKey({})).toThrow('AUTHY_API_KEY is not set');
  });

  it('refuses a domain with a scheme or path', () => {
    for (const domain of ['https://acme.eu.auth0.com', 'acme.eu.auth0.com/', 'acme', 'acme.eu.auth0.com:443']) {
      expect(() => readManagementCredentials({ ...full, AUTH0_DOMAIN: domain })).toThrow('bare host name');
    }
  });

  it('fills gaps from .env without overriding the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-env-'));
    try {
      writeFileSync(join(dir, '.env'), 'AUTH0_DOMAIN=file.eu.auth0.com\nAUTH0_CLIENT_ID=file-id\n');
      const env = loadEnvironment({ AUTH0_CLIENT_ID: 'env-id' }, join(dir, '.env'));
      expect(env.AUTH0_DOMAIN).toBe('file.eu.auth0.com');
      expect(env.AUTH0_CLIENT_ID).toBe('env-id');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseUserRef', () => {
  it('tells user ids from emails', () => {
    expect(parseUserRef('auth0|64b0c0ffee')).toEqual({ kind: 'user_id', value: 'auth0|64b0c0ffee' });
    expect(parseUserRef('samlp|corp|jdoe')).toEqual({ kind: 'user_id', value: 'samlp|corp|jdoe' });
    expect(parseUserRef(' ada@example.com ')).toEqual({ kind: 'email', value: 'ada@example.com' });
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'ada', 'ada@', '|x', 'a b|c', 'x@y']) expect(() => parseUserRef(bad)).toThrow();
  });
});
