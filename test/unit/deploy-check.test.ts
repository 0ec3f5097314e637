/**
 * The keyword check of `npm run deploy`: a missing keyword, a bad URL, a short secret or a
 * non-number stops the deploy with a message naming the variable, before any HTTP call.
 */
import nock from 'nock';
import { checkDeployInputs } from '../../scripts/deploy/check';
import { DeployError } from '../../scripts/deploy/errors';
import { runDeploy } from '../../scripts/deploy/run';
import { FakeTenant } from '../fixtures/deploy/fake-management-api';
import { TEST_ENV, bundledActionPath, makeWorkspace, noBuild, removeWorkspace } from '../fixtures/deploy/workspace';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

jest.mock('chalk', () => require('../fixtures/deploy/esm-shims').chalk);
jest.mock('@clack/prompts', () => require('../fixtures/deploy/esm-shims').clackPrompts);

const REPO = join(__dirname, '..', '..');
const SOURCES = {
  tenantYaml: readFileSync(join(REPO, 'tenant.yaml'), 'utf8'),
  actionCode: readFileSync(bundledActionPath(), 'utf8'),
};

function without(name: string): Record<string, string> {
  const { [name]: _unset, ...env } = TEST_ENV;
  return env;
}

function problemsOf(env: Record<string, string | undefined>, sources = SOURCES): string[] {
  try {
    checkDeployInputs(env, sources);
  } catch (err) {
    if (err instanceof DeployError && err.code === 'INPUT') return [...err.problems];
    throw err;
  }
  return [];
}

describe('npm run deploy stops before any call to Auth0', () => {
  const tenant = new FakeTenant();
  let unmatched = 0;
  const onNoMatch = () => {
    unmatched += 1;
  };
  beforeEach(() => {
    tenant.calls.length = 0;
    unmatched = 0;
    tenant.start();
    nock.emitter.on('no match', onNoMatch);
  });
  afterEach(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    tenant.stop();
  });

  async function deployWith(env: Record<string, string>): Promise<DeployError> {
    const dir = makeWorkspace(env);
    try {
      await runDeploy({ rootDir: dir, envName: 'test', dryRun: false, processEnv: {}, build: noBuild, log: () => undefined });
    } catch (err) {
      if (err instanceof DeployError) return err;
      throw err;
    } finally {
      removeWorkspace(dir);
    }
    throw new Error('the deploy went through');
  }

  it.each([
    ['a missing keyword', without('AUTHY2FA_FORMS_URL'), 'AUTHY2FA_FORMS_URL: not set (Action secret FORMS_URL is required)'],
    [
      'a URL that is not https',
      { ...TEST_ENV, AUTHY2FA_FORMS_URL: 'http://2fa.example.com/2fa' },
      'AUTHY2FA_FORMS_URL: FORMS_URL must be an absolute https URL',
    ],
    [
      'a URL that is not absolute',
      { ...TEST_ENV, AUTHY2FA_AUTHY_API_URL: 'api.authy.com' },
      'AUTHY2FA_AUTHY_API_URL: AUTHY_API_URL must be an absolute https URL',
    ],
    [
      'a shared secret under 32 bytes',
      { ...TEST_ENV, AUTHY2FA_SHARED_SECRET: 'x'.repeat(31) },
      'AUTHY2FA_SHARED_SECRET: SHARED_SECRET must be at least 32 bytes',
    ],
    [
      'a number that is not a number',
      { ...TEST_ENV, AUTHY2FA_MAX_FAILURES: 'five' },
      'AUTHY2FA_MAX_FAILURES: MAX_FAILURES must be a whole number',
    ],
    [
      'an audit hash key under 32 bytes',
      { ...TEST_ENV, AUTHY2FA_AUDIT_HASH_KEY: 'k'.repeat(31) },
      'AUTHY2FA_AUDIT_HASH_KEY: AUDIT_HASH_KEY must be at least 32 bytes',
    ],
    [
      'a flag that is not true or false',
      { ...TEST_ENV, AUTHY2FA_REQUIRE_VERIFIED_EMAIL: 'yes' },
      'AUTHY2FA_REQUIRE_VERIFIED_EMAIL: REQUIRE_VERIFIED_EMAIL must be true or false',
    ],
  ])('%s', async (_label, env, message) => {
    const err = await deployWith(env);
    expect(err.code).toBe('INPUT');
    expect(err.problems).toEqual([message]);
    expect(err.message).toContain(message);
    expect(err.message).toContain('Nothing was sent to Auth0');
    expect(tenant.calls).toEqual([]);
    expect(unmatched).toBe(0);
  });

  it('never prints the bad value of a secret', async () => {
    const err = await deployWith({ ...TEST_ENV, AUTHY2FA_SHARED_SECRET: 'short-but-secret' });
    expect(err.message).not.toContain('short-but-secret');
    const key = await deployWith({ ...TEST_ENV, AUTHY2FA_AUDIT_HASH_KEY: 'short-audit-key' });
    expect(key.message).not.toContain('short-audit-key');
  });
});

