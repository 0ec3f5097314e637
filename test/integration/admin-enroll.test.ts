/**
 * enroll-2fa against a nock-served tenant and Authy's users/new endpoint, answers shaped as
 * Authy documents them. The phone number must never appear in anything the command prints.
 */
import nock from 'nock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnrollment } from '../../lib/enrollment';
import type { CliDeps } from '../../scripts/admin/cli';
import { main as enroll } from '../../scripts/enroll-2fa';
import { AUDIT_SHARED_SECRET, auditEvents, hashOf } from '../fixtures/admin/audit';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, FakeTenant, TEST_ENV, useFakeTenant } from '../fixtures/admin/fake-tenant';
import { CURRENT, LEGACY_MFA, PLAIN, REPRESENTATIVE, TWIN_DB, TWIN_SOCIAL } from '../fixtures/admin/users';

const AUTHY = 'https://api.authy.com';
const AUTHY_KEY = 'test-authy-api-key';
const ENV = { ...TEST_ENV, AUTHY_API_KEY: AUTHY_KEY };
const E164 = '+12015550123';
const DIGITS = ['2015550123', '201 555 0123', '555 0123', '5550123'];
const NOW_ISO = '2025-06-02T10:00:00.000Z';

/** Authy's documented answer to POST /protected/json/users/new. */
const CREATED = { message: 'User created successfully.', user: { id: 8901234 }, success: true };
/** Authy's documented answer for a phone it refuses (HTTP 400, error_code 60027). */
const NOT_VALID = {
  message: 'User was not valid',
  success: false,
  errors: { message: 'User was not valid', cellphone: 'is invalid' },
  cellphone: 'is invalid',
  error_code: '60027',
};

let clock: FakeClock;
let tenant: FakeTenant;

useFakeTenant((fake) => ({ clock, tenant } = fake), ...REPRESENTATIVE, TWIN_DB, TWIN_SOCIAL);

async function run(argv: string[], extra: Partial<CliDeps> = {}) {
  const io = captureStreams();
  const code = await enroll({ argv, env: ENV, stdout: io.stdout, stderr: io.stderr, clock, ...extra });
  const printed = io.out() + io.err();
  for (const digits of DIGITS) expect(printed).not.toContain(digits);
  expect(printed).not.toContain(AUTHY_KEY);
  return { code, out: io.out(), err: io.err() };
}

function authyRegisters(email: string, cellphone: string, countryCode: string, answer: [number, object] = [200, CREATED]) {
  return nock(AUTHY, { reqheaders: { 'x-authy-api-key': AUTHY_KEY } })
    .post('/protected/json/users/new', { 'user[email]': email, 'user[cellphone]': cellphone, 'user[country_code]': countryCode })
    .reply(...answer);
}

