/**
 * The Action's recovery-code checks as pure decisions (recovery.ts): a result with a valid
 * signature is still denied unless its code matches an unused stored hash; a wrong or burned code
 * counts as a wrong code; new codes are stored only with an accepted result.
 */
import { decideWithRecovery } from '../../actions/authy-2fa/src/recovery';
import type { ContinueFacts } from '../../actions/authy-2fa/src/continue-decision';
import { DENY } from '../../actions/authy-2fa/src/deny';
import { parseSettings } from '../../lib/action-settings';
import type { EnrollmentState } from '../../lib/enrollment';
import { generateRecoveryCodes, hashRecoveryCodes, matchRecoveryCode, newRecovery } from '../../lib/recovery-codes';
import type { ResultOutcome, ResultToken } from '../../lib/token-contract';
import { resultToken } from '../helpers/result-token';

const settings = parseSettings({ FORMS_URL: 'https://2fa.example.com/2fa', SHARED_SECRET: 's'.repeat(32), AUTHY_API_KEY: 'k' });
const NOW = Date.parse('2026-12-01T10:00:00Z');
const codes = generateRecoveryCodes();
const recovery = newRecovery(hashRecoveryCodes(codes), '2026-11-01T00:00:00.000Z');
const enrolled: EnrollmentState = {
  authyId: '42',
  source: 'current',
  failures: 1,
  lockedUntilMs: null,
  enrolledAt: '2025-01-01T00:00:00.000Z',
};
const canonical = (code: string) => code.replace(/-/g, '');

function token(outcome: ResultOutcome, over: Partial<ResultToken> = {}): ResultToken {
  return resultToken(outcome, NOW, { recoveryHashes: null, ...over });
}

const facts = (over: Partial<ContinueFacts> = {}): ContinueFacts => ({
  userId: 'auth0|1',
  tenantHost: 'example.eu.auth0.com',
  enrollment: enrolled,
  nowMs: NOW,
  ...over,
});
const used = (code: string, failures = 1): ResultOutcome => ({ kind: 'recovery', code: canonical(code), failures });

