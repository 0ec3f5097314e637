/**
 * forget-devices, and reset-2fa forgetting the remembered devices too, against a nock-served
 * Management API (the payload shapes of GET/PATCH /api/v2/users/{id} and users-by-email).
 */
import { main as forget } from '../../scripts/forget-devices';
import { main as reset } from '../../scripts/reset-2fa';
import type { CliDeps } from '../../scripts/admin/cli';
import { AUDIT_SHARED_SECRET, auditEvents, hashOf } from '../fixtures/admin/audit';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, FakeTenant, TEST_ENV, useFakeTenant } from '../fixtures/admin/fake-tenant';
import { CURRENT, PLAIN } from '../fixtures/admin/users';

const DEVICES = {
  v: 1,
  devices: [
    {
      id: 'AAAAAAAAAAAAAAAA',
      hash: `v1.${'a'.repeat(43)}`,
      label: 'Chrome, 2025-05-20',
      created_at: '2025-05-20T08:00:00.000Z',
      expires_at: '2025-06-19T08:00:00.000Z',
    },
    {
      id: 'BBBBBBBBBBBBBBBB',
      hash: `v1.${'b'.repeat(43)}`,
      label: 'Firefox, 2025-05-30',
      created_at: '2025-05-30T08:00:00.000Z',
      expires_at: '2025-06-29T08:00:00.000Z',
    },
  ],
};
const ENROLLMENT = CURRENT.app_metadata?.authy_2fa;
const REMEMBERED = { ...CURRENT, app_metadata: { authy_2fa: ENROLLMENT, authy_2fa_devices: DEVICES, plan: 'gold' } };

let clock: FakeClock;
let tenant: FakeTenant;

useFakeTenant((fake) => ({ clock, tenant } = fake), REMEMBERED, PLAIN);

async function run(cli: (deps: CliDeps) => Promise<number>, argv: string[], extra: Partial<CliDeps> = {}) {
  const io = captureStreams();
  const code = await cli({ argv, env: TEST_ENV, stdout: io.stdout, stderr: io.stderr, clock, ...extra });
  return { code, out: io.out(), err: io.err() };
}

describe('forget-devices', () => {
  it('removes only the remembered devices (one PATCH), keeps the enrollment and other keys, shows labels not hashes', async () => {
    const { code, out } = await run(forget, [REMEMBERED.email!, '--yes']);
    expect(code).toBe(0);
    expect(tenant.patches().map((p) => p.body)).toEqual([{ app_metadata: { authy_2fa_devices: null } }]);
    expect(tenant.users.get(REMEMBERED.user_id)!.app_metadata).toEqual({ authy_2fa: ENROLLMENT, plan: 'gold' });
    expect(out).toContain('app_metadata.authy_2fa_devices: 2 remembered devices (Chrome, 2025-05-20; Firefox, 2025-05-30) -> (removed)');
    expect(out).toContain('Every browser of the user asks for a code at next login.');
    expect(out).not.toContain('aaaaaaaa');
  });

  it('does nothing for a user without remembered devices', async () => {
    const { code, out } = await run(forget, [PLAIN.user_id, '--yes']);
    expect(code).toBe(0);
    expect(out).toContain('has no remembered device: nothing to forget.');
    expect(tenant.patches()).toEqual([]);
  });

  it('refuses without --yes when stdin is not a terminal, and writes nothing', async () => {
    const { code } = await run(forget, [REMEMBERED.user_id]);
    expect(code).toBe(4);
    expect(tenant.patches()).toEqual([]);
  });

  it('--json: one devices_forgotten event with the count, no id, email or hash', async () => {
    const { code, out } = await run(forget, [REMEMBERED.user_id, '--yes', '--json'], {
      env: { ...TEST_ENV, SHARED_SECRET: AUDIT_SHARED_SECRET },
    });
    expect(code).toBe(0);
    expect(auditEvents(out)).toEqual([
      expect.objectContaining({ source: 'forget-devices', event: 'devices_forgotten', devices: 2, user: hashOf(REMEMBERED.user_id) }),
    ]);
    expect(out).not.toContain(REMEMBERED.user_id);
    expect(out).not.toContain('AAAAAAAAAAAAAAAA');
  });
});

describe('reset-2fa', () => {
  it('forgets the remembered devices with the enrollment', async () => {
    const { code } = await run(reset, [REMEMBERED.user_id, '--yes']);
    expect(code).toBe(0);
    expect(tenant.patches().map((p) => p.body)).toEqual([{ app_metadata: { authy_2fa: null, authy_2fa_devices: null } }]);
    expect(tenant.users.get(REMEMBERED.user_id)!.app_metadata).toEqual({ plan: 'gold' });
  });
});
