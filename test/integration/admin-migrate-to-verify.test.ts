/**
 * migrate-to-verify against a nock-served tenant (fake-tenant.ts) and nock-served Authy and
 * Twilio Verify (fake-twilio.ts): the dry run writes nothing; --apply creates exactly the expected
 * factors from the exported seeds and writes exactly the expected app_metadata; a seed whose code
 * is not Authy's code is refused with nothing created; a stopped run resumes from its checkpoint
 * and a factor it left behind is deleted; 429s of both APIs are waited out; --remove-from-authy
 * removes only users who have logged in with Verify since.
 */
import nock from 'nock';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyIdentity } from '../../lib/providers/verify';
import { base32Decode, totp } from '../../lib/totp';
import { main } from '../../scripts/migrate-to-verify';
import { MIGRATED_FACTOR_NAME } from '../../scripts/admin/plan-verify-migration';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, FakeTenant, TEST_ENV, type FakeUser } from '../fixtures/admin/fake-tenant';
import { FakeTwilio } from '../fixtures/admin/fake-twilio';
import { ACCOUNT_SID, AUTH_TOKEN, IDENTITY_SECRET, SECRET, SERVICE_SID } from '../helpers/verify';

const ENV = {
  ...TEST_ENV,
  AUTHY_API_KEY: 'test-authy-api-key',
  VERIFY_SERVICE_SID: SERVICE_SID,
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  VERIFY_IDENTITY_KEY: IDENTITY_SECRET,
};
const SECOND_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const ALICE: FakeUser = {
  user_id: 'auth0|alice',
  connection: 'Username-Password-Authentication',
  app_metadata: {
    plan: 'gold',
    authy_2fa: { v: 1, authy_id: '1000001', enrolled_at: '2024-01-02T03:04:05.000Z', failures: 2, last_method: 'totp' },
  },
};
const BOB: FakeUser = {
  user_id: 'auth0|bob',
  connection: 'Username-Password-Authentication',
  app_metadata: { authy_2fa: { v: 1, authy_id: '1000002', enrolled_at: '2024-02-02T03:04:05.000Z', failures: 0 } },
};
/** No seed to export: stays on Authy. */
const CAROL: FakeUser = {
  user_id: 'auth0|carol',
  connection: 'Username-Password-Authentication',
  app_metadata: { authy_2fa: { v: 1, authy_id: '1000003', failures: 0 } },
};
/** An export whose code is not the seed's: refused. */
const DAVE: FakeUser = {
  user_id: 'auth0|dave',
  connection: 'Username-Password-Authentication',
  app_metadata: { authy_2fa: { v: 1, authy_id: '1000004', failures: 0 } },
};
const ON_VERIFY: FakeUser = {
  user_id: 'auth0|erin',
  connection: 'Username-Password-Authentication',
  app_metadata: { authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: 'YF' + '9'.repeat(32), failures: 0 } },
};
const NOT_ENROLLED: FakeUser = { user_id: 'auth0|frank', connection: 'Username-Password-Authentication' };

let dir: string;
let clock: FakeClock;
let tenant: FakeTenant;
let twilio: FakeTwilio;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'admin-migrate-verify-'));
  clock = new FakeClock();
  tenant = new FakeTenant(clock);
  tenant.install();
  twilio = new FakeTwilio(clock);
  twilio.install();
  twilio.seeds.set('1000001', { secret: SECRET });
  twilio.seeds.set('1000002', { secret: SECOND_SECRET });
  twilio.seeds.set('1000004', { secret: SECOND_SECRET, wrongOtp: true });
  tenant.add(ALICE, BOB, CAROL, DAVE, ON_VERIFY, NOT_ENROLLED);
});

afterEach(() => {
  nock.cleanAll();
  rmSync(dir, { recursive: true, force: true });
});

async function run(env: Record<string, string>, ...argv: string[]) {
  const io = captureStreams();
  const code = await main({ argv: [...argv, '--report', 'report.json'], env, stdout: io.stdout, stderr: io.stderr, clock, cwd: dir });
  const reportFile = join(dir, 'report.json');
  const reportText = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
  return { code, out: io.out(), err: io.err(), reportText, report: reportText ? JSON.parse(reportText) : null };
}

