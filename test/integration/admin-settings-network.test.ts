/**
 * No dead ends, for every admin tool: `--env <name>` taken the same way (and a missing
 * `.env.<name>` named, with the files that exist), every missing setting listed in one error
 * naming the file read, and an unreachable tenant, Authy or export host said in plain words
 * ("cannot reach <host>: <reason>") instead of "fetch failed". Against nock: nothing leaves the machine.
 */
import nock from 'nock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliDeps } from '../../scripts/admin/cli';
import { main as auditHash } from '../../scripts/audit-hash';
import { main as enroll } from '../../scripts/enroll-2fa';
import { main as migrate } from '../../scripts/migrate-users';
import { main as migrateToVerify } from '../../scripts/migrate-to-verify';
import { main as report } from '../../scripts/report';
import { main as reset } from '../../scripts/reset-2fa';
import { main as unlock } from '../../scripts/unlock-2fa';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, DOMAIN, EXPORT_HOST, FakeTenant, TEST_ENV } from '../fixtures/admin/fake-tenant';
import { CURRENT, LOCKED, PLAIN, REPRESENTATIVE } from '../fixtures/admin/users';

type Main = (deps: CliDeps) => Promise<number>;

const AUTHY = 'https://api.authy.com';
const AUTHY_KEY = 'test-authy-api-key';
const SECRETS = [TEST_ENV.AUTH0_CLIENT_SECRET, AUTHY_KEY, 'test-management-token'];

let clock: FakeClock;
let tenant: FakeTenant;
let dir = '';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  clock = new FakeClock();
  tenant = new FakeTenant(clock);
  tenant.add(...REPRESENTATIVE);
  dir = mkdtempSync(join(tmpdir(), 'admin-settings-'));
});
afterEach(() => {
  nock.cleanAll();
  rmSync(dir, { recursive: true, force: true });
});

async function run(cli: Main, argv: string[], extra: Partial<CliDeps> = {}) {
  const io = captureStreams();
  const code = await cli({ argv, env: TEST_ENV, stdout: io.stdout, stderr: io.stderr, clock, ...extra });
  const printed = io.out() + io.err();
  for (const secret of SECRETS) expect(printed).not.toContain(secret);
  // Plain words only: no bare "fetch failed", no stack trace.
  expect(printed).not.toMatch(/fetch failed|\n\s+at .+:\d+:\d+/);
  return { code, out: io.out(), err: io.err() };
}

/** Every tool, with arguments that would otherwise run it. */
const TOOLS: Array<[string, Main, string[]]> = [
  ['report', report, []],
  ['reset-2fa', reset, [CURRENT.user_id, '--yes']],
  ['unlock-2fa', unlock, [LOCKED.user_id, '--yes']],
  ['enroll-2fa', enroll, [PLAIN.user_id, '--phone', '+12015550123']],
  ['migrate-users', migrate, ['--report', 'report.json']],
  ['audit-hash', auditHash, ['auth0|ana']],
  ['migrate-to-verify', migrateToVerify, []],
];

describe('--env <name>, the same for every tool', () => {
  it.each(TOOLS)('%s --env nope: names .env.nope and the .env files that exist, exit 2, no request', async (_name, cli, argv) => {
    tenant.install();
    writeFileSync(join(dir, '.env.dev'), 'AUTH0_DOMAIN=acme-test.eu.auth0.com\n');
    writeFileSync(join(dir, '.env.example'), '');
    const { code, out, err } = await run(cli, [...argv, '--env', 'nope'], { env: {}, processEnv: {}, cwd: dir });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`error: --env nope: .env.nope does not exist in ${dir}\n`);
    expect(err).toContain(`  .env files in ${dir}: .env.dev\n`);
    expect(err).toContain('  use one of: --env dev\n');
    expect(err).not.toContain('.env.example:');
    expect(tenant.requests).toHaveLength(0);
  });

  it.each(TOOLS.filter(([name]) => name !== 'audit-hash' && name !== 'migrate-to-verify'))(
    '%s --env dev reads .env.dev, says so, and the process environment wins over it',
    async (_name, cli, argv) => {
      tenant.install();
      const file = [`AUTH0_DOMAIN=${DOMAIN}`, 'AUTH0_CLIENT_ID=test-client-id', 'AUTH0_CLIENT_SECRET=wrong-secret-in-the-file'];
      writeFileSync(join(dir, '.env.dev'), `${file.join('\n')}\n`);
      const processEnv = { AUTH0_CLIENT_SECRET: TEST_ENV.AUTH0_CLIENT_SECRET };
      const { code, err } = await run(cli, [...argv, '--env', 'dev'], { env: {}, processEnv, cwd: dir });
      expect(err).toContain('settings: .env.dev and the environment (--env dev)');
      expect(code).toBe(0);
      // The token request carried the environment's secret (the fake tenant refuses any other).
      expect(tenant.requests[0]).toMatchObject({ method: 'POST', path: '/oauth/token' });
    },
  );

  it('without --env a tool reads .env and says so', async () => {
    tenant.install();
    writeFileSync(join(dir, '.env'), `AUTH0_DOMAIN=${DOMAIN}\nAUTH0_CLIENT_ID=test-client-id\n`);
    const processEnv = { AUTH0_CLIENT_SECRET: TEST_ENV.AUTH0_CLIENT_SECRET };
    const { code, err } = await run(report, ['--json'], { env: {}, processEnv, cwd: dir });
    expect(code).toBe(0);
    expect(err.split('\n')[0]).toBe('settings: .env and the environment');
  });
});

