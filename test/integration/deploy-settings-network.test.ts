/**
 * No dead ends for `npm run deploy` and `npm run retire-rule`: `--env nope` names the missing
 * `.env.nope` and the files that exist, every missing setting is listed at once with the file
 * read, and an unreachable tenant is said in plain words. All of these stop before a0deploy runs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import nock from 'nock';
import { DeployError } from '../../scripts/deploy/errors';
import { runRetireRule } from '../../scripts/deploy/rule';
import { runDeploy } from '../../scripts/deploy/run';
import { DOMAIN } from '../fixtures/deploy/fake-management-api';
import { TEST_ENV, makeWorkspace, removeWorkspace } from '../fixtures/deploy/workspace';
import a0deployLogger from 'auth0-deploy-cli/lib/logger';

// auth0-deploy-cli logs through winston, and its deploy sets the level back to info each time: silenced (the tests read its outcome).
beforeAll(() => {
  a0deployLogger.silent = true;
});

jest.mock('chalk', () => require('../fixtures/deploy/esm-shims').chalk);
jest.mock('@clack/prompts', () => require('../fixtures/deploy/esm-shims').clackPrompts);

const REPO = join(__dirname, '..', '..');
const SECRETS = [TEST_ENV.AUTH0_CLIENT_SECRET, TEST_ENV.AUTHY2FA_SHARED_SECRET, TEST_ENV.AUTHY2FA_AUTHY_API_KEY];

let dir = '';
const build = jest.fn(async () => undefined);

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  dir = makeWorkspace();
  build.mockClear();
});
afterEach(() => {
  nock.cleanAll();
  removeWorkspace(dir);
});

async function deployError(envName: string, processEnv: NodeJS.ProcessEnv = {}): Promise<DeployError> {
  try {
    await runDeploy({ rootDir: dir, envName, dryRun: false, processEnv, build, log: () => undefined });
  } catch (err) {
    if (err instanceof DeployError) {
      for (const secret of SECRETS) expect(err.message).not.toContain(secret);
      expect(err.message).not.toMatch(/fetch failed/);
      return err;
    }
    throw err;
  }
  throw new Error('the deploy went through');
}

describe('deploy --env', () => {
  it('--env nope: names .env.nope and the .env files that exist; builds nothing, sends nothing', async () => {
    const err = await deployError('nope');
    expect(err.code).toBe('INPUT');
    expect(err.message.split('\n')).toEqual([
      `--env nope: .env.nope does not exist in ${dir}`,
      `  .env files in ${dir}: .env.test`,
      '  use one of: --env test',
      '  or create .env.nope from the lines of .env.example, or set the settings in the environment (AUTH0_DOMAIN first).',
    ]);
    expect(build).not.toHaveBeenCalled();
  });

  it('every missing setting at once, naming the file read', async () => {
    removeWorkspace(dir);
    dir = makeWorkspace({ AUTHY2FA_MAX_FAILURES: '5' }, 'empty');
    const err = await deployError('empty');
    expect(err.code).toBe('INPUT');
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('Nothing was sent to Auth0. Fix these settings first (read from .env.empty and the environment):');
    expect(lines).toEqual(
      expect.arrayContaining([
        '  - AUTH0_DOMAIN: not set (your tenant host, e.g. example.eu.auth0.com)',
        '  - AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (or AUTH0_ACCESS_TOKEN): not set',
        '  - AUTHY2FA_FORMS_URL: not set (Action secret FORMS_URL is required)',
        '  - AUTHY2FA_SHARED_SECRET: not set (Action secret SHARED_SECRET is required)',
        '  - AUTHY2FA_AUTHY_API_KEY: not set (Action secret AUTHY_API_KEY is required)',
      ]),
    );
    expect(lines[lines.length - 1]).toBe(
      'Set them in .env.empty or in the environment (a variable set in the environment wins over the file).',
    );
  });

  it('CI: no .env.<name>, the settings in the environment: deploys from the environment, and says so', async () => {
    removeWorkspace(dir);
    dir = makeWorkspace({}, 'other');
    nock(`https://${DOMAIN}`).post('/oauth/token').replyWithError({ code: 'ECONNREFUSED' });
    const lines: string[] = [];
    const err = await (async () => {
      try {
        await runDeploy({ rootDir: dir, envName: 'prod', dryRun: false, processEnv: TEST_ENV, build, log: (l) => lines.push(l) });
      } catch (e) {
        return e as DeployError;
      }
      throw new Error('the deploy went through');
    })();
    expect(lines[0]).toBe(
      `Deploying to ${DOMAIN} (settings: the environment only ` +
        '(.env.prod does not exist; AUTH0_DOMAIN and the rest come from the environment))',
    );
    expect(err.code).toBe('UNREACHABLE');
  });
});

describe('deploy and retire-rule: an unreachable tenant in plain words', () => {
  it('the token request does not resolve (DNS): names the tenant host and what to check', async () => {
    const token = nock(`https://${DOMAIN}`).post('/oauth/token').replyWithError({ code: 'ENOTFOUND' });
    const err = await deployError('test');
    expect(token.isDone()).toBe(true);
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toMatch(
      new RegExp(`^cannot reach ${DOMAIN.replace(/\./g, '\\.')}: the name does not resolve \\(DNS\\)\\. Check the host name`),
    );
  });

  it('a TLS certificate problem on the Management API after the token', async () => {
    nock(`https://${DOMAIN}`)
      .post('/oauth/token')
      .reply(200, { access_token: 'test-token', token_type: 'Bearer', expires_in: 86400 })
      .get(/^\/api\/v2\/actions\/triggers\/post-login\/bindings/)
      .replyWithError({ code: 'CERT_HAS_EXPIRED' });
    const err = await deployError('test');
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toContain(`cannot reach ${DOMAIN}: its TLS certificate has expired (CERT_HAS_EXPIRED).`);
    expect(err.message).not.toContain('test-token');
  });

  it('retire-rule: the tenant refuses the connection', async () => {
    nock(`https://${DOMAIN}`).post('/oauth/token').replyWithError({ code: 'ECONNREFUSED' });
    let caught: unknown;
    try {
      await runRetireRule({ rootDir: dir, envName: 'test', ruleName: 'Authy 2FA', dryRun: true, processEnv: {} });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DeployError);
    expect((caught as DeployError).code).toBe('UNREACHABLE');
    expect((caught as DeployError).message).toMatch(
      new RegExp(`^cannot reach ${DOMAIN.replace(/\./g, '\\.')}: the connection was refused\\. `),
    );
  });

  it('retire-rule --env nope: names the missing file', async () => {
    await expect(runRetireRule({ rootDir: dir, envName: 'nope', ruleName: 'Authy 2FA', dryRun: true, processEnv: {} })).rejects.toThrow(
      `--env nope: .env.nope does not exist in ${dir}`,
    );
  });
});

describe('the commands themselves', () => {
  // The real entry points, as `npm run` starts them: the message and the exit status a user sees.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AUTH0_LOG: 'error' };
  const tsx = join(REPO, 'node_modules', '.bin', 'tsx');

  it.each([
    ['deploy', ['scripts/deploy.ts', '--env', 'nope'], 'Deploy failed [INPUT]: --env nope: .env.nope does not exist in '],
    ['report', ['scripts/report.ts', '--env', 'nope'], 'error: --env nope: .env.nope does not exist in '],
  ])(
    'npm run %s -- --env nope',
    (_name, args, expected) => {
      const child = spawnSync(tsx, args, { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
      expect(child.stderr).toContain(expected);
      expect(child.stderr).toContain('or create .env.nope from the lines of .env.example');
      expect(child.status).not.toBe(0);
      expect(child.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    },
    60_000,
  );
});