describe('checkDeployInputs', () => {
  it('lists every problem at once', () => {
    const env = {
      ...without('AUTHY2FA_AUTHY_API_KEY'),
      AUTHY2FA_LOCK_MINUTES: 'soon',
      AUTH0_DOMAIN: 'https://example.auth0.com',
      AUTH0_CLIENT_SECRET: '',
    };
    expect(problemsOf(env)).toEqual([
      'AUTH0_DOMAIN: must be a bare host name such as example.eu.auth0.com (no https://, no path)',
      'AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (or AUTH0_ACCESS_TOKEN): not set',
      'AUTHY2FA_AUTHY_API_KEY: not set (Action secret AUTHY_API_KEY is required)',
      'AUTHY2FA_LOCK_MINUTES: LOCK_MINUTES must be a number of minutes',
    ]);
  });

  it('AUTHY2FA_AUDIT_HASH_KEY: unset, it is sent empty (the Action derives the key); set, it is sent as it is and never printed', () => {
    expect(checkDeployInputs(TEST_ENV, SOURCES).mappings.AUTHY2FA_AUDIT_HASH_KEY).toBe('');
    const key = 'audit-hash-key-that-must-not-print-0123456789';
    const inputs = checkDeployInputs({ ...TEST_ENV, AUTHY2FA_AUDIT_HASH_KEY: key }, SOURCES);
    expect(inputs.mappings.AUTHY2FA_AUDIT_HASH_KEY).toBe(key);
    expect(inputs.sensitiveValues).toContain(key);
  });

  it('maps every secret keyword; an unset optional one is sent empty', () => {
    const inputs = checkDeployInputs(without('AUTHY2FA_LOCK_MINUTES'), SOURCES);
    expect(inputs.mappings.AUTHY2FA_LOCK_MINUTES).toBe('');
    expect(inputs.mappings.AUTHY2FA_FORMS_URL).toBe(TEST_ENV.AUTHY2FA_FORMS_URL);
    expect(inputs.credentials).toEqual({ kind: 'client', clientId: TEST_ENV.AUTH0_CLIENT_ID, clientSecret: TEST_ENV.AUTH0_CLIENT_SECRET });
    expect(inputs.sensitiveValues).toEqual(
      expect.arrayContaining([TEST_ENV.AUTH0_CLIENT_SECRET, TEST_ENV.AUTHY2FA_SHARED_SECRET, TEST_ENV.AUTHY2FA_AUTHY_API_KEY]),
    );
  });

  it('prefers an access token when one is given', () => {
    const inputs = checkDeployInputs({ ...without('AUTH0_CLIENT_SECRET'), AUTH0_ACCESS_TOKEN: 'eyJ.token.sig' }, SOURCES);
    expect(inputs.credentials).toEqual({ kind: 'token', accessToken: 'eyJ.token.sig' });
  });

  it('builds the binding list: BEFORE, then authy-2fa, then AFTER', () => {
    const inputs = checkDeployInputs(
      { ...TEST_ENV, AUTHY2FA_POST_LOGIN_BEFORE: 'add-roles, geo-block', AUTHY2FA_POST_LOGIN_AFTER: 'audit-log' },
      SOURCES,
    );
    expect(inputs.bindings.map((b) => b.action_name)).toEqual(['add-roles', 'geo-block', 'authy-2fa', 'audit-log']);
    expect(inputs.mappings.AUTHY2FA_POST_LOGIN_BINDINGS).toEqual(inputs.bindings);
  });
});

describe('checkDeployInputs: bindings, keywords and limits', () => {
  it('refuses our own name or a duplicate in the binding lists, and a hand-set binding keyword', () => {
    expect(
      problemsOf({
        ...TEST_ENV,
        AUTHY2FA_POST_LOGIN_BEFORE: 'authy-2fa,a',
        AUTHY2FA_POST_LOGIN_AFTER: 'a',
        AUTHY2FA_POST_LOGIN_BINDINGS: '[]',
      }),
    ).toEqual([
      'AUTHY2FA_POST_LOGIN_BINDINGS: is built by the deploy; set AUTHY2FA_POST_LOGIN_BEFORE and AUTHY2FA_POST_LOGIN_AFTER instead',
      'AUTHY2FA_POST_LOGIN_BEFORE: lists authy-2fa itself; list only your other Actions',
      'AUTHY2FA_POST_LOGIN_BEFORE/AUTHY2FA_POST_LOGIN_AFTER: a listed more than once',
    ]);
  });

  it('refuses a keyword in the Action code or tenant.yaml that has no value', () => {
    const sources = {
      tenantYaml: `${SOURCES.tenantYaml}\n# '##UNMAPPED_ONE##'\n`,
      actionCode: `${SOURCES.actionCode}\nconst x = "@@OTHER_KEY@@";\n`,
    };
    expect(problemsOf(TEST_ENV, sources)).toEqual([
      'UNMAPPED_ONE: used in tenant.yaml but has no value',
      'OTHER_KEY: used in actions/authy-2fa/code.js but has no value',
    ]);
  });

  it('refuses a tenant.yaml that does not hand the Action one of its secrets', () => {
    const sources = {
      ...SOURCES,
      tenantYaml: SOURCES.tenantYaml.replace(/\n\s*- name: MAX_FAILURES\n\s*value: '@@AUTHY2FA_MAX_FAILURES@@'/, ''),
    };
    expect(problemsOf(TEST_ENV, sources)).toEqual([
      "tenant.yaml: does not map Action secret MAX_FAILURES (expected '@@AUTHY2FA_MAX_FAILURES@@')",
    ]);
  });

  it('refuses a value over Auth0 4096-character limit', () => {
    expect(problemsOf({ ...TEST_ENV, AUTHY2FA_EXEMPT_CLIENT_IDS: 'a,'.repeat(2100) })).toEqual([
      "AUTHY2FA_EXEMPT_CLIENT_IDS: longer than Auth0's 4096-character limit for an Action secret",
    ]);
  });
});
