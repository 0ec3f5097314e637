/**
 * migrate-users against a nock-served tenant: dry run, apply, idempotence, resume, 429, size.
 */
import nock from 'nock';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../scripts/migrate-users';
import { AUDIT_SHARED_SECRET, auditEvents, hashOf } from '../fixtures/admin/audit';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, FakeTenant, TEST_ENV } from '../fixtures/admin/fake-tenant';
import {
  CURRENT,
  CURRENT_WITH_LEFTOVER,
  INVALID_LEGACY,
  LEGACY_AUTHYID,
  LEGACY_MFA,
  manyUsers,
  REPRESENTATIVE,
  USER_METADATA_ONLY,
} from '../fixtures/admin/users';

const NOW = '2025-06-02T10:00:00.000Z';

let dir: string;
let clock: FakeClock;
let tenant: FakeTenant;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'admin-migrate-'));
  clock = new FakeClock();
  tenant = new FakeTenant(clock);
  tenant.install();
});

afterEach(() => {
  nock.cleanAll();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  return runWith(TEST_ENV, ...argv);
}

async function runWith(env: Record<string, string>, ...argv: string[]) {
  const io = captureStreams();
  const code = await main({
    argv: [...argv, '--report', 'report.json'],
    env,
    stdout: io.stdout,
    stderr: io.stderr,
    clock,
    cwd: dir,
  });
  const reportFile = join(dir, 'report.json');
  const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : null;
  return { code, out: io.out(), err: io.err(), report };
}

const CHECKPOINT = () => join(dir, 'reports', 'migrate-users.checkpoint.ndjson');

const EXPECTED_PATCHES: Record<string, unknown> = {
  [LEGACY_AUTHYID.user_id]: { app_metadata: { authy_2fa: { v: 1, authy_id: '1234567', enrolled_at: NOW, failures: 0 }, authyID: null } },
  [LEGACY_MFA.user_id]: { app_metadata: { authy_2fa: { v: 1, authy_id: '2345678', enrolled_at: NOW, failures: 0 }, mfa: null } },
  [CURRENT_WITH_LEFTOVER.user_id]: { app_metadata: { authyID: null } },
};

describe('migrate-users dry run (default)', () => {
  it('writes nothing, prints counts and a sample, and reports previous values', async () => {
    tenant.add(...REPRESENTATIVE);
    const { code, out, report } = await run();
    expect(code).toBe(0);
    expect(tenant.patches()).toHaveLength(0);
    expect(out).toContain('Dry run on acme-test.eu.auth0.com: nothing was changed.');
    expect(out).toContain('Users scanned: 9');
    expect(out).toContain('Would migrate: 3');
    expect(out).toContain('app_metadata.authyID: 1234567 -> (removed)');
    expect(out).toContain(`${USER_METADATA_ONLY.user_id}: user_metadata.authy_id:`);
    expect(out).not.toContain('+15555550123');

    expect(report.mode).toBe('dry-run');
    expect(report.counts).toMatchObject({ scanned: 9, to_migrate: 3, migrated: 0, reenroll: 1, invalid: 1 });
    const byId = Object.fromEntries(report.migrations.map((m: { user_id: string }) => [m.user_id, m]));
    expect(byId[LEGACY_AUTHYID.user_id]).toMatchObject({ outcome: 'would-migrate', previous: { authy_2fa: null, authyID: 1234567 } });
    expect(byId[LEGACY_MFA.user_id].previous).toEqual({ authy_2fa: null, mfa: { provider: 'authy', payload: { id: '2345678' } } });
    expect(report.reenroll).toEqual([
      expect.objectContaining({
        user_id: USER_METADATA_ONLY.user_id,
        fields: ['user_metadata.authy_id'],
        reason: expect.stringContaining('user can edit'),
      }),
    ]);
    expect(report.invalid.map((u: { user_id: string }) => u.user_id)).toEqual([INVALID_LEGACY.user_id]);
    expect(existsSync(CHECKPOINT())).toBe(false);
  });

  it('makes 1 + P Management API calls: the export job and its status polls, no user reads', async () => {
    tenant.add(...REPRESENTATIVE);
    tenant.pendingPolls = 2;
    await run();
    const calls = tenant.apiRequests().map((r) => `${r.method} ${r.path.replace(/job_\w+/, 'job')}`);
    expect(calls).toEqual(['POST /api/v2/jobs/users-exports', 'GET /api/v2/jobs/job', 'GET /api/v2/jobs/job', 'GET /api/v2/jobs/job']);
    expect(tenant.apiRequests('POST', '/api/v2/jobs/users-exports')[0].body).toEqual({
      format: 'json',
      fields: [
        { name: 'user_id' },
        { name: 'identities[0].connection', export_as: 'connection' },
        { name: 'app_metadata' },
        { name: 'user_metadata' },
      ],
    });
  });
});

describe('migrate-users --apply', () => {
  it('sends exactly the expected PATCH bodies and keeps every other key', async () => {
    tenant.add(...REPRESENTATIVE);
    const { code, out, report } = await run('--apply');
    expect(code).toBe(0);
    const patches = Object.fromEntries(tenant.patches().map((p) => [p.path.replace('/api/v2/users/', ''), p.body]));
    expect(patches).toEqual(EXPECTED_PATCHES);

    expect(tenant.users.get(LEGACY_AUTHYID.user_id)!.app_metadata).toEqual({
      roles: ['admin'],
      authy_2fa: { v: 1, authy_id: '1234567', enrolled_at: NOW, failures: 0 },
    });
    expect(tenant.users.get(LEGACY_MFA.user_id)!.app_metadata).toEqual({
      plan: 'gold',
      authy_2fa: { v: 1, authy_id: '2345678', enrolled_at: NOW, failures: 0 },
    });
    expect(tenant.users.get(CURRENT.user_id)!.app_metadata).toEqual(CURRENT.app_metadata);
    expect(tenant.users.get(USER_METADATA_ONLY.user_id)!.app_metadata).toBeUndefined();
    expect(tenant.users.get(INVALID_LEGACY.user_id)!.app_metadata).toEqual(INVALID_LEGACY.app_metadata);

    expect(report).toMatchObject({ mode: 'apply', complete: true, counts: { migrated: 3, unchanged: 0, pending: 0 } });
    const leftover = report.migrations.find((m: { user_id: string }) => m.user_id === CURRENT_WITH_LEFTOVER.user_id);
    expect(leftover).toMatchObject({ outcome: 'migrated', previous: { authyID: '4567890' }, patch: { authyID: null } });
    expect(out).toContain('Migrated: 3');
    expect(existsSync(CHECKPOINT())).toBe(false);
  });

  it('makes 1 + P + 2M Management API calls (M users to migrate)', async () => {
    tenant.add(...REPRESENTATIVE);
    tenant.pendingPolls = 1;
    const { report } = await run('--apply');
    // 1 export job + 2 polls + 3 x (GET + PATCH)
    expect(tenant.apiRequests()).toHaveLength(1 + 2 + 2 * 3);
    expect(report.management_api_calls).toBe(9);
    expect(tenant.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(1);
  });

  it('a second apply changes nothing', async () => {
    tenant.add(...REPRESENTATIVE);
    expect((await run('--apply')).code).toBe(0);
    const before = structuredClone([...tenant.users.values()]);
    const patchesBefore = tenant.patches().length;
    const second = await run('--apply');
    expect(second.code).toBe(0);
    expect(tenant.patches()).toHaveLength(patchesBefore);
    expect([...tenant.users.values()]).toEqual(before);
    expect(second.report.counts).toMatchObject({ to_migrate: 0, migrated: 0, reenroll: 1, invalid: 1 });
  });

  it('resumes an interrupted run from the checkpoint without repeating the export or any write', async () => {
    tenant.add(...REPRESENTATIVE);
    let patchesSeen = 0;
    // The first PATCH goes through, then Auth0 keeps failing: the run stops.
    tenant.failNext((method) => method === 'PATCH' && ++patchesSeen > 1, 1000, 503);
    const first = await run('--apply');
    expect(first.code).toBe(1);
    expect(first.err).toContain('stopped after 1 of 3 users');
    expect(first.err).toContain('again to resume');
    expect(first.report).toMatchObject({ complete: false, counts: { migrated: 1, pending: 2 } });
    expect(existsSync(CHECKPOINT())).toBe(true);
    const firstDone = first.report.migrations.find((m: { outcome: string }) => m.outcome === 'migrated').user_id as string;

    // Meanwhile one pending user logged in and the Action migrated it (or our PATCH landed but
    // its answer was lost): the resumed run must read it fresh and leave it alone.
    const pending = first.report.migrations
      .filter((m: { outcome: string }) => m.outcome === 'pending')
      .map((m: { user_id: string }) => m.user_id) as string[];
    const [alreadyDone, stillLegacy] = pending as [string, string];
    tenant.users.get(alreadyDone)!.app_metadata = {
      authy_2fa: { v: 1, authy_id: '9999999', enrolled_at: '2025-06-02T10:00:30.000Z', failures: 0 },
    };

    tenant.clearFailures();
    const successfulBefore = tenant.patches().length;
    const exportsBefore = tenant.apiRequests('POST', '/api/v2/jobs/users-exports').length;
    const getsBefore = tenant.apiRequests('GET', `/api/v2/users/${firstDone}`).length;
    const second = await run('--apply');
    expect(second.code).toBe(0);
    expect(second.err).toContain('resuming the run started at');
    expect(tenant.apiRequests('POST', '/api/v2/jobs/users-exports')).toHaveLength(exportsBefore);
    expect(tenant.apiRequests('GET', `/api/v2/users/${firstDone}`)).toHaveLength(getsBefore);
    const newPatches = tenant.patches().slice(successfulBefore);
    expect(newPatches.map((p) => p.path)).toEqual([`/api/v2/users/${stillLegacy}`]);
    expect(newPatches[0].body).toEqual(EXPECTED_PATCHES[stillLegacy]);
    expect(tenant.users.get(alreadyDone)!.app_metadata).toEqual({
      authy_2fa: { v: 1, authy_id: '9999999', enrolled_at: '2025-06-02T10:00:30.000Z', failures: 0 },
    });
    expect(second.report).toMatchObject({ complete: true, counts: { migrated: 2, unchanged: 1, pending: 0 } });
    expect(existsSync(CHECKPOINT())).toBe(false);
  });

  it('refuses a checkpoint left by a run on another tenant', async () => {
    tenant.add(...REPRESENTATIVE);
    const other = {
      kind: 'migrate-users-checkpoint',
      version: 1,
      tenant: 'other.eu.auth0.com',
      started_at: NOW,
      migrated_at: NOW,
      scanned: 0,
      current: 0,
      none: 0,
      candidates: [],
      reenroll: [],
      invalid: [],
    };
    mkdirSync(join(dir, 'reports'), { recursive: true });
    writeFileSync(CHECKPOINT(), `${JSON.stringify(other)}\n`);
    const { code, err } = await run('--apply');
    expect(code).toBe(2);
    expect(err).toContain('belongs to tenant other.eu.auth0.com');
    expect(tenant.patches()).toHaveLength(0);
  });
});

describe('migrate-users under rate limits', () => {
  it('waits until x-ratelimit-reset (plus jitter) after a 429 and retries the same PATCH', async () => {
    tenant.add(LEGACY_AUTHYID);
    tenant.failNext((method) => method === 'PATCH', 2, 429, 3);
    const { code, err } = await run('--apply');
    expect(code).toBe(0);
    expect(tenant.patches()).toHaveLength(3);
    expect(tenant.users.get(LEGACY_AUTHYID.user_id)!.app_metadata).toMatchObject({ authy_2fa: { authy_id: '1234567' } });
    // each retry came after the announced reset; the first wait is exactly 3 s + 0.5 * 1000 ms jitter
    expect(tenant.patches().map((p) => p.status)).toEqual([429, 429, 200]);
    expect(tenant.rateLimitViolations()).toEqual([]);
    expect(clock.sleeps[clock.sleeps.length - 2]).toBe(3500);
    expect(err).toContain('Auth0 rate limit reached (PATCH user auth0|legacy-authyid): waiting 3.5 s');
  });

  it('never sends a request while x-ratelimit-remaining is 0 before the reset time', async () => {
    tenant.add(LEGACY_AUTHYID, LEGACY_MFA);
    tenant.rateLimit.remaining = 0;
    const { code } = await run('--apply');
    expect(code).toBe(0);
    expect(tenant.apiRequests().some((r) => r.method === 'PATCH')).toBe(true);
    // every answer said "0 left, resets in the next second": each following call waited for it
    expect(tenant.apiRequests().every((r) => r.status !== 429)).toBe(true);
    expect(tenant.rateLimitViolations()).toEqual([]);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(tenant.apiRequests().length - 1);
  });

  it('stops with exit 5 and keeps the checkpoint when 429s do not end', async () => {
    tenant.add(LEGACY_AUTHYID, LEGACY_MFA);
    tenant.failNext((method) => method === 'PATCH', 1000, 429, 2);
    const { code, err } = await run('--apply');
    expect(code).toBe(5);
    expect(err).toContain('still answered 429 after 10 retries');
    expect(existsSync(CHECKPOINT())).toBe(true);
    expect(tenant.patches()).toHaveLength(11);
  });
});

describe('migrate-users on a tenant larger than the search API can return', () => {
  it('covers all 1,500 users through one export job', async () => {
    const users = manyUsers(1500);
    tenant.add(...users);
    const legacy = users.filter((u) => u.app_metadata && ('authyID' in u.app_metadata || 'mfa' in u.app_metadata));
    expect(legacy.length).toBeGreaterThan(500);

    const dry = await run();
    expect(dry.code).toBe(0);
    expect(dry.report.counts).toMatchObject({ scanned: 1500, to_migrate: legacy.length });

    const callsBefore = tenant.apiRequests().length;
    const applied = await run('--apply');
    expect(applied.code).toBe(0);
    // 1 export job + 3 polls + (GET + PATCH) per legacy user: 1 + 3 + 2 * 643 = 1,290
    expect(legacy).toHaveLength(643);
    expect(tenant.apiRequests().length - callsBefore).toBe(1 + 3 + 2 * legacy.length);
    expect(applied.report.counts).toMatchObject({ scanned: 1500, migrated: legacy.length, pending: 0 });
    const patched = new Set(tenant.patches().map((p) => p.path.replace('/api/v2/users/', '')));
    expect(patched.size).toBe(legacy.length);
    expect(tenant.patches()).toHaveLength(legacy.length);
    for (const u of legacy) expect(patched.has(u.user_id)).toBe(true);
    // the search endpoint (capped at 1,000 results) is never used
    expect(tenant.apiRequests('GET').some((r) => r.path === '/api/v2/users')).toBe(false);
    expect(applied.err).toContain(`migrating: ${legacy.length}/${legacy.length} (100%)`);
    const stillLegacy = [...tenant.users.values()].filter(
      (u) => u.app_metadata && ('authyID' in u.app_metadata || 'mfa' in u.app_metadata),
    );
    expect(stillLegacy).toHaveLength(0);
  });
});

describe('migrate-users bad input', () => {
  it.each(['AUTH0_DOMAIN', 'AUTH0_CLIENT_ID', 'AUTH0_CLIENT_SECRET'])('names a missing %s, exits 2 and sends nothing', async (name) => {
    const io = captureStreams();
    const { [name]: _unset, ...env }: Record<string, string> = TEST_ENV;
    const code = await main({ argv: ['--apply'], env, stdout: io.stdout, stderr: io.stderr, clock, cwd: dir });
    expect(code).toBe(2);
    expect(io.err()).toContain(`${name} is not set`);
    expect(tenant.requests).toHaveLength(0);
  });

  it('refuses an unknown option', async () => {
    const io = captureStreams();
    const code = await main({ argv: ['--aply'], env: TEST_ENV, stdout: io.stdout, stderr: io.stderr, clock, cwd: dir });
    expect(code).toBe(2);
    expect(io.err()).toContain("Unknown option '--aply'");
    expect(tenant.requests).toHaveLength(0);
  });

  it('reports a refused token with a hint and exit 1', async () => {
    const io = captureStreams();
    const code = await main({
      argv: [],
      env: { ...TEST_ENV, AUTH0_CLIENT_SECRET: 'wrong' },
      stdout: io.stdout,
      stderr: io.stderr,
      clock,
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(io.err()).toContain('HTTP 401');
    expect(io.err()).toContain('AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET');
    expect(io.err()).not.toContain('wrong');
  });

  it('asks the job for a fresh link when the first download link has expired', async () => {
    tenant.add(...REPRESENTATIVE);
    tenant.expireFirstDownload = true;
    const { code, report } = await run();
    expect(code).toBe(0);
    expect(report.counts.scanned).toBe(9);
  });
});

describe('migrate-users --json', () => {
  const AUDITED = { ...TEST_ENV, SHARED_SECRET: AUDIT_SHARED_SECRET };

  it('--apply: one migrated event per user written, hashed, with the rule-era shape it came from; nothing else on stdout', async () => {
    tenant.add(...REPRESENTATIVE);
    const { code, out, err } = await runWith(AUDITED, '--apply', '--json');
    expect(code).toBe(0);
    const events = auditEvents(out);
    expect(events).toHaveLength(3);
    const byUser = Object.fromEntries(events.map((e) => [e.user, e]));
    expect(byUser[hashOf(LEGACY_AUTHYID.user_id)]).toMatchObject({ source: 'migrate-users', event: 'migrated', from: 'authyID' });
    expect(byUser[hashOf(LEGACY_MFA.user_id)]).toMatchObject({ event: 'migrated', from: 'mfa', tenant: 'acme-test.eu.auth0.com' });
    expect(byUser[hashOf(CURRENT_WITH_LEFTOVER.user_id)]).toMatchObject({ event: 'migrated', from: 'leftover' });
    for (const user of [LEGACY_AUTHYID, LEGACY_MFA, CURRENT_WITH_LEFTOVER]) expect(out).not.toContain(user.user_id);
    expect(out).not.toContain('1234567');
    expect(err).toContain('Migrated: 3');
  });

  it('a dry run writes no event, and needs no key', async () => {
    tenant.add(...REPRESENTATIVE);
    const { code, out, err } = await run('--json');
    expect(code).toBe(0);
    expect(out).toBe('');
    expect(err).toContain('Would migrate: 3');
  });

  it('a resumed run writes the events of the users it writes, not again those of the first run', async () => {
    tenant.add(...REPRESENTATIVE);
    let patchesSeen = 0;
    tenant.failNext((method) => method === 'PATCH' && ++patchesSeen > 1, 1000, 503);
    const first = await runWith(AUDITED, '--apply', '--json');
    expect(first.code).toBe(1);
    expect(auditEvents(first.out)).toHaveLength(1);
    tenant.clearFailures();
    const second = await runWith(AUDITED, '--apply', '--json');
    expect(second.code).toBe(0);
    const all = [...auditEvents(first.out), ...auditEvents(second.out)].map((e) => e.user);
    expect(all).toHaveLength(3);
    expect(new Set(all).size).toBe(3);
  });
});
