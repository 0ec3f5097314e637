/**
 * The one way every tool reads its settings (scripts/admin/env-files.ts, scripts/admin/env.ts):
 * which file `--env` (or its absence) reads, the message for a `--env` without its file, and one
 * error naming every missing or invalid setting with the file read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chooseEnvFile,
  describeSource,
  ENVIRONMENT_ONLY,
  EnvFileError,
  envFilesHint,
  envFilesIn,
  loadEnvFiles,
  settingsProblemsMessage,
  type SettingsSource,
} from '../../scripts/admin/env-files';
import { readAdminSettings, readManagementCredentials, readVerifyMigrationSettings } from '../../scripts/admin/env';
import { AdminError } from '../../scripts/admin/errors';

const DEV: SettingsSource = { file: '.env.dev', envName: 'dev', note: null };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('chooseEnvFile (pure)', () => {
  it('without --env: .env when it exists, else the environment only', () => {
    expect(chooseEnvFile(undefined, ['.env', '.env.dev'], {})).toEqual({ file: '.env', envName: null, note: null });
    expect(chooseEnvFile(undefined, ['.env.dev'], {})).toEqual(ENVIRONMENT_ONLY);
  });

  it('--env dev reads .env.dev, never .env in its place', () => {
    expect(chooseEnvFile('dev', ['.env', '.env.dev'], {})).toEqual(DEV);
    expect(() => chooseEnvFile('prod', ['.env'], {})).toThrow(EnvFileError);
  });

  it('--env nope without .env.nope: names the missing file, lists the files that exist and what to do', () => {
    const error = thrown(() => chooseEnvFile('nope', ['.env', '.env.dev', '.env.staging'], {}, '/srv/authy2fa')) as EnvFileError;
    expect(error).toBeInstanceOf(EnvFileError);
    expect(error.message).toBe('--env nope: .env.nope does not exist in /srv/authy2fa');
    expect(error.details).toEqual([
      '  .env files in /srv/authy2fa: .env, .env.dev, .env.staging',
      '  use one of: --env dev, --env staging',
      '  or leave out --env to read .env',
      '  or create .env.nope from the lines of .env.example, or set the settings in the environment (AUTH0_DOMAIN first).',
    ]);
    const none = thrown(() => chooseEnvFile('nope', [], {}, '/srv/authy2fa')) as EnvFileError;
    expect(none.details[0]).toBe('  there is no .env file in /srv/authy2fa');
    expect(none.details).toHaveLength(2);
  });

  it('--env with no file but AUTH0_DOMAIN in the process environment (CI): the environment only, and says why', () => {
    const source = chooseEnvFile('prod', ['.env'], { AUTH0_DOMAIN: 'acme.eu.auth0.com' });
    expect(source).toMatchObject({ file: null, envName: 'prod' });
    expect(describeSource(source)).toBe(
      'the environment only (.env.prod does not exist; AUTH0_DOMAIN and the rest come from the environment)',
    );
    expect(() => chooseEnvFile('prod', ['.env'], { AUTH0_DOMAIN: '  ' })).toThrow('.env.prod does not exist');
  });

  it('refuses a name that could be a path', () => {
    for (const name of ['../prod', 'a/b', '', '.hidden', 'x'.repeat(33)]) {
      expect(() => chooseEnvFile(name, [], {})).toThrow(/--env must be a short name such as dev, staging or prod/);
    }
  });
});

describe('envFilesIn and loadEnvFiles', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'env-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists .env and .env.<name> files, not the .env.example template, nor folders or other files', () => {
    for (const name of ['.env', '.env.dev', '.env.example', '.envrc', 'env.prod']) writeFileSync(join(dir, name), '');
    mkdirSync(join(dir, '.env.folder'));
    expect(envFilesIn(dir)).toEqual(['.env', '.env.dev']);
    expect(envFilesIn(join(dir, 'missing'))).toEqual([]);
    // What a command that asks for --env suggests.
    expect(envFilesHint(dir)).toBe(' (here: .env.dev)');
    expect(envFilesHint(join(dir, 'missing'))).toBe('');
  });

  it('the process environment wins over the file, which fills in the rest; says which file it read', () => {
    writeFileSync(join(dir, '.env.dev'), 'AUTH0_DOMAIN=file.eu.auth0.com\nAUTH0_CLIENT_ID=file-id\n');
    writeFileSync(join(dir, '.env'), 'AUTH0_CLIENT_SECRET=from-dot-env\n');
    const { values, source } = loadEnvFiles(dir, 'dev', { AUTH0_CLIENT_ID: 'env-id' });
    expect(values).toEqual({ AUTH0_DOMAIN: 'file.eu.auth0.com', AUTH0_CLIENT_ID: 'env-id' });
    expect(describeSource(source)).toBe('.env.dev and the environment');
    expect(loadEnvFiles(dir, undefined, {}).values).toEqual({ AUTH0_CLIENT_SECRET: 'from-dot-env' });
  });
});

describe('every missing or invalid setting in one error, naming the file read', () => {
  it('settingsProblemsMessage: a head line with the source, one line per problem, where to set them', () => {
    expect(settingsProblemsMessage(['A is not set: x', 'B must be y'], DEV)).toBe(
      [
        '2 settings are missing or invalid (read from .env.dev and the environment):',
        '  - A is not set: x',
        '  - B must be y',
        'Set them in .env.dev or in the environment (a variable set in the environment wins over the file).',
      ].join('\n'),
    );
    expect(settingsProblemsMessage(['A is not set: x'], ENVIRONMENT_ONLY)).toMatch(
      /^1 setting is missing or invalid \(read from the environment only\):\n {2}- A is not set: x\nSet them in the environment, or in \.env/,
    );
  });

  it('the Management API credentials: all three at once, and a malformed domain with them', () => {
    const error = thrown(() => readManagementCredentials({ AUTH0_CLIENT_ID: ' ' }, DEV)) as AdminError;
    expect(error).toBeInstanceOf(AdminError);
    expect([error.code, error.exitCode]).toEqual(['MISSING_CONFIG', 2]);
    expect(error.message.split('\n')).toEqual([
      '3 settings are missing or invalid (read from .env.dev and the environment):',
      '  - AUTH0_DOMAIN is not set: the tenant host, e.g. acme.eu.auth0.com',
      '  - AUTH0_CLIENT_ID is not set: the machine-to-machine application allowed to call the Management API',
      "  - AUTH0_CLIENT_SECRET is not set: that application's client secret",
      'Set them in .env.dev or in the environment (a variable set in the environment wins over the file).',
    ]);
    const domain = thrown(() => readManagementCredentials({ AUTH0_DOMAIN: 'https://acme.eu.auth0.com' })) as AdminError;
    expect(domain.message).toContain('AUTH0_DOMAIN must be a bare host name');
    expect(domain.message).toContain('AUTH0_CLIENT_ID is not set');
  });

  it("a tool's whole set at once: credentials, the Authy key and a too-short audit key", () => {
    const error = thrown(() =>
      readAdminSettings({ AUTH0_DOMAIN: 'acme.eu.auth0.com', SHARED_SECRET: 'tiny-s3cret' }, DEV, {
        authy: 'it calls Authy',
        auditKey: true,
      }),
    ) as AdminError;
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('4 settings are missing or invalid (read from .env.dev and the environment):');
    expect(lines.slice(1, 5)).toEqual([
      '  - AUTH0_CLIENT_ID is not set: the machine-to-machine application allowed to call the Management API',
      "  - AUTH0_CLIENT_SECRET is not set: that application's client secret",
      '  - AUTHY_API_KEY is not set: it calls Authy',
      '  - SHARED_SECRET must be at least 32 bytes (the forms server refuses shorter ones)',
    ]);
    expect(error.message).not.toContain('tiny-s3cret');
    const ok = readAdminSettings({ AUTH0_DOMAIN: 'Acme.EU.auth0.com', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 's' }, DEV);
    expect(ok).toEqual({
      credentials: { domain: 'acme.eu.auth0.com', clientId: 'id', clientSecret: 's' },
      authyApiKey: null,
      auditKey: null,
      verify: null,
    });
  });

  it('readVerifyMigrationSettings: every gap of migrate-to-verify at once, with the file read; its result unchanged', () => {
    const error = thrown(() =>
      readVerifyMigrationSettings({ AUTH0_DOMAIN: 'acme.eu.auth0.com', TWILIO_API_KEY_SID: 'SK1' }, DEV),
    ) as AdminError;
    const names = error.message
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => line.slice(4).split(' ')[0]);
    expect(names).toEqual([
      'AUTH0_CLIENT_ID',
      'AUTH0_CLIENT_SECRET',
      'AUTHY_API_KEY',
      'VERIFY_SERVICE_SID',
      'VERIFY_IDENTITY_KEY',
      'TWILIO_API_KEY_SECRET',
    ]);
    expect(error.message).toContain('(read from .env.dev and the environment)');
    const full = {
      AUTH0_DOMAIN: 'acme.eu.auth0.com',
      AUTH0_CLIENT_ID: 'id',
      AUTH0_CLIENT_SECRET: 'secret',
      AUTHY_API_KEY: 'authy',
      VERIFY_SERVICE_SID: 'VA1',
      VERIFY_IDENTITY_KEY: 'k'.repeat(32),
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 'token',
      VERIFY_API_URL: 'http://127.0.0.1:3004',
    };
    expect(readVerifyMigrationSettings(full)).toEqual({
      authyApiKey: 'authy',
      serviceSid: 'VA1',
      username: 'AC1',
      password: 'token',
      identityKey: 'k'.repeat(32),
      verifyApiUrl: 'http://127.0.0.1:3004',
    });
  });
});
