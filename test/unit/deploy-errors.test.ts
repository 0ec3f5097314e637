/**
 * Failures an admin must be able to act on: bad credentials (401), missing Management API
 * scopes (403), rate limiting (429), and a binding list that would unbind their own Actions.
 * All of these stop before a0deploy runs, so no Action is created or changed.
 */
import { DeployError, explainAuth0Error } from '../../scripts/deploy/errors';
import { loadDeployEnv } from '../../scripts/deploy/env';
import { MASK, maskText, withMaskedOutput } from '../../scripts/deploy/output';
import { runDeploy } from '../../scripts/deploy/run';
import { AUTH0_ERRORS, FakeTenant } from '../fixtures/deploy/fake-management-api';
import { TEST_ENV, makeWorkspace, noBuild, removeWorkspace } from '../fixtures/deploy/workspace';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

jest.mock('chalk', () => require('../fixtures/deploy/esm-shims').chalk);
jest.mock('@clack/prompts', () => require('../fixtures/deploy/esm-shims').clackPrompts);

const BINDINGS = '/api/v2/actions/triggers/post-login/bindings';

describe('npm run deploy: failures from Auth0', () => {
  let tenant: FakeTenant;
  let dir = '';
  beforeEach(() => {
    tenant = new FakeTenant();
    tenant.start();
    dir = makeWorkspace();
  });
  afterEach(() => {
    tenant.stop();
    removeWorkspace(dir);
  });

  async function failure(): Promise<DeployError> {
    try {
      await runDeploy({ rootDir: dir, envName: 'test', dryRun: false, processEnv: {}, build: noBuild, log: () => undefined });
    } catch (err) {
      if (err instanceof DeployError) return err;
      throw err;
    }
    throw new Error('the deploy went through');
  }

  it('401 from the token endpoint: names the credentials to check', async () => {
    tenant.failures.push({ method: 'POST', pathPrefix: '/oauth/token', status: 401, body: AUTH0_ERRORS.badClient });
    const err = await failure();
    expect(err.code).toBe('BAD_CREDENTIALS');
    expect(err.message).toContain('AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET');
    expect(err.message).not.toContain(TEST_ENV.AUTH0_CLIENT_SECRET);
    expect(tenant.callLines()).toEqual(['POST /oauth/token']);
  });

  it('403 insufficient scope: names every scope the deploy needs', async () => {
    tenant.failures.push({ method: 'GET', pathPrefix: BINDINGS, status: 403, body: AUTH0_ERRORS.insufficientScope('read:triggers') });
    const err = await failure();
    expect(err.code).toBe('MISSING_SCOPES');
    expect(err.message).toContain('read:actions, create:actions, update:actions, read:triggers, update:triggers');
    expect(err.message).toContain('Insufficient scope, expected any of: read:triggers');
    expect(tenant.writes().map((c) => c.path)).toEqual(['/oauth/token']);
  });

  it('429: tells the admin to wait and run it again', async () => {
    tenant.failures.push({
      method: 'GET',
      pathPrefix: BINDINGS,
      status: 429,
      body: AUTH0_ERRORS.tooManyRequests,
      headers: { 'retry-after': '1' },
    });
    const err = await failure();
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.message).toMatch(/wait a minute/);
  });

  it('refuses to unbind an Action that is bound today and not listed, and changes nothing', async () => {
    tenant.addBoundAction('add-roles');
    const err = await failure();
    expect(err.code).toBe('WOULD_UNBIND');
    expect(err.message).toContain('Deploying would unbind add-roles from post-login');
    expect(err.message).toContain('AUTHY2FA_POST_LOGIN_BEFORE or AUTHY2FA_POST_LOGIN_AFTER');
    expect(tenant.writes().map((c) => c.path)).toEqual(['/oauth/token']);
    expect(tenant.bindings).toEqual(['add-roles']);
  });
});

