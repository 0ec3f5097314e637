/**
 * Retiring the rule-era rule (`npm run retire-rule`, `npm run deploy -- --retire-rule`):
 * disables exactly the rule with that name, never deletes, never touches another rule, and
 * refuses while the authy-2fa Action is not deployed and bound (the zero-gap guard).
 */
import { DeployError } from '../../scripts/deploy/errors';
import { runRetireRule } from '../../scripts/deploy/rule';
import { FakeTenant } from '../fixtures/deploy/fake-management-api';
import { TEST_ENV, makeWorkspace, removeWorkspace } from '../fixtures/deploy/workspace';

const CONNECTION_ONLY = {
  AUTH0_DOMAIN: TEST_ENV.AUTH0_DOMAIN,
  AUTH0_CLIENT_ID: TEST_ENV.AUTH0_CLIENT_ID,
  AUTH0_CLIENT_SECRET: TEST_ENV.AUTH0_CLIENT_SECRET,
} as Record<string, string>;

describe('retiring the rule-era rule', () => {
  let tenant: FakeTenant;
  let dir = '';
  beforeEach(() => {
    tenant = new FakeTenant();
    tenant.start();
    dir = makeWorkspace(CONNECTION_ONLY);
  });
  afterEach(() => {
    tenant.stop();
    removeWorkspace(dir);
  });

  /** The state after step 1 of the migration: our Action deployed and bound after theirs. */
  function actionBound(): void {
    tenant.addBoundAction('add-roles');
    tenant.addBoundAction('authy-2fa');
    const ours = tenant.actions.find((a) => a.name === 'authy-2fa');
    if (ours) ours.deployed_version = { id: 'ver_1', number: 1, deployed: true, status: 'built' };
  }

  async function retire(ruleName: string, dryRun = false) {
    return runRetireRule({ rootDir: dir, envName: 'test', ruleName, dryRun, processEnv: {} });
  }

  async function failure(ruleName: string): Promise<DeployError> {
    try {
      await retire(ruleName);
    } catch (err) {
      if (err instanceof DeployError) return err;
      throw err;
    }
    throw new Error('the rule was retired');
  }

  it('disables only the rule with that exact name, with one PATCH and no DELETE', async () => {
    actionBound();
    const other = tenant.addRule('Add country to profile', true);
    const authy = tenant.addRule('Authy 2FA', true);
    const lookalike = tenant.addRule('authy 2fa (old copy)', true);

    const result = await retire('Authy 2FA');

    expect(result).toEqual({ name: 'Authy 2FA', id: authy.id, alreadyDisabled: false, domain: TEST_ENV.AUTH0_DOMAIN });
    expect(tenant.writes().map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/oauth/token', expect.any(String)],
      ['PATCH', `/api/v2/rules/${authy.id}`, { enabled: false }],
    ]);
    expect([other.enabled, authy.enabled, lookalike.enabled]).toEqual([true, false, true]);
    expect(tenant.rules).toHaveLength(3);
  });

  it('refuses while the Action is not bound to post-login, so logins are never left without 2FA', async () => {
    tenant.addBoundAction('add-roles');
    const authy = tenant.addRule('Authy 2FA', true);
    const err = await failure('Authy 2FA');
    expect(err.code).toBe('RULE');
    expect(err.message).toContain('the Action authy-2fa is not deployed and bound to post-login yet');
    expect(authy.enabled).toBe(true);
    expect(tenant.writes().map((c) => c.path)).toEqual(['/oauth/token']);
  });

  it('changes nothing when no rule or several rules have that name', async () => {
    actionBound();
    tenant.addRule('Authy 2FA', true);
    tenant.addRule('Authy 2FA', true);
    expect((await failure('Authy 2FA')).message).toContain('2 rules are named "Authy 2FA"');
    expect((await failure('Duo 2FA')).message).toContain('No rule is named exactly "Duo 2FA"');
    expect(tenant.writes().filter((c) => c.method !== 'POST')).toEqual([]);
  });

  it('reports a rule that is already disabled, and a dry run writes nothing', async () => {
    actionBound();
    const authy = tenant.addRule('Authy 2FA', false);
    expect(await retire('Authy 2FA')).toMatchObject({ id: authy.id, alreadyDisabled: true });
    authy.enabled = true;
    expect(await retire('Authy 2FA', true)).toMatchObject({ id: authy.id, alreadyDisabled: false });
    expect(authy.enabled).toBe(true);
    expect(tenant.writes().filter((c) => c.method !== 'POST')).toEqual([]);
  });

  it('403 names the rule scopes', async () => {
    actionBound();
    tenant.failures.push({
      method: 'GET',
      pathPrefix: '/api/v2/rules',
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Insufficient scope, expected any of: read:rules',
        errorCode: 'insufficient_scope',
      },
    });
    const err = await failure('Authy 2FA');
    expect(err.code).toBe('MISSING_SCOPES');
    expect(err.message).toContain('read:rules, update:rules');
  });
});