describe('enroll-2fa: dry run and --apply', () => {
  it('dry run by default: shows the change with the masked phone, calls neither Authy nor PATCH', async () => {
    const { code, out } = await run([PLAIN.user_id, '--phone', E164]);
    expect(code).toBe(0);
    expect(out).toContain(
      `Dry run: enroll 2FA of ${PLAIN.user_id} (connection: Username-Password-Authentication) with phone +1 ********23:`,
    );
    expect(out).toContain(`app_metadata.authy_2fa: (absent) -> {"v":1,"authy_id":"(from Authy)","enrolled_at":"${NOW_ISO}","failures":0}`);
    expect(out).toContain('Nothing was changed. Run again with --apply');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('--apply registers the phone with Authy, then writes the enrollment in the format the Action reads', async () => {
    const authy = authyRegisters(PLAIN.email!, '2015550123', '1');
    const { code, out } = await run([PLAIN.email!, '--phone', E164, '--apply']);
    expect(code).toBe(0);
    expect(authy.isDone()).toBe(true);
    const stored = { v: 1, authy_id: '8901234', enrolled_at: NOW_ISO, failures: 0 };
    expect(tenant.patches().map((p) => p.body)).toEqual([{ app_metadata: { authy_2fa: stored } }]);
    const appMetadata = tenant.users.get(PLAIN.user_id)!.app_metadata;
    expect(readEnrollment(appMetadata)).toEqual({
      authyId: '8901234',
      source: 'current',
      failures: 0,
      lockedUntilMs: null,
      enrolledAt: NOW_ISO,
    });
    expect(out).toContain('Authy user 8901234: phone +1 ********23 registered');
    expect(out).toContain(`Changed ${PLAIN.user_id}:`);
    expect(out).toContain('app_metadata.authy_2fa: (absent) -> {"v":1,"authy_id":"8901234"');
  });

  it('takes a national number with --country', async () => {
    const authy = authyRegisters(PLAIN.email!, '7400123456', '44');
    const { code, out } = await run([PLAIN.user_id, '--phone', '07400 123456', '--country', 'gb', '--apply']);
    expect(code).toBe(0);
    expect(authy.isDone()).toBe(true);
    expect(out).toContain('+44 ********56');
  });

  it('reads .env.<name> with --env, the process environment winning over the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enroll-env-'));
    try {
      const file = ['AUTH0_DOMAIN=acme-test.eu.auth0.com', 'AUTH0_CLIENT_ID=test-client-id', 'AUTH0_CLIENT_SECRET=wrong-secret'];
      writeFileSync(join(dir, '.env.staging'), `${file.join('\n')}\n`);
      const processEnv = { AUTH0_CLIENT_SECRET: TEST_ENV.AUTH0_CLIENT_SECRET, AUTHY_API_KEY: AUTHY_KEY };
      const authy = authyRegisters(PLAIN.email!, '2015550123', '1');
      const { code, err } = await run([PLAIN.user_id, '--phone', E164, '--env', 'staging', '--apply'], { env: {}, cwd: dir, processEnv });
      expect(code).toBe(0);
      expect(err).toContain('settings: .env.staging and the environment (--env staging)');
      expect(authy.isDone()).toBe(true);
      expect(tenant.patches()).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('enroll-2fa: users already enrolled', () => {
  it('refuses an enrolled user without --force, showing the stored value, and changes nothing', async () => {
    const { code, err } = await run([CURRENT.user_id, '--phone', E164, '--apply']);
    expect(code).toBe(6);
    expect(err).toContain(`${CURRENT.user_id} is already enrolled (Authy user 3456789); nothing was changed. Pass --force`);
    expect(err).toContain('app_metadata.authy_2fa: {"v":1,"authy_id":"3456789"');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('counts a rule-era enrollment too; with --force it replaces it and removes the rule-era key', async () => {
    expect((await run([LEGACY_MFA.user_id, '--phone', E164])).code).toBe(6);
    const authy = authyRegisters(LEGACY_MFA.email!, '2015550123', '1');
    const { code, out } = await run([LEGACY_MFA.user_id, '--phone', E164, '--apply', '--force']);
    expect(code).toBe(0);
    expect(authy.isDone()).toBe(true);
    expect(out).toContain('replaces the enrollment with Authy user 2345678 (--force)');
    expect(out).toContain('app_metadata.mfa: {"provider":"authy","payload":{"id":"2345678"}} -> (removed)');
    expect(tenant.patches().map((p) => p.body)).toEqual([
      { app_metadata: { authy_2fa: { v: 1, authy_id: '8901234', enrolled_at: NOW_ISO, failures: 0 }, mfa: null } },
    ]);
    expect(tenant.users.get(LEGACY_MFA.user_id)!.app_metadata).toMatchObject({ plan: 'gold' });
  });
});

describe('enroll-2fa: refusals and failures', () => {
  it.each([
    ['a national number without --country', ['--phone', '201 555 0123'], 'give its country with --country XX'],
    ['a landline', ['--phone', '+442079460000'], 'is not a mobile number'],
    ['a number that is not valid', ['--phone', '+1201555'], 'is not a valid phone number'],
    ['letters', ['--phone', '201-CALL-NOW', '--country', 'US'], 'may hold only digits'],
    ['an unknown country', ['--phone', '201 555 0123', '--country', 'XX'], '--country takes a two-letter country code'],
    ['no phone at all', [], '--phone is required'],
  ])('refuses %s before any request (exit 2)', async (_label, args, message) => {
    const { code, err } = await run([PLAIN.user_id, ...args, '--apply']);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(tenant.requests).toHaveLength(0);
  });

  it('needs AUTHY_API_KEY for --apply, before any request', async () => {
    const { code, err } = await run([PLAIN.user_id, '--phone', E164, '--apply'], { env: TEST_ENV });
    expect(code).toBe(2);
    expect(err).toContain('AUTHY_API_KEY is not set: enroll-2fa --apply registers the phone with the Authy API');
    expect(tenant.requests).toHaveLength(0);
  });

  it('writes nothing when Authy refuses the phone', async () => {
    const authy = authyRegisters(PLAIN.email!, '2015550123', '1', [400, NOT_VALID]);
    const { code, err } = await run([PLAIN.user_id, '--phone', E164, '--apply']);
    expect(code).toBe(1);
    expect(authy.isDone()).toBe(true);
    expect(err).toContain(
      'Authy did not register the phone (INVALID_PHONE): Authy refused the phone number; nothing was written to Auth0.',
    );
    expect(tenant.patches()).toHaveLength(0);
  });

  it('refuses an ambiguous email and an unknown user (exit 3)', async () => {
    expect((await run(['twin@example.com', '--phone', E164])).code).toBe(3);
    const unknown = await run(['auth0|nobody', '--phone', E164]);
    expect(unknown.code).toBe(3);
    expect(unknown.err).toContain('no user has the id auth0|nobody');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('retries a 429 on the PATCH within the rate limit', async () => {
    authyRegisters(PLAIN.email!, '2015550123', '1');
    tenant.failNext((method) => method === 'PATCH', 1, 429, 2);
    const { code } = await run([PLAIN.user_id, '--phone', E164, '--apply']);
    expect(code).toBe(0);
    expect(tenant.patches().map((p) => p.status)).toEqual([429, 200]);
    expect(tenant.rateLimitViolations()).toEqual([]);
  });

  it('says what to do when the PATCH fails after Authy registered the phone', async () => {
    authyRegisters(PLAIN.email!, '2015550123', '1');
    tenant.failNext((method) => method === 'PATCH', 1, 403);
    const { code, err } = await run([PLAIN.user_id, '--phone', E164, '--apply']);
    expect(code).toBe(1);
    expect(err).toContain('Authy user 8901234 is registered, but the enrollment was not written; run the same command again.');
  });
});

describe('enroll-2fa --json', () => {
  const AUDITED = { ...ENV, SHARED_SECRET: AUDIT_SHARED_SECRET };

  it('--apply: one pre_enrolled event on stdout, the user hashed, no phone and no Authy id; the rest on stderr', async () => {
    authyRegisters(PLAIN.email!, '2015550123', '1');
    const { code, out, err } = await run([PLAIN.user_id, '--phone', E164, '--apply', '--json'], { env: AUDITED });
    expect(code).toBe(0);
    expect(auditEvents(out)).toEqual([
      {
        source: 'enroll-2fa',
        time: Date.parse(NOW_ISO),
        replaced: false,
        event: 'pre_enrolled',
        tenant: 'acme-test.eu.auth0.com',
        user: hashOf(PLAIN.user_id),
        msg: 'audit',
      },
    ]);
    for (const never of [PLAIN.user_id, PLAIN.email!, '8901234', '********23']) expect(out).not.toContain(never);
    expect(err).toContain('Authy user 8901234: phone +1 ********23 registered');
  });

  it('--force over an enrollment: replaced true', async () => {
    authyRegisters(LEGACY_MFA.email!, '2015550123', '1');
    const { code, out } = await run([LEGACY_MFA.user_id, '--phone', E164, '--apply', '--force', '--json'], { env: AUDITED });
    expect(code).toBe(0);
    expect(auditEvents(out)).toEqual([
      expect.objectContaining({ event: 'pre_enrolled', replaced: true, user: hashOf(LEGACY_MFA.user_id) }),
    ]);
  });

  it('a dry run writes no event (and needs no key); a refused phone neither', async () => {
    const dry = await run([PLAIN.user_id, '--phone', E164, '--json'], { env: ENV });
    expect(dry.code).toBe(0);
    expect(dry.out).toBe('');
    expect(dry.err).toContain('Nothing was changed.');
    expect(dry.err).not.toContain('no user hash');
    authyRegisters(PLAIN.email!, '2015550123', '1', [400, NOT_VALID]);
    const refused = await run([PLAIN.user_id, '--phone', E164, '--apply', '--json'], { env: AUDITED });
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
  });
});