describe('explainAuth0Error', () => {
  it('reads the status a0deploy leaves in its message text', () => {
    const wrapped = new Error(
      'Problem creating actions {"name":"authy-2fa"}\nForbidden: Insufficient scope, expected any of: create:actions',
    );
    expect(explainAuth0Error(wrapped, 'x.auth0.com', ['create:actions']).code).toBe('MISSING_SCOPES');
    expect(explainAuth0Error(Object.assign(new Error('x'), { statusCode: 401 }), 'x.auth0.com', []).code).toBe('BAD_CREDENTIALS');
    expect(explainAuth0Error(new Error('Unexpected token < in JSON'), 'x.auth0.com', []).code).toBe('AUTH0');
    // No answer at all is a network failure, said in plain words (scripts/admin/network-errors.ts).
    const hangUp = explainAuth0Error(new Error('socket hang up'), 'x.auth0.com', []);
    expect(hangUp.code).toBe('UNREACHABLE');
    expect(hangUp.message).toMatch(/^cannot reach x\.auth0\.com: the connection was closed before an answer \(reset\)\. /);
  });
});

describe('maskText', () => {
  it('masks each secret, also in its JSON-encoded form', () => {
    const secret = 'se"cret\\value-123';
    const text = `raw ${secret} json ${JSON.stringify({ value: secret })}`;
    const masked = maskText(text, [secret]);
    expect(masked).toBe(`raw ${MASK} json {"value":"${MASK}"}`);
  });
});

describe('loadDeployEnv', () => {
  it('reads .env.<name>, never .env for it; the process environment wins over the file, which fills the gaps', () => {
    const dir = makeWorkspace({ AUTH0_DOMAIN: 'from-file.auth0.com', AUTH0_CLIENT_SECRET: 'file-secret' }, 'prod');
    try {
      writeFileSync(join(dir, '.env'), 'AUTH0_DOMAIN=from-dot-env.auth0.com\n');
      const loaded = loadDeployEnv(dir, 'prod', { AUTH0_DOMAIN: 'from-shell.auth0.com', AUTH0_CLIENT_ID: 'ci-id' });
      expect(loaded.file).toBe('.env.prod');
      expect(loaded.values.AUTH0_DOMAIN).toBe('from-shell.auth0.com');
      expect(loaded.values.AUTH0_CLIENT_ID).toBe('ci-id');
      expect(loaded.values.AUTH0_CLIENT_SECRET).toBe('file-secret');
      // No .env.staging: the deploy stops, naming it and the files that exist, instead of reading .env for it.
      expect(() => loadDeployEnv(dir, 'staging', {})).toThrow(/--env staging: \.env\.staging does not exist/);
      let missing: unknown = null;
      try {
        loadDeployEnv(dir, 'staging', {});
      } catch (err) {
        missing = err;
      }
      expect(missing).toBeInstanceOf(DeployError);
      expect((missing as DeployError).code).toBe('INPUT');
      expect((missing as DeployError).message).toContain(`.env files in ${dir}: .env, .env.prod`);
      expect((missing as DeployError).message).toContain('use one of: --env prod');
      // CI has no file: the environment names the tenant, so the environment alone is used, and said.
      const ci = loadDeployEnv(dir, 'staging', { AUTH0_DOMAIN: 'from-ci.auth0.com' });
      expect([ci.file, ci.values.AUTH0_DOMAIN, ci.values.AUTH0_CLIENT_SECRET]).toEqual([null, 'from-ci.auth0.com', undefined]);
      expect(ci.source.note).toContain('.env.staging does not exist');
    } finally {
      removeWorkspace(dir);
    }
  });

  it('refuses an environment name that could be a path', () => {
    expect(() => loadDeployEnv('/tmp', '../prod', {})).toThrow(/--env must be a short name/);
  });
});

describe('withMaskedOutput', () => {
  it('masks what anything writes to stdout while the deploy runs, and restores the stream after', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await withMaskedOutput(['authy-api-key-1234'], async () => {
        process.stdout.write('secrets: [{"name":"AUTHY_API_KEY","value":"authy-api-key-1234"}]\n');
      });
      process.stdout.write('after: authy-api-key-1234\n');
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual([`secrets: [{"name":"AUTHY_API_KEY","value":"${MASK}"}]\n`, 'after: authy-api-key-1234\n']);
  });
});
