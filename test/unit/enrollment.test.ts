import { activeEnrollment, legacyMigrationPatch, normalizeAuthyId, readEnrollment } from '../../lib/enrollment';

describe('enrollment in app_metadata', () => {
  test('reads the current shape', () => {
    const state = readEnrollment({
      authy_2fa: { v: 1, authy_id: '123', enrolled_at: '2026-01-01T00:00:00.000Z', failures: 2, locked_until: '2030-01-01T00:00:00.000Z' },
    });
    expect(state).toEqual({
      authyId: '123',
      source: 'current',
      failures: 2,
      lockedUntilMs: Date.parse('2030-01-01T00:00:00.000Z'),
      enrolledAt: '2026-01-01T00:00:00.000Z',
    });
  });

  test('reads both rule-era shapes; mfa wins over authyID; other providers are ignored', () => {
    expect(readEnrollment({ authyID: 42 })).toMatchObject({ authyId: '42', source: 'legacy-authyID' });
    expect(readEnrollment({ mfa: { provider: 'authy', payload: { id: '77' } }, authyID: 42 })).toMatchObject({
      authyId: '77',
      source: 'legacy-mfa',
    });
    expect(readEnrollment({ mfa: { provider: 'duo', payload: { id: '77' } } })).toMatchObject({ authyId: null, source: 'none' });
  });

  test('never trusts user-writable or malformed ids', () => {
    expect(readEnrollment(undefined).source).toBe('none');
    expect(readEnrollment({ authyID: 'abc' }).authyId).toBeNull();
    expect(readEnrollment({ authyID: '0' }).authyId).toBeNull();
    expect(readEnrollment({ authy_2fa: { authy_id: '../1' } }).authyId).toBeNull();
    expect(normalizeAuthyId(1.5)).toBeNull();
    expect(normalizeAuthyId(-3)).toBeNull();
  });

  test('a lock that has ended resets the count', () => {
    const state = readEnrollment({ authy_2fa: { v: 1, authy_id: '1', failures: 5, locked_until: '2020-01-01T00:00:00.000Z' } });
    expect(activeEnrollment(state, Date.parse('2021-01-01'))).toMatchObject({ failures: 0, lockedUntilMs: null });
    expect(activeEnrollment(state, Date.parse('2019-01-01'))).toMatchObject({ failures: 5 });
  });

  test('migration patch rewrites legacy users and removes only their legacy keys', () => {
    const now = '2026-11-26T00:00:00.000Z';
    expect(legacyMigrationPatch({ authyID: 42, plan: 'gold' }, now)).toEqual({
      authy_2fa: { v: 1, authy_id: '42', enrolled_at: now, failures: 0 },
      authyID: null,
    });
    expect(legacyMigrationPatch({ mfa: { provider: 'authy', payload: { id: 9 } } }, now)).toEqual({
      authy_2fa: { v: 1, authy_id: '9', enrolled_at: now, failures: 0 },
      mfa: null,
    });
    // Already migrated but legacy key left behind: only the cleanup.
    expect(legacyMigrationPatch({ authy_2fa: { v: 1, authy_id: '42', failures: 0 }, authyID: 42 }, now)).toEqual({ authyID: null });
    expect(legacyMigrationPatch({ authy_2fa: { v: 1, authy_id: '42', failures: 0 } }, now)).toBeNull();
    expect(legacyMigrationPatch({ mfa: { provider: 'duo' } }, now)).toBeNull();
    // Counters already kept under the current key survive the rewrite.
    expect(legacyMigrationPatch({ authy_2fa: { v: 1, failures: 2, last_method: 'sms' }, authyID: 42 }, now)).toEqual({
      authy_2fa: { v: 1, authy_id: '42', enrolled_at: now, failures: 2, last_method: 'sms' },
      authyID: null,
    });
  });
});
