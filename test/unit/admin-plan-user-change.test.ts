import { planReset, planUnlock, storedAuthyIds } from '../../scripts/admin/plan-user-change';
import { describeChange } from '../../scripts/admin/describe-change';

describe('planReset', () => {
  it('removes authy_2fa and every rule-era Authy key, nothing else', () => {
    const am = {
      authy_2fa: { v: 1, authy_id: '11', failures: 0 },
      authyID: 22,
      mfa: { provider: 'authy', payload: { id: 33 } },
      roles: ['x'],
    };
    expect(planReset(am)).toEqual({
      patch: { authy_2fa: null, authyID: null, mfa: null },
      previous: { authy_2fa: am.authy_2fa, authyID: 22, mfa: am.mfa },
      authyIds: ['11', '22', '33'],
    });
  });

  it('removes the recovery codes with the enrollment (they live in authy_2fa)', () => {
    const am = { authy_2fa: { v: 1, authy_id: '11', failures: 0, recovery: { v: 1, alg: 'sha256', hashes: ['a.b'], issued_at: 'x' } } };
    expect(planReset(am)?.patch).toEqual({ authy_2fa: null });
  });

  it('keeps an mfa key of another provider', () => {
    expect(planReset({ mfa: { provider: 'duo' } })).toBeNull();
  });

  it('also removes an authy_2fa left half-way (no id yet)', () => {
    expect(planReset({ authy_2fa: { v: 1, failures: 3 } })).toMatchObject({ patch: { authy_2fa: null }, authyIds: [] });
  });

  it('returns null when there is nothing to reset', () => {
    expect(planReset({})).toBeNull();
    expect(planReset({ roles: [] })).toBeNull();
  });
});

describe('planUnlock', () => {
  it('zeroes failures and drops locked_until, keeping every other field', () => {
    const stored = { v: 1, authy_id: '11', enrolled_at: 'x', failures: 5, locked_until: '2025-06-02T11:00:00.000Z', last_method: 'sms' };
    expect(planUnlock({ authy_2fa: stored, other: 1 })).toEqual({
      patch: { authy_2fa: { v: 1, authy_id: '11', enrolled_at: 'x', failures: 0, last_method: 'sms' } },
      previous: { authy_2fa: stored },
      authyIds: [],
    });
  });

  it('unlocks a user with failures but no lock', () => {
    expect(planUnlock({ authy_2fa: { v: 1, authy_id: '1', failures: 2 } })?.patch).toEqual({
      authy_2fa: { v: 1, authy_id: '1', failures: 0 },
    });
  });

  it('returns null when not locked and no failures, or not enrolled in the current shape', () => {
    expect(planUnlock({ authy_2fa: { v: 1, authy_id: '1', failures: 0 } })).toBeNull();
    expect(planUnlock({ authyID: 1 })).toBeNull();
    expect(planUnlock({})).toBeNull();
  });
});

describe('storedAuthyIds', () => {
  it('lists distinct valid ids only', () => {
    expect(storedAuthyIds({ authy_2fa: { authy_id: '5' }, authyID: '5', mfa: { provider: 'authy', payload: { id: 'x' } } })).toEqual(['5']);
  });
});

describe('describeChange', () => {
  it('shows before -> after per key', () => {
    expect(describeChange({ a: 1, b: null }, { a: null, b: { v: 1 } })).toEqual([
      '  app_metadata.a: 1 -> (removed)',
      '  app_metadata.b: (absent) -> {"v":1}',
    ]);
  });
});
