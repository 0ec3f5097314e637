/** report against a nock-served tenant. */
import { main } from '../../scripts/report';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, FakeTenant, TEST_ENV, useFakeTenant } from '../fixtures/admin/fake-tenant';
import { DB, GOOGLE, manyUsers, REPRESENTATIVE } from '../fixtures/admin/users';

let clock: FakeClock;
let tenant: FakeTenant;

useFakeTenant((fake) => ({ clock, tenant } = fake));

async function run(...argv: string[]) {
  const io = captureStreams();
  const code = await main({ argv, env: TEST_ENV, stdout: io.stdout, stderr: io.stderr, clock });
  return { code, out: io.out(), err: io.err() };
}

describe('report', () => {
  it('counts enrolled, not enrolled, locked and legacy-format users per connection (--json)', async () => {
    tenant.add(...REPRESENTATIVE);
    const { code, out } = await run('--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    // DB: legacy-authyid, legacy-mfa, current-leftover, locked enrolled; usermeta-only, invalid, plain not.
    expect(report.by_connection[DB]).toEqual({ users: 7, enrolled: 4, not_enrolled: 3, locked: 1, legacy_format: 2, recovery_low: 0 });
    // Google: current enrolled; other-mfa (duo) not.
    expect(report.by_connection[GOOGLE]).toEqual({ users: 2, enrolled: 1, not_enrolled: 1, locked: 0, legacy_format: 0, recovery_low: 0 });
    expect(report.total).toEqual({ users: 9, enrolled: 5, not_enrolled: 4, locked: 1, legacy_format: 2, recovery_low: 0 });
    expect(report.generated_at).toBe('2025-06-02T10:00:00.000Z');
    expect(tenant.patches()).toHaveLength(0);
  });

  it('prints a table by default', async () => {
    tenant.add(...REPRESENTATIVE);
    const { code, out } = await run();
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[1]).toMatch(/^connection\s+users\s+enrolled\s+not enrolled\s+locked\s+legacy format\s+few recovery codes$/);
    expect(out).toMatch(/Username-Password-Authentication\s+7\s+4\s+3\s+1\s+2/);
    expect(out).toMatch(/TOTAL\s+9\s+5\s+4\s+1\s+2/);
  });

  it('covers a 1,500-user tenant', async () => {
    tenant.add(...manyUsers(1500));
    const { code, out } = await run('--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.total.users).toBe(1500);
    expect(report.total.legacy_format).toBe(report.total.enrolled);
    expect(report.total.enrolled).toBe(manyUsers(1500).filter((u) => u.app_metadata).length);
  });

  it('names a missing credential, exits 2 and sends nothing', async () => {
    const io = captureStreams();
    const code = await main({ argv: [], env: { ...TEST_ENV, AUTH0_DOMAIN: '' }, stdout: io.stdout, stderr: io.stderr, clock });
    expect(code).toBe(2);
    expect(io.err()).toContain('AUTH0_DOMAIN is not set');
    expect(tenant.requests).toHaveLength(0);
  });
});