describe('every missing setting at once, naming the file read', () => {
  it('report: the three Auth0 settings in one error naming .env.staging, exit 2, no request', async () => {
    tenant.install();
    writeFileSync(join(dir, '.env.staging'), 'AUTHY2FA_FORMS_URL=https://2fa.example.com/2fa\n');
    const { code, err } = await run(report, ['--env', 'staging'], { env: {}, processEnv: {}, cwd: dir });
    expect(code).toBe(2);
    expect(err).toContain(
      [
        'error: 3 settings are missing or invalid (read from .env.staging and the environment):',
        '  - AUTH0_DOMAIN is not set: the tenant host, e.g. acme.eu.auth0.com',
        '  - AUTH0_CLIENT_ID is not set: the machine-to-machine application allowed to call the Management API',
        "  - AUTH0_CLIENT_SECRET is not set: that application's client secret",
        'Set them in .env.staging or in the environment (a variable set in the environment wins over the file).',
      ].join('\n'),
    );
    expect(tenant.requests).toHaveLength(0);
  });

  it('enroll-2fa --apply --json with nothing set: Auth0, Authy and the audit key problems in one error ("the environment")', async () => {
    tenant.install();
    const { code, err } = await run(enroll, [PLAIN.user_id, '--phone', '+12015550123', '--apply', '--json'], {
      env: { AUDIT_HASH_KEY: 'too-short' },
    });
    expect(code).toBe(2);
    expect(err).toContain('error: 5 settings are missing or invalid (read from the environment only):');
    for (const name of [
      'AUTH0_DOMAIN is not set',
      'AUTH0_CLIENT_ID is not set',
      'AUTH0_CLIENT_SECRET is not set',
      'AUTHY_API_KEY is not set',
    ]) {
      expect(err).toContain(`  - ${name}`);
    }
    expect(err).toContain('  - AUDIT_HASH_KEY must be at least 32 bytes');
    expect(err).not.toContain('too-short');
    expect(tenant.requests).toHaveLength(0);
  });

  it('migrate-to-verify --env staging: every Auth0, Authy and Verify gap in one error naming .env.staging', async () => {
    tenant.install();
    writeFileSync(join(dir, '.env.staging'), `AUTH0_DOMAIN=${DOMAIN}\nTWILIO_ACCOUNT_SID=AC1\n`);
    const { code, err } = await run(migrateToVerify, ['--env', 'staging'], { env: {}, processEnv: {}, cwd: dir });
    expect(code).toBe(2);
    expect(err).toContain('settings: .env.staging and the environment (--env staging)');
    expect(err).toContain('error: 6 settings are missing or invalid (read from .env.staging and the environment):');
    for (const name of [
      'AUTH0_CLIENT_ID',
      'AUTH0_CLIENT_SECRET',
      'AUTHY_API_KEY',
      'VERIFY_SERVICE_SID',
      'VERIFY_IDENTITY_KEY',
      'TWILIO_AUTH_TOKEN',
    ]) {
      expect(err).toContain(`  - ${name} is not set: `);
    }
    expect(tenant.requests).toHaveLength(0);
  });

  it('reset-2fa --remove-from-authy: the missing Authy key and a malformed domain together', async () => {
    tenant.install();
    const env = { ...TEST_ENV, AUTH0_DOMAIN: 'https://acme-test.eu.auth0.com' };
    const { code, err } = await run(reset, [CURRENT.user_id, '--yes', '--remove-from-authy'], { env });
    expect(code).toBe(2);
    expect(err).toContain('error: 2 settings are missing or invalid');
    expect(err).toContain('  - AUTH0_DOMAIN must be a bare host name');
    expect(err).toContain('  - AUTHY_API_KEY is not set: --remove-from-authy calls the Authy API with it');
    expect(tenant.requests).toHaveLength(0);
  });
});