const identity = (userId: string) => verifyIdentity(userId, IDENTITY_SECRET);
const checkpoint = () => join(dir, 'reports', 'migrate-to-verify.checkpoint.ndjson');
const byUser = (report: { users: { user_id: string }[] }) => Object.fromEntries(report.users.map((u) => [u.user_id, u]));
const patchesOf = () => Object.fromEntries(tenant.patches().map((p) => [decodeURIComponent(p.path.replace('/api/v2/users/', '')), p.body]));

/** No seed, no code, no credential anywhere the tool writes or prints. */
function expectNoSecrets(...texts: string[]): void {
  const nowCode = (secret: string) => totp(base32Decode(secret), clock.nowMs(), 6, 30);
  for (const text of texts) {
    for (const secret of [
      SECRET,
      SECOND_SECRET,
      nowCode(SECRET),
      nowCode(SECOND_SECRET),
      AUTH_TOKEN,
      'test-authy-api-key',
      IDENTITY_SECRET,
    ]) {
      expect(text).not.toContain(secret);
    }
  }
}

describe('migrate-to-verify dry run (default)', () => {
  it('exports and checks each seed, creates no factor, writes no app_metadata, and reports who would move', async () => {
    const { code, out, err, report, reportText } = await run(ENV);
    expect(code).toBe(0);
    expect(tenant.patches()).toHaveLength(0);
    expect(twilio.writes()).toEqual([]);
    expect(twilio.requests.filter((r) => r.api === 'verify')).toEqual([]);
    expect(out).toContain('Dry run (migrate) on acme-test.eu.auth0.com: nothing was changed.');
    expect(report).toMatchObject({ kind: 'migrate-to-verify-report', mode: 'dry-run', complete: true, scanned: 6 });
    const users = byUser(report);
    expect(Object.keys(users).sort()).toEqual([ALICE.user_id, BOB.user_id, CAROL.user_id, DAVE.user_id].sort());
    expect(users[ALICE.user_id]).toMatchObject({
      outcome: 'would-migrate',
      previous: { authy_2fa: ALICE.app_metadata?.authy_2fa },
      patch: { authy_2fa: { ...(ALICE.app_metadata?.authy_2fa as object), provider: 'verify', verify_factor_sid: '(created by --apply)' } },
    });
    expect(users[CAROL.user_id]).toMatchObject({ outcome: 'stays-on-authy', reason: 'Authy has no seed to export for this user' });
    expect(users[DAVE.user_id]).toMatchObject({
      outcome: 'refused',
      reason: 'the code computed from the exported seed does not match the code Authy returned',
    });
    expect(out).toContain('Stays on Authy, and keeps working (no seed export; MOVE_TO_VERIFY=true moves them at their next login) (1):');
    expect(existsSync(checkpoint())).toBe(false);
    expectNoSecrets(out, err, reportText);
  });
});

