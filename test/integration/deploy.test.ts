/**
 * The real deploy() of auth0-deploy-cli, run by `npm run deploy`'s code against a nock fake of
 * the Management API. Each deploy() takes tens of seconds here (schema validation twice and a
 * fixed 2 s wait before bindings), so this file keeps to four runs, the first three sharing one fake tenant.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_NAMES } from '../../lib/action-secrets';
import { runDeploy } from '../../scripts/deploy/run';
import { DeployError } from '../../scripts/deploy/errors';
import { ACCESS_TOKEN, AUTH0_ERRORS, DOMAIN, FakeTenant, type RecordedCall } from '../fixtures/deploy/fake-management-api';
import { TEST_ENV, makeWorkspace, noBuild, removeWorkspace } from '../fixtures/deploy/workspace';
import a0deployLogger from 'auth0-deploy-cli/lib/logger';

// auth0-deploy-cli logs through winston, and its deploy sets the level back to info each time: silenced (the tests read its outcome).
beforeAll(() => {
  a0deployLogger.silent = true;
});

jest.mock('chalk', () => require('../fixtures/deploy/esm-shims').chalk);
jest.mock('@clack/prompts', () => require('../fixtures/deploy/esm-shims').clackPrompts);
jest.setTimeout(180_000);

const BINDINGS_PATH = '/api/v2/actions/triggers/post-login/bindings';

function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      chunks.push(String(chunk));
      return true;
    }),
  );
  return { text: () => chunks.join(''), restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

function noKeywordsLeft(call: RecordedCall): void {
  expect(JSON.stringify(call.body ?? '')).not.toMatch(/@@|##[A-Z]/);
}

// One fake tenant and one workspace for the whole file: the runs below build on each other, in order.
const tenant = new FakeTenant();
let dir = '';
const lines: string[] = [];

beforeAll(() => {
  // The tenant already runs two Actions of its own; the admin keeps one before and one after ours.
  tenant.addBoundAction('add-roles');
  tenant.addBoundAction('audit-log');
  dir = makeWorkspace({ ...TEST_ENV, AUTHY2FA_POST_LOGIN_BEFORE: 'add-roles', AUTHY2FA_POST_LOGIN_AFTER: 'audit-log' });
  tenant.start();
});
afterAll(() => {
  tenant.stop();
  removeWorkspace(dir);
});

describe('npm run deploy, with the real auth0-deploy-cli deploy()', () => {
  it('first run: creates the Action with our code and every secret, deploys it, binds it in order', async () => {
    const output = captureOutput();
    const started = Date.now();
    let report;
    try {
      report = await runDeploy({
        rootDir: dir,
        envName: 'test',
        dryRun: false,
        processEnv: {},
        build: noBuild,
        log: (l) => lines.push(l),
      });
    } finally {
      output.restore();
    }
    const seconds = (Date.now() - started) / 1000;

    expect(tenant.callLines()).toEqual([
      'POST /oauth/token',
      `GET ${BINDINGS_PATH}?page=0&per_page=50`,
      'GET /api/v2/actions/modules?page=0&per_page=100',
      'GET /api/v2/actions/actions?page=0&per_page=100',
      'POST /api/v2/actions/actions',
      'GET /api/v2/actions/actions?page=0&per_page=100',
      'POST /api/v2/actions/actions/act_3/deploy',
      `PATCH ${BINDINGS_PATH}`,
      'GET /api/v2/actions/actions?actionName=authy-2fa&page=0&per_page=50',
      `GET ${BINDINGS_PATH}?page=0&per_page=50`,
    ]);

    const create = tenant.calls.find((c) => c.method === 'POST' && c.path === '/api/v2/actions/actions') as RecordedCall;
    const body = create.body as {
      name: string;
      code: string;
      runtime: string;
      supported_triggers: unknown;
      secrets: Array<{ name: string; value: string }>;
    };
    expect(body.name).toBe('authy-2fa');
    expect(body.runtime).toBe('node22');
    expect(body.supported_triggers).toEqual([{ id: 'post-login', version: 'v3' }]);
    expect(body.code).toBe(readFileSync(join(dir, 'actions', 'authy-2fa', 'code.js'), 'utf8'));
    expect(body.secrets.map((s) => s.name)).toEqual([...SECRET_NAMES]);
    const value = (name: string) => body.secrets.find((s) => s.name === name)?.value;
    for (const name of SECRET_NAMES) {
      const expected = TEST_ENV[`AUTHY2FA_${name}`] ?? '';
      expect([name, value(name)]).toEqual([name, expected]);
    }
    expect(value('EXEMPT_CONNECTIONS')).toBe('');
    tenant.writes().forEach(noKeywordsLeft);

    const patch = tenant.calls.find((c) => c.method === 'PATCH') as RecordedCall;
    expect(patch.body).toEqual({
      bindings: ['add-roles', 'authy-2fa', 'audit-log'].map((name) => ({ ref: { type: 'action_name', value: name }, display_name: name })),
    });
    expect(report).toMatchObject({
      domain: DOMAIN,
      actionVersion: 1,
      actionId: 'act_3',
      bindings: ['add-roles', 'authy-2fa', 'audit-log'],
      dryRun: false,
    });
    expect(seconds).toBeGreaterThan(0);

    // Nothing printed carries a secret, a credential or the token.
    const printed = output.text() + lines.join('\n');
    for (const secret of [TEST_ENV.AUTHY2FA_SHARED_SECRET, TEST_ENV.AUTHY2FA_AUTHY_API_KEY, TEST_ENV.AUTH0_CLIENT_SECRET, ACCESS_TOKEN]) {
      expect(printed).not.toContain(secret);
    }
  });
});

describe('npm run deploy: a second run', () => {
  it('second run with --retire-rule: updates the same Action (no duplicate), then disables only that rule', async () => {
    tenant.calls.length = 0;
    const keep = tenant.addRule('Add country to profile', true);
    const legacy = tenant.addRule('Authy 2FA', true);
    const output = captureOutput();
    let report;
    try {
      report = await runDeploy({
        rootDir: dir,
        envName: 'test',
        dryRun: false,
        processEnv: {},
        build: noBuild,
        log: () => undefined,
        retireRuleName: 'Authy 2FA',
      });
    } finally {
      output.restore();
    }
    // The rule is disabled only after the Action is deployed and bound: never a login without 2FA.
    const writes = tenant.writes().map((c) => `${c.method} ${c.path}`);
    expect(writes).toEqual([
      'POST /oauth/token',
      'PATCH /api/v2/actions/actions/act_3',
      'POST /api/v2/actions/actions/act_3/deploy',
      `PATCH ${BINDINGS_PATH}`,
      `PATCH /api/v2/rules/${legacy.id}`,
    ]);
    expect([legacy.enabled, keep.enabled]).toEqual([false, true]);
    expect(report.retiredRule).toEqual({ name: 'Authy 2FA', id: legacy.id, alreadyDisabled: false });
    expect(tenant.actions.filter((a) => a.name === 'authy-2fa')).toHaveLength(1);
    const update = tenant.calls.find((c) => c.method === 'PATCH' && c.path === '/api/v2/actions/actions/act_3') as RecordedCall;
    const secrets = (update.body as { secrets: Array<{ name: string; value: string }> }).secrets;
    expect(secrets.find((s) => s.name === 'SHARED_SECRET')?.value).toBe(TEST_ENV.AUTHY2FA_SHARED_SECRET);
    tenant.writes().forEach(noKeywordsLeft);
    expect(report).toMatchObject({ actionVersion: 2, bindings: ['add-roles', 'authy-2fa', 'audit-log'] });
  });
});

describe('npm run deploy: dry run and a refused scope', () => {
  it('dry run: shows the plan and sends no write', async () => {
    tenant.calls.length = 0;
    const output = captureOutput();
    let report;
    try {
      report = await runDeploy({ rootDir: dir, envName: 'test', dryRun: true, processEnv: {}, build: noBuild, log: () => undefined });
    } finally {
      output.restore();
    }
    // The only POST is the client-credentials token request; nothing is created, patched or deployed.
    expect(tenant.writes().map((c) => `${c.method} ${c.path}`)).toEqual(['POST /oauth/token']);
    expect(output.text()).toContain('Dry Run');
    expect(output.text()).not.toContain(TEST_ENV.AUTHY2FA_SHARED_SECRET);
    expect(report).toMatchObject({ dryRun: true, actionVersion: null, bindings: ['add-roles', 'authy-2fa', 'audit-log'] });
  });

  it('a 403 inside a0deploy (no create:actions) stops with the scopes to grant, and nothing is bound', async () => {
    tenant.stop();
    const fresh = new FakeTenant();
    fresh.failures.push({
      method: 'POST',
      pathPrefix: '/api/v2/actions/actions',
      status: 403,
      body: AUTH0_ERRORS.insufficientScope('create:actions'),
    });
    fresh.start();
    const output = captureOutput();
    let caught: unknown;
    try {
      await runDeploy({ rootDir: dir, envName: 'test', dryRun: false, processEnv: {}, build: noBuild, log: () => undefined });
    } catch (err) {
      caught = err;
    } finally {
      output.restore();
      fresh.stop();
    }
    expect(caught).toBeInstanceOf(DeployError);
    expect((caught as DeployError).code).toBe('MISSING_SCOPES');
    expect((caught as DeployError).message).toContain('create:actions');
    expect(fresh.writes().map((c) => `${c.method} ${c.path}`)).toEqual(['POST /oauth/token', 'POST /api/v2/actions/actions']);
    expect(fresh.bindings).toEqual([]);
  });
});
