/** What enroll-2fa writes (pure) and how it shows the phone. */
import { enrollmentPatch, readEnrollment } from '../../lib/enrollment';
import { maskPhone, parseAdminPhone } from '../../scripts/admin/phone';
import { planEnrollment } from '../../scripts/admin/plan-enrollment';

const NOW = '2025-06-02T10:00:00.000Z';

describe('planEnrollment', () => {
  test('a new enrollment in the Action format, with the previous values', () => {
    const plan = planEnrollment({ roles: ['admin'] }, '42', NOW);
    expect(plan).toEqual({
      patch: { authy_2fa: { v: 1, authy_id: '42', enrolled_at: NOW, failures: 0 } },
      previous: { authy_2fa: null },
      enrolledAuthyId: null,
    });
    expect(readEnrollment(plan.patch)).toMatchObject({ authyId: '42', source: 'current', failures: 0, lockedUntilMs: null });
  });

  test('names the current enrollment; a fresh one drops failures, the lock and rule-era keys', () => {
    const stored = { v: 1, authy_id: '7', failures: 5, locked_until: '2030-01-01T00:00:00.000Z' };
    const plan = planEnrollment({ authy_2fa: stored, authyID: 7 }, '42', NOW);
    expect(plan.enrolledAuthyId).toBe('7');
    expect(plan.patch).toEqual({ authy_2fa: { v: 1, authy_id: '42', enrolled_at: NOW, failures: 0 }, authyID: null });
    expect(plan.previous).toEqual({ authy_2fa: stored, authyID: 7 });
  });

  test('an mfa key of another provider is kept', () => {
    expect(enrollmentPatch({ mfa: { provider: 'duo' } }, '42', NOW)).toEqual({
      authy_2fa: { v: 1, authy_id: '42', enrolled_at: NOW, failures: 0 },
    });
  });
});

describe('the phone', () => {
  test('is masked to the calling code and the last two digits', () => {
    expect(maskPhone('1', '2015550123')).toBe('+1 ********23');
    expect(parseAdminPhone('+49 151 23456789', undefined)).toEqual({
      countryCallingCode: '49',
      nationalNumber: '15123456789',
      masked: '+49 *********89',
    });
  });

  test('a refusal never repeats the number', () => {
    for (const [raw, country] of [
      ['+442079460000', undefined],
      ['+1201555', undefined],
      ['2015550123', 'GB'],
    ] as const) {
      expect(() => parseAdminPhone(raw, country)).toThrow(/^--phone /);
      try {
        parseAdminPhone(raw, country);
      } catch (error) {
        expect((error as Error).message).not.toContain(raw.replace('+', ''));
      }
    }
  });
});
