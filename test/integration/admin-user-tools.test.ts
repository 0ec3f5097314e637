/**
 * reset-2fa and unlock-2fa against a nock-served tenant (and Authy's remove endpoint).
 */
import nock from 'nock';
import { PassThrough } from 'node:stream';
import { main as reset } from '../../scripts/reset-2fa';
import { main as unlock } from '../../scripts/unlock-2fa';
import type { CliDeps } from '../../scripts/admin/cli';
import { AUDIT_HASH_KEY, AUDIT_SHARED_SECRET, auditEvents, hashOf } from '../fixtures/admin/audit';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, FakeTenant, TEST_ENV, useFakeTenant } from '../fixtures/admin/fake-tenant';
import { CURRENT, LEGACY_MFA, LOCKED, PLAIN, REPRESENTATIVE, TWIN_DB, TWIN_SOCIAL } from '../fixtures/admin/users';

const AUTHY = 'https://api.authy.com';
const AUTHY_KEY = 'test-authy-api-key';

let clock: FakeClock;
let tenant: FakeTenant;

useFakeTenant((fake) => ({ clock, tenant } = fake), ...REPRESENTATIVE, TWIN_DB, TWIN_SOCIAL);

/** A terminal that answers `answer` to the prompt. */
function tty(answer: string): NonNullable<CliDeps['stdin']> {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = true;
  stream.end(`${answer}\n`);
  return stream;
}

function pipeStdin(): NonNullable<CliDeps['stdin']> {
  const stream = new PassThrough();
  stream.end('yes\n');
  return stream;
}

async function run(cli: (deps: CliDeps) => Promise<number>, argv: string[], extra: Partial<CliDeps> = {}) {
  const io = captureStreams();
  const code = await cli({ argv, env: TEST_ENV, stdout: io.stdout, stderr: io.stderr, clock, ...extra });
  return { code, out: io.out(), err: io.err() };
}