describe('an unreachable host, in plain words', () => {
  it('report: the tenant does not resolve (DNS): names the tenant, no retry, exit 1', async () => {
    const token = nock(`https://${DOMAIN}`).post('/oauth/token').replyWithError({ code: 'ENOTFOUND' });
    const { code, err } = await run(report, []);
    expect(code).toBe(1);
    expect(token.isDone()).toBe(true);
    expect(err).toMatch(
      new RegExp(`error: .*cannot reach ${DOMAIN.replace(/\./g, '\\.')}: the name does not resolve \\(DNS\\)\\. Check the host name`),
    );
    expect(err).not.toContain('waiting');
  });

  it('unlock-2fa: the Management API refuses the connection: retried with the reason in words, then stops', async () => {
    const api = nock(`https://${DOMAIN}`)
      .get(/^\/api\/v2\/users\//)
      .times(4)
      .replyWithError({ code: 'ECONNREFUSED' });
    tenant.install();
    const { code, err } = await run(unlock, [LOCKED.user_id, '--yes']);
    expect(code).toBe(1);
    expect(api.isDone()).toBe(true);
    expect(err).toContain(`cannot reach ${DOMAIN}: the connection was refused (GET user ${LOCKED.user_id}): waiting`);
    expect(err).toContain(`error: GET user ${LOCKED.user_id} failed: cannot reach ${DOMAIN}: the connection was refused. Nothing accepted`);
    expect(tenant.patches()).toHaveLength(0);
  });

  it('reset-2fa: a TLS certificate problem on the tenant is said as such, and nothing is changed', async () => {
    nock(`https://${DOMAIN}`)
      .get(/^\/api\/v2\/users\//)
      .replyWithError({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    tenant.install();
    const { code, err } = await run(reset, [CURRENT.user_id, '--yes']);
    expect(code).toBe(1);
    expect(err).toContain(
      `cannot reach ${DOMAIN}: its TLS certificate could not be verified (no trusted issuer) (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
    );
    expect(err).toContain('NODE_EXTRA_CA_CERTS');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('reset-2fa --remove-from-authy: Authy times out: names api.authy.com, Auth0 is left unchanged', async () => {
    tenant.install();
    nock(AUTHY).post('/protected/json/users/6789012/remove').replyWithError({ code: 'UND_ERR_CONNECT_TIMEOUT' });
    const { code, err } = await run(reset, [LOCKED.user_id, '--yes', '--remove-from-authy'], {
      env: { ...TEST_ENV, AUTHY_API_KEY: AUTHY_KEY },
    });
    expect(code).toBe(1);
    expect(err).toContain('error: Authy did not remove user 6789012: cannot reach api.authy.com: no answer in time (timeout).');
    expect(err).toContain('The Auth0 enrollment was left unchanged.');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('enroll-2fa --apply: Authy cannot be looked up (EAI_AGAIN): nothing is written to Auth0', async () => {
    tenant.install();
    nock(AUTHY).post('/protected/json/users/new').replyWithError({ code: 'EAI_AGAIN' });
    const { code, err } = await run(enroll, [PLAIN.user_id, '--phone', '+12015550123', '--apply'], {
      env: { ...TEST_ENV, AUTHY_API_KEY: AUTHY_KEY },
    });
    expect(code).toBe(1);
    expect(err).toContain(
      'error: Authy did not register the phone: cannot reach api.authy.com: the name could not be looked up just now (DNS).',
    );
    expect(err).toContain('Nothing was written to Auth0.');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('migrate-users: the export download host resets the connection: names that host, never the signed link', async () => {
    nock(EXPORT_HOST).get(/.*/).replyWithError({ code: 'ECONNRESET' });
    tenant.install();
    const { code, err } = await run(migrate, ['--report', 'report.json'], { cwd: dir });
    expect(code).toBe(1);
    const host = new URL(EXPORT_HOST).host;
    expect(err).toContain(
      `error: downloading the user export failed: cannot reach ${host}: the connection was closed before an answer (reset).`,
    );
    expect(err).not.toContain(`${EXPORT_HOST}/`);
  });
});