describe('a recovery result', () => {
  test('with an unused code: allowed, method recovery, failures reset, that code burned (the others kept)', () => {
    const decision = decideWithRecovery(token(used(codes[2])), facts(), settings, recovery);
    expect(decision).toMatchObject({ kind: 'allow', method: 'recovery', enrolledNow: false });
    expect(decision.store).toMatchObject({ v: 1, authy_id: '42', failures: 0, last_method: 'recovery' });
    const left = decision.store?.recovery?.hashes ?? [];
    expect(left).toHaveLength(9);
    expect(matchRecoveryCode(left, codes[2])).toBe(-1);
    expect(matchRecoveryCode(left, codes[3])).toBeGreaterThanOrEqual(0);
    // Nothing to ask a provider.
    expect(decision.kind === 'allow' && decision.confirm).toEqual({ statusOf: null, requireRegistered: false, approval: null });
  });

  test('forged (valid signature, a code never issued): denied, counted once, the codes kept', () => {
    const decision = decideWithRecovery(token(used(generateRecoveryCodes(1)[0], 0)), facts(), settings, recovery);
    expect(decision).toMatchObject({ kind: 'deny', why: 'recovery-refused', reason: DENY.recoveryRefused });
    expect(decision.store).toMatchObject({ failures: 2, recovery });
  });

  test('a burned code: denied like a wrong one', () => {
    const first = decideWithRecovery(token(used(codes[0])), facts(), settings, recovery);
    const after = first.store?.recovery ?? null;
    const again = decideWithRecovery(token(used(codes[0])), facts({ enrollment: { ...enrolled, failures: 0 } }), settings, after);
    expect(again).toMatchObject({ kind: 'deny', why: 'recovery-refused' });
    expect(again.store?.recovery?.hashes).toHaveLength(9);
  });

  test('the failures the forms server saw count if they are more than stored', () => {
    expect(decideWithRecovery(token(used(generateRecoveryCodes(1)[0], 3)), facts(), settings, recovery).store).toMatchObject({
      failures: 3,
    });
  });

  test('the wrong code that reaches MAX_FAILURES locks', () => {
    const decision = decideWithRecovery(
      token(used(generateRecoveryCodes(1)[0])),
      facts({ enrollment: { ...enrolled, failures: 4 } }),
      settings,
      recovery,
    );
    expect(decision).toMatchObject({
      kind: 'deny',
      why: 'locked',
      store: { failures: 5, locked_until: new Date(NOW + 900_000).toISOString() },
    });
  });

  test('no codes stored (none issued, or another version): every code is refused', () => {
    expect(decideWithRecovery(token(used(codes[0])), facts(), settings, null)).toMatchObject({ kind: 'deny', why: 'recovery-refused' });
    const empty = newRecovery([], 'x');
    expect(decideWithRecovery(token(used(codes[0])), facts(), settings, empty)).toMatchObject({ kind: 'deny', why: 'recovery-refused' });
  });

  test('a right code is still refused when locked meanwhile, for another user, or a user not enrolled', () => {
    const locked = { ...enrolled, lockedUntilMs: NOW + 60_000 };
    expect(decideWithRecovery(token(used(codes[0])), facts({ enrollment: locked }), settings, recovery)).toMatchObject({
      why: 'locked-meanwhile',
      store: null,
    });
    expect(decideWithRecovery(token(used(codes[0]), { userId: 'auth0|2' }), facts(), settings, recovery)).toMatchObject({ why: 'subject' });
    const none: EnrollmentState = { authyId: null, source: 'none', failures: 0, lockedUntilMs: null, enrolledAt: null };
    expect(decideWithRecovery(token(used(codes[0])), facts({ enrollment: none }), settings, recovery)).toMatchObject({
      why: 'enrollment-mismatch',
    });
  });

  test('a new phone: stored with the new codes and confirmed with Authy, only with a right code', () => {
    const fresh = hashRecoveryCodes(generateRecoveryCodes());
    const newPhone: ResultOutcome = { kind: 'verified', method: 'app', authyId: '77', enrolledNow: true, approvalUuid: null };
    const right = token(newPhone, { recoveryHashes: fresh, recoveryCode: canonical(codes[1]) });
    const decision = decideWithRecovery(right, facts(), settings, recovery);
    expect(decision).toMatchObject({
      kind: 'allow',
      method: 'recovery',
      enrolledNow: true,
      confirm: { statusOf: '77', requireRegistered: true },
    });
    expect(decision.store).toMatchObject({ authy_id: '77', failures: 0, recovery: { hashes: fresh } });
    const wrong = token(newPhone, { recoveryHashes: fresh, recoveryCode: canonical(generateRecoveryCodes(1)[0]) });
    expect(decideWithRecovery(wrong, facts(), settings, recovery)).toMatchObject({ kind: 'deny', store: { authy_id: '42', recovery } });
    // Without a recovery code, an enrolled user's "new enrollment" is what it always was: refused.
    expect(decideWithRecovery(token(newPhone), facts(), settings, recovery)).toMatchObject({ kind: 'deny', why: 'other-device' });
  });
});

describe('other results keep the codes', () => {
  const verified: ResultOutcome = { kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null };

  test('a code login keeps them; with new codes they are replaced', () => {
    expect(decideWithRecovery(token(verified), facts(), settings, recovery).store?.recovery).toEqual(recovery);
    const fresh = hashRecoveryCodes(generateRecoveryCodes());
    expect(decideWithRecovery(token(verified, { recoveryHashes: fresh }), facts(), settings, recovery).store?.recovery).toEqual(
      newRecovery(fresh, new Date(NOW).toISOString()),
    );
  });

  test('a cancel or a lock keeps them, and never takes new ones', () => {
    const fresh = hashRecoveryCodes(generateRecoveryCodes());
    const cancelled = decideWithRecovery(token({ kind: 'cancelled', failures: 2 }, { recoveryHashes: fresh }), facts(), settings, recovery);
    expect(cancelled.store?.recovery).toEqual(recovery);
  });

  test('a refused result stores nothing', () => {
    expect(decideWithRecovery(token(verified, { issuer: 'https://evil.example' }), facts(), settings, recovery).store).toBeNull();
  });
});
