/** app_metadata.authy_2fa's provider: absent = Authy (every stored user keeps working), Verify's factor SID, anything else refused. */
import { enrollmentProvider, isEnrolled, legacyMigrationPatch, readEnrollment } from '../../lib/enrollment';

const YF = 'YF' + '0123456789abcdef'.repeat(2);

describe('stored provider', () => {
  test('a record without provider (or provider authy) is Authy, exactly as before', () => {
    for (const record of [
      { v: 1, authy_id: '7', failures: 0 },
      { v: 1, provider: 'authy', authy_id: '7', failures: 0 },
    ]) {
      const state = readEnrollment({ authy_2fa: record });
      expect(enrollmentProvider(state)).toBe('authy');
      expect(state).not.toHaveProperty('provider');
      expect(isEnrolled(state)).toBe(true);
    }
    expect(isEnrolled(readEnrollment({}))).toBe(false);
    expect(isEnrolled(readEnrollment({ authyID: 9 }))).toBe(true);
  });

  test('a Verify record names its factor; the identity is never stored', () => {
    const state = readEnrollment({
      authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: YF, enrolled_at: '2026-01-01T00:00:00.000Z', failures: 2 },
    });
    expect(state).toEqual({
      provider: 'verify',
      verifyFactorSid: YF,
      authyId: null,
      source: 'current',
      failures: 2,
      lockedUntilMs: null,
      enrolledAt: '2026-01-01T00:00:00.000Z',
    });
    expect(isEnrolled(state)).toBe(true);
    // A Verify record with counters but no factor yet: not enrolled, still Verify.
    const noFactor = readEnrollment({ authy_2fa: { v: 1, provider: 'verify', failures: 1 } });
    expect(noFactor).toMatchObject({ provider: 'verify', failures: 1, authyId: null });
    expect(isEnrolled(noFactor)).toBe(false);
  });

  test('a Verify record ignores Authy ids, current or rule-era', () => {
    const state = readEnrollment({
      authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: YF, authy_id: '7', failures: 0 },
      authyID: 8,
    });
    expect(state.authyId).toBeNull();
    expect(state.verifyFactorSid).toBe(YF);
  });

  test('an unknown provider or a malformed Verify factor is refused (provider unknown, not enrolled)', () => {
    for (const record of [
      { v: 1, provider: 'duo', authy_id: '7', failures: 0 },
      { v: 1, provider: 'Verify', verify_factor_sid: YF, failures: 0 },
      { v: 1, provider: 1, failures: 0 },
      { v: 1, provider: 'verify', verify_factor_sid: 'YF12', failures: 0 },
      { v: 1, provider: 'verify', verify_factor_sid: 42, failures: 0 },
    ]) {
      const state = readEnrollment({ authy_2fa: record });
      expect(enrollmentProvider(state)).toBe('unknown');
      expect(isEnrolled(state)).toBe(false);
      expect(state.authyId).toBeNull();
    }
  });

  test('the rule-era migration never turns a Verify record into an Authy one', () => {
    const appMetadata = { authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: YF, failures: 0 }, authyID: 8 };
    expect(legacyMigrationPatch(appMetadata, '2026-01-01T00:00:00.000Z')).toEqual({ authyID: null });
  });
});