describe('reset-2fa', () => {
  it('removes the enrollment of a user given by id, with --yes, and prints the change', async () => {
    const { code, out } = await run(reset, [CURRENT.user_id, '--yes']);
    expect(code).toBe(0);
    expect(tenant.patches().map((p) => p.body)).toEqual([{ app_metadata: { authy_2fa: null } }]);
    expect(tenant.users.get(CURRENT.user_id)!.app_metadata).toEqual({});
    expect(out).toContain(`Changed ${CURRENT.user_id}:`);
    expect(out).toContain(
      'app_metadata.authy_2fa: {"v":1,"authy_id":"3456789","enrolled_at":"2025-01-10T08:00:00.000Z","failures":0,"last_method":"totp"}' +
        ' -> (removed)',
    );
  });

  it('removes rule-era keys too and keeps unrelated app_metadata', async () => {
    const { code } = await run(reset, [LEGACY_MFA.email!, '--yes']);
    expect(code).toBe(0);
    expect(tenant.patches().map((p) => p.body)).toEqual([{ app_metadata: { mfa: null } }]);
    expect(tenant.users.get(LEGACY_MFA.user_id)!.app_metadata).toEqual({ plan: 'gold' });
  });

  it('with --remove-from-authy, removes the Authy user first (documented answer) and then the enrollment', async () => {
    const authy = nock(AUTHY, { reqheaders: { 'x-authy-api-key': AUTHY_KEY } })
      .post('/protected/json/users/6789012/remove')
      .reply(200, { message: 'User removed from application', success: true });
    const { code, out } = await run(reset, [LOCKED.email!, '--yes', '--remove-from-authy'], {
      env: { ...TEST_ENV, AUTHY_API_KEY: AUTHY_KEY },
    });
    expect(code).toBe(0);
    expect(authy.isDone()).toBe(true);
    expect(out).toContain('Authy user 6789012: removed from Authy');
    expect(tenant.patches().map((p) => p.body)).toEqual([{ app_metadata: { authy_2fa: null } }]);
    expect(out).not.toContain(AUTHY_KEY);
  });

  it('leaves Auth0 unchanged when Authy refuses the removal', async () => {
    nock(AUTHY).post('/protected/json/users/6789012/remove').reply(503, { message: 'Service unavailable', success: false });
    const { code, err } = await run(reset, [LOCKED.user_id, '--yes', '--remove-from-authy'], {
      env: { ...TEST_ENV, AUTHY_API_KEY: AUTHY_KEY },
    });
    expect(code).toBe(1);
    expect(err).toContain('Authy did not remove user 6789012 (UNAVAILABLE)');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('needs AUTHY_API_KEY for --remove-from-authy, before any request', async () => {
    const { code, err } = await run(reset, [LOCKED.user_id, '--yes', '--remove-from-authy']);
    expect(code).toBe(2);
    expect(err).toContain('AUTHY_API_KEY is not set');
    expect(tenant.requests).toHaveLength(0);
  });

  it('refuses an email shared by several users and lists them', async () => {
    const { code, err } = await run(reset, ['twin@example.com', '--yes']);
    expect(code).toBe(3);
    expect(err).toContain('2 users have the email twin@example.com');
    expect(err).toContain('auth0|twin-1  (connection: Username-Password-Authentication)');
    expect(err).toContain('google-oauth2|twin-2  (connection: google-oauth2)');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('says so for an unknown user id or email (exit 3)', async () => {
    const byId = await run(reset, ['auth0|nobody', '--yes']);
    expect(byId.code).toBe(3);
    expect(byId.err).toContain('no user has the id auth0|nobody');
    const byEmail = await run(reset, ['nobody@example.com', '--yes']);
    expect(byEmail.code).toBe(3);
    expect(byEmail.err).toContain('no user has the email nobody@example.com');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('refuses input that is neither a user id nor an email, before any request', async () => {
    const { code, err } = await run(reset, ['robert; drop', '--yes']);
    expect(code).toBe(2);
    expect(err).toContain('is neither a user id');
    expect(tenant.requests).toHaveLength(0);
  });

  it('refuses without --yes when stdin is not a terminal', async () => {
    const { code, err } = await run(reset, [CURRENT.user_id], { stdin: pipeStdin() });
    expect(code).toBe(4);
    expect(err).toContain('Pass --yes');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('asks on a terminal: "yes" applies, anything else changes nothing', async () => {
    const no = await run(reset, [CURRENT.user_id], { stdin: tty('no') });
    expect(no.code).toBe(4);
    expect(no.err).toContain('Type "yes" to continue');
    expect(tenant.patches()).toHaveLength(0);

    const yes = await run(reset, [CURRENT.user_id], { stdin: tty('yes') });
    expect(yes.code).toBe(0);
    expect(tenant.patches()).toHaveLength(1);
  });

  it('writes nothing if the user changed while the prompt was open', async () => {
    const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
    stdin.isTTY = true;
    const pending = run(reset, [CURRENT.user_id], { stdin });
    await new Promise((r) => setTimeout(r, 50));
    tenant.users.get(CURRENT.user_id)!.app_metadata = { authy_2fa: { v: 1, authy_id: '1111111', failures: 0 } };
    stdin.end('yes\n');
    const { code, err } = await pending;
    expect(code).toBe(1);
    expect(err).toContain('changed while waiting for confirmation');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('does nothing for a user without enrollment', async () => {
    const { code, out } = await run(reset, [PLAIN.user_id, '--yes']);
    expect(code).toBe(0);
    expect(out).toContain('has no 2FA enrollment: nothing to reset');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('names a missing credential and sends nothing', async () => {
    const io = captureStreams();
    const code = await reset({
      argv: [CURRENT.user_id, '--yes'],
      env: { AUTH0_DOMAIN: TEST_ENV.AUTH0_DOMAIN },
      stdout: io.stdout,
      stderr: io.stderr,
      clock,
    });
    expect(code).toBe(2);
    expect(io.err()).toContain('AUTH0_CLIENT_ID is not set');
    expect(tenant.requests).toHaveLength(0);
  });
});

describe('unlock-2fa', () => {
  it('sets failures to 0 and drops locked_until, keeping the enrollment', async () => {
    const { code, out } = await run(unlock, [LOCKED.user_id, '--yes']);
    expect(code).toBe(0);
    expect(tenant.patches().map((p) => p.body)).toEqual([
      {
        app_metadata: {
          authy_2fa: { v: 1, authy_id: '6789012', enrolled_at: '2025-03-01T08:00:00.000Z', failures: 0, last_method: 'sms' },
        },
      },
    ]);
    expect(out).toContain('"failures":5,"locked_until":"2025-06-02T10:15:00.000Z"');
    expect(out).toContain('Failures are back to 0 and the lock is gone.');
  });

  it('does nothing for a user who is not locked', async () => {
    const { code, out } = await run(unlock, [CURRENT.email!, '--yes']);
    expect(code).toBe(0);
    expect(out).toContain('is not locked and has no failed attempts: nothing to unlock');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('retries after a 429 on the PATCH', async () => {
    tenant.failNext((method) => method === 'PATCH', 1, 429, 2);
    const { code } = await run(unlock, [LOCKED.user_id, '--yes']);
    expect(code).toBe(0);
    expect(tenant.patches().map((p) => p.status)).toEqual([429, 200]);
    expect(tenant.rateLimitViolations()).toEqual([]);
  });

  it('refuses --remove-from-authy', async () => {
    const { code, err } = await run(unlock, [LOCKED.user_id, '--yes', '--remove-from-authy']);
    expect(code).toBe(2);
    expect(err).toContain('--remove-from-authy belongs to reset-2fa');
  });

  it('refuses an ambiguous email', async () => {
    const { code } = await run(unlock, ['twin@example.com', '--yes']);
    expect(code).toBe(3);
    expect(tenant.patches()).toHaveLength(0);
  });
});

describe('--json: the audit event of each change applied, alone on stdout', () => {
  const ENV = { ...TEST_ENV, SHARED_SECRET: AUDIT_SHARED_SECRET };
  const TIME = Date.parse('2025-06-02T10:00:00.000Z');

  it('reset-2fa: one reset event with the tenant and the hashed user; the change itself is described on stderr', async () => {
    const { code, out, err } = await run(reset, [CURRENT.email!, '--yes', '--json'], { env: ENV });
    expect(code).toBe(0);
    expect(auditEvents(out)).toEqual([
      {
        source: 'reset-2fa',
        time: TIME,
        removed: 'authy_2fa',
        event: 'reset',
        tenant: 'acme-test.eu.auth0.com',
        user: hashOf(CURRENT.user_id),
        msg: 'audit',
      },
    ]);
    expect(out).not.toContain(CURRENT.user_id);
    expect(out).not.toContain(CURRENT.email);
    expect(out).not.toContain('3456789');
    expect(err).toContain(`Changed ${CURRENT.user_id}:`);
    expect(tenant.patches()).toHaveLength(1);
  });

  it('reset-2fa --remove-from-authy: authy_user_removed, then reset (rule-era keys named, not their values)', async () => {
    nock(AUTHY).post('/protected/json/users/2345678/remove').reply(200, { message: 'User removed from application', success: true });
    const { code, out } = await run(reset, [LEGACY_MFA.user_id, '--yes', '--json', '--remove-from-authy'], {
      env: { ...ENV, AUTHY_API_KEY: AUTHY_KEY },
    });
    expect(code).toBe(0);
    const events = auditEvents(out);
    expect(events.map((e) => e.event)).toEqual(['authy_user_removed', 'reset']);
    expect(events[1]).toMatchObject({ removed: 'mfa', user: hashOf(LEGACY_MFA.user_id) });
    expect(new Set(events.map((e) => e.user))).toEqual(new Set([hashOf(LEGACY_MFA.user_id)]));
    expect(out).not.toContain('2345678');
  });

  it('unlock-2fa: unlocked, with the failures it cleared and whether a lock was set', async () => {
    const { code, out } = await run(unlock, [LOCKED.user_id, '--yes', '--json'], { env: ENV });
    expect(code).toBe(0);
    expect(auditEvents(out)).toEqual([
      expect.objectContaining({
        source: 'unlock-2fa',
        event: 'unlocked',
        failures_before: 5,
        was_locked: true,
        user: hashOf(LOCKED.user_id),
      }),
    ]);
  });

  it("AUDIT_HASH_KEY, when set, is the key (over SHARED_SECRET); the Action's AUTHY2FA_ names count too", async () => {
    const withKey = await run(unlock, [LOCKED.user_id, '--yes', '--json'], { env: { ...ENV, AUDIT_HASH_KEY } });
    expect(auditEvents(withKey.out)[0]?.user).toBe(hashOf(LOCKED.user_id, AUDIT_HASH_KEY));
    tenant.users.get(LOCKED.user_id)!.app_metadata = { authy_2fa: { v: 1, authy_id: '6789012', failures: 2 } };
    const deployEnv = await run(unlock, [LOCKED.user_id, '--yes', '--json'], {
      env: { ...TEST_ENV, AUTHY2FA_SHARED_SECRET: AUDIT_SHARED_SECRET },
    });
    expect(auditEvents(deployEnv.out)).toEqual([
      expect.objectContaining({ failures_before: 2, was_locked: false, user: hashOf(LOCKED.user_id) }),
    ]);
  });

  it('without any key: the event has the tenant and a note instead of the user, and stderr says so before the change', async () => {
    const { code, out, err } = await run(reset, [CURRENT.user_id, '--yes', '--json']);
    expect(code).toBe(0);
    const [event] = auditEvents(out);
    expect(event).toMatchObject({ event: 'reset', tenant: 'acme-test.eu.auth0.com', note: expect.stringContaining('not hashed') });
    expect(event).not.toHaveProperty('user');
    expect(err).toContain('the audit events carry no user hash');
    expect(out).not.toContain(CURRENT.user_id);
  });

  it('a key shorter than the forms server accepts stops the tool before any request', async () => {
    const { code, err } = await run(reset, [CURRENT.user_id, '--yes', '--json'], {
      env: { ...TEST_ENV, SHARED_SECRET: 'tiny-secret-value' },
    });
    expect(code).toBe(2);
    expect(err).toContain('SHARED_SECRET must be at least 32 bytes');
    expect(err).not.toContain('tiny-secret-value');
    expect(tenant.requests).toHaveLength(0);
  });

  it('nothing applied, nothing on stdout: nothing to do, not confirmed, Authy refused', async () => {
    expect((await run(reset, [PLAIN.user_id, '--yes', '--json'], { env: ENV })).out).toBe('');
    expect((await run(reset, [CURRENT.user_id, '--json'], { env: ENV, stdin: tty('no') })).out).toBe('');
    nock(AUTHY).post('/protected/json/users/6789012/remove').reply(503, { message: 'Service unavailable', success: false });
    const refused = await run(reset, [LOCKED.user_id, '--yes', '--json', '--remove-from-authy'], {
      env: { ...ENV, AUTHY_API_KEY: AUTHY_KEY },
    });
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('without --json: no event, the results on stdout as before', async () => {
    const { out } = await run(unlock, [LOCKED.user_id, '--yes'], { env: ENV });
    expect(out).toContain('Failures are back to 0');
    expect(out).not.toContain('"msg":"audit"');
  });
});