describe('migrate-to-verify --apply', () => {
  it('creates each factor from the exported seed with its parameters, verifies it, and writes exactly the expected records', async () => {
    const { code, out, err, report, reportText } = await run(ENV, '--apply');
    expect(code).toBe(0);

    const creations = twilio.factorCreations();
    expect(creations.map((r) => r.path)).toEqual([
      `/Entities/${identity(ALICE.user_id)}/Factors`,
      `/Entities/${identity(BOB.user_id)}/Factors`,
    ]);
    expect(creations[0].form).toEqual({
      FactorType: 'totp',
      FriendlyName: MIGRATED_FACTOR_NAME,
      'Binding.Secret': SECRET,
      'Config.TimeStep': '30',
      'Config.CodeLength': '6',
      'Config.Alg': 'sha1',
    });
    expect(creations[1].form?.['Binding.Secret']).toBe(SECOND_SECRET);
    const verifications = twilio.requests.filter((r) => r.method === 'POST' && /\/Factors\/YF/.test(r.path));
    expect(verifications.map((r) => r.form)).toEqual([
      { AuthPayload: totp(base32Decode(SECRET), clock.nowMs(), 6, 30) },
      { AuthPayload: totp(base32Decode(SECOND_SECRET), clock.nowMs(), 6, 30) },
    ]);
    const [aliceFactor, bobFactor] = [...twilio.factors.values()];
    expect([aliceFactor.status, bobFactor.status]).toEqual(['verified', 'verified']);

    const migratedAt = new Date(clock.nowMs()).toISOString();
    expect(patchesOf()).toEqual({
      [ALICE.user_id]: {
        app_metadata: {
          authy_2fa: {
            v: 1,
            authy_id: '1000001',
            enrolled_at: '2024-01-02T03:04:05.000Z',
            failures: 2,
            last_method: 'totp',
            provider: 'verify',
            verify_factor_sid: aliceFactor.sid,
            verify_migrated_at: migratedAt,
          },
        },
      },
      [BOB.user_id]: {
        app_metadata: {
          authy_2fa: {
            v: 1,
            authy_id: '1000002',
            enrolled_at: '2024-02-02T03:04:05.000Z',
            failures: 0,
            provider: 'verify',
            verify_factor_sid: bobFactor.sid,
            verify_migrated_at: migratedAt,
          },
        },
      },
    });
    expect(tenant.users.get(ALICE.user_id)?.app_metadata?.plan).toBe('gold');
    // The refused and the stay-on-Authy users: nothing at Twilio, nothing in Auth0, still on Authy.
    expect(tenant.users.get(CAROL.user_id)?.app_metadata).toEqual(CAROL.app_metadata);
    expect(tenant.users.get(DAVE.user_id)?.app_metadata).toEqual(DAVE.app_metadata);
    expect(twilio.removedAuthyIds).toEqual([]);

    expect(report).toMatchObject({
      mode: 'apply',
      complete: true,
      counts: { candidates: 4, migrated: 2, 'stays-on-authy': 1, refused: 1 },
    });
    expect(byUser(report)[ALICE.user_id]).toMatchObject({ outcome: 'migrated', previous: { authy_2fa: ALICE.app_metadata?.authy_2fa } });
    expect(existsSync(checkpoint())).toBe(false);
    expect(out).toContain('Applied (migrate) on acme-test.eu.auth0.com.');
    expectNoSecrets(out, err, reportText);
  });

  it('is idempotent: a second run finds nobody left to move and changes nothing', async () => {
    expect((await run(ENV, '--apply')).code).toBe(0);
    const patches = tenant.patches().length;
    const writes = twilio.writes().length;
    const again = await run(ENV, '--apply');
    expect(again.code).toBe(0);
    expect(tenant.patches()).toHaveLength(patches);
    // Carol and Dave are candidates again (still on Authy) but get nothing: no factor, no write.
    expect(twilio.writes()).toHaveLength(writes);
    expect(again.report.counts).toMatchObject({ candidates: 2, 'stays-on-authy': 1, refused: 1 });
  });

  it('refuses a user whose factor Verify does not verify, and deletes the factor it created', async () => {
    tenant.users.delete(BOB.user_id);
    twilio.acceptCodes = false;
    const { code, report } = await run(ENV, '--apply');
    expect(code).toBe(0);
    expect(byUser(report)[ALICE.user_id]).toMatchObject({
      outcome: 'refused',
      reason: 'Twilio Verify did not accept the code of the exported seed',
    });
    expect(twilio.factors.size).toBe(0);
    expect(patchesOf()).toEqual({});
  });

  it('resumes from its checkpoint after a stop, deleting the factor the stopped run left, and redoes no finished user', async () => {
    // Bob's PATCH keeps failing: the run stops after Alice; Bob's new factor is deleted.
    tenant.failNext((method, path) => method === 'PATCH' && path.includes('bob'), 50, 503);
    const first = await run(ENV, '--apply');
    expect(first.code).not.toBe(0);
    expect(first.report).toMatchObject({ complete: false });
    expect(byUser(first.report)[ALICE.user_id]).toMatchObject({ outcome: 'migrated' });
    expect(byUser(first.report)[BOB.user_id]).toMatchObject({ outcome: 'pending' });
    expect(existsSync(checkpoint())).toBe(true);
    expect([...twilio.factors.values()].map((f) => f.identity)).toEqual([identity(ALICE.user_id)]);

    // As if the cleanup had failed too: a factor of this tool's name is left for Bob.
    const leftover = twilio.addFactor(identity(BOB.user_id), MIGRATED_FACTOR_NAME, SECOND_SECRET);
    tenant.clearFailures();
    const exportsBefore = twilio.requests.filter((r) => r.api === 'authy').length;
    const second = await run(ENV, '--apply');
    expect(second.code).toBe(0);
    expect(second.err).toContain('resuming the run started at');
    const exported = twilio.requests
      .filter((r) => r.api === 'authy')
      .slice(exportsBefore)
      .map((r) => r.path);
    expect(exported.some((p) => p.includes('1000001'))).toBe(false);
    expect(twilio.factors.has(leftover.sid)).toBe(false);
    expect(byUser(second.report)[BOB.user_id]).toMatchObject({ outcome: 'migrated', deleted_factors: [leftover.sid] });
    expect(second.report).toMatchObject({ complete: true, counts: { migrated: 2 } });
    expect(twilio.factorCreations().filter((r) => r.path.includes(identity(ALICE.user_id)))).toHaveLength(1);
    expect(existsSync(checkpoint())).toBe(false);
  });

  it('waits out 429s of the Management API, of Authy and of Twilio Verify (20429), and loses nobody', async () => {
    tenant.failNext((method) => method === 'PATCH', 1, 429, 3);
    twilio.tooManyRequests.authy = 1;
    twilio.tooManyRequests.verify = 2;
    const { code, report, err } = await run(ENV, '--apply');
    expect(code).toBe(0);
    expect(report.counts).toMatchObject({ migrated: 2 });
    expect(report.rate_limited_responses).toBe(1);
    expect(report.twilio_rate_limited_responses).toBe(3);
    expect(err).toContain('Twilio Verify rate limit reached: waiting');
    expect(err).toContain('Authy rate limit reached: waiting 2.0 s');
    expect(clock.sleeps).toEqual(expect.arrayContaining([2000, 1000, 2000]));
    expect(tenant.rateLimitViolations()).toEqual([]);
    expect(twilio.factors.size).toBe(2);
  });

  it('names every missing setting at once and calls nobody', async () => {
    const { code, err } = await run({ ...TEST_ENV }, '--apply');
    expect(code).not.toBe(0);
    for (const name of ['AUTHY_API_KEY', 'VERIFY_SERVICE_SID', 'VERIFY_IDENTITY_KEY', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']) {
      expect(err).toContain(name);
    }
    expect(tenant.requests).toEqual([]);
    expect(twilio.requests).toEqual([]);
  });
});

describe('migrate-to-verify --remove-from-authy', () => {
  it('removes from Authy only the migrated users who have logged in since, and drops only authy_id', async () => {
    expect((await run(ENV, '--apply')).code).toBe(0);
    const migratedAt = Date.parse(
      String((tenant.users.get(ALICE.user_id)?.app_metadata?.authy_2fa as Record<string, unknown>).verify_migrated_at),
    );
    const alice = tenant.users.get(ALICE.user_id);
    if (alice) alice.last_login = new Date(migratedAt + 60_000).toISOString();
    const bob = tenant.users.get(BOB.user_id);
    if (bob) bob.last_login = new Date(migratedAt - 60_000).toISOString();
    const before = structuredClone(alice?.app_metadata?.authy_2fa) as Record<string, unknown>;
    tenant.requests.length = 0;

    const dry = await run(ENV, '--remove-from-authy');
    expect(dry.code).toBe(0);
    expect(tenant.patches()).toHaveLength(0);
    expect(twilio.removedAuthyIds).toEqual([]);
    expect(byUser(dry.report)[ALICE.user_id]).toMatchObject({ outcome: 'would-remove-from-authy' });

    const applied = await run(ENV, '--remove-from-authy', '--apply');
    expect(applied.code).toBe(0);
    expect(twilio.removedAuthyIds).toEqual(['1000001']);
    const { authy_id: _gone, ...rest } = before;
    expect(patchesOf()).toEqual({ [ALICE.user_id]: { app_metadata: { authy_2fa: rest } } });
    expect(byUser(applied.report)[BOB.user_id]).toMatchObject({ outcome: 'waiting', reason: 'no login since the migration' });
    expect(byUser(applied.report)[ALICE.user_id]).toMatchObject({ outcome: 'removed-from-authy', previous: { authy_2fa: before } });
  });
});
