/** The token contract's recovery claims: `recovery_left` outbound; `recovery_code` and `recovery_hashes` in results. */
import { verifyHs256, type JwtClaims } from '../../lib/jwt-hs256';
import { generateRecoveryCodes, hashRecoveryCodes, matchRecoveryCode } from '../../lib/recovery-codes';
import {
  ContractError,
  outboundPayload,
  parseOutboundClaims,
  parseResultClaims,
  signResultToken,
  type ResultOutcome,
} from '../../lib/token-contract';

const SECRET = 'c'.repeat(32);
const context = { formsOrigin: 'https://2fa.example.com', audience: 'tenant.example.com', userId: 'auth0|1', state: 's', secret: SECRET };
const claimsOf = (outcome: ResultOutcome, codes?: string[], code?: string) =>
  verifyHs256(signResultToken(outcome, context, { codes: codes ?? null, code: code ?? null }), SECRET);
const recovery: ResultOutcome = { kind: 'recovery', code: 'ABCDEFGHJKMN', failures: 2 };

function parsed(claims: JwtClaims) {
  return parseResultClaims(claims);
}

function refused(claims: JwtClaims): string {
  try {
    parseResultClaims(claims);
  } catch (error) {
    if (error instanceof ContractError) return error.claim;
    throw error;
  }
  return 'accepted';
}

describe('outbound recovery_left', () => {
  const base = {
    continueHost: 'tenant.example.com',
    authyId: '42',
    sealedEmail: null,
    failures: 0,
    maxFailures: 5,
    lockSeconds: 900,
    locale: '',
  };
  const read = (payload: Record<string, unknown>) =>
    parseOutboundClaims({ ...payload, sub: 'auth0|1', iss: 'tenant.example.com', exp: 2_000_000_000 });

  test('carried when there are codes left, absent otherwise; 0 to 10', () => {
    expect(read(outboundPayload({ ...base, recoveryLeft: 7 })).recoveryLeft).toBe(7);
    expect(outboundPayload({ ...base, recoveryLeft: 0 })).not.toHaveProperty('recovery_left');
    expect(read(outboundPayload(base)).recoveryLeft).toBeUndefined();
    expect(() => read({ ...outboundPayload(base), recovery_left: 11 })).toThrow(ContractError);
    expect(() => read({ ...outboundPayload(base), recovery_left: '3' })).toThrow(ContractError);
  });
});

describe('recovery results', () => {
  test('round trip: the code in canonical form and the failures', () => {
    const claims = claimsOf(recovery);
    expect(claims).toMatchObject({ result: 'recovery', recovery_code: 'ABCDEFGHJKMN', failures: 2 });
    expect(parsed(claims)).toMatchObject({ outcome: recovery, recoveryHashes: null });
  });

  test.each([
    ['missing', undefined],
    ['not canonical (dashes)', 'ABCD-EFGH-JKMN'],
    ['lower case', 'abcdefghjkmn'],
    ['too short', 'ABCDEFGHJKM'],
    ['a number', 123456789012],
  ])('a recovery_code that is %s is refused', (_name, value) => {
    expect(refused({ ...claimsOf(recovery), recovery_code: value })).toBe('recovery_code');
  });

  test('a new enrollment after a recovery code carries it (Authy and Verify), with new hashes', () => {
    const codes = generateRecoveryCodes();
    const authy: ResultOutcome = { kind: 'verified', method: 'call', authyId: '5678', enrolledNow: true, approvalUuid: null };
    const token = parsed(claimsOf(authy, codes, 'ABCDEFGHJKMN'));
    expect(token).toMatchObject({ outcome: authy, recoveryCode: 'ABCDEFGHJKMN' });
    expect(matchRecoveryCode(token.recoveryHashes ?? [], codes[5])).toBe(5);
    const verify: ResultOutcome = {
      kind: 'verify-verified',
      method: 'app',
      enrolledNow: true,
      result: { kind: 'enrollment', id: `YF${'a'.repeat(32)}` },
    };
    expect(parsed(claimsOf(verify, undefined, 'ABCDEFGHJKMN')).recoveryCode).toBe('ABCDEFGHJKMN');
  });

  test('the forms server signs a recovery code only with a new enrollment; a token with one elsewhere is refused', () => {
    const code: ResultOutcome = { kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null };
    expect(claimsOf(code, undefined, 'ABCDEFGHJKMN')).not.toHaveProperty('recovery_code');
    expect(refused({ ...claimsOf(code), recovery_code: 'ABCDEFGHJKMN' })).toBe('recovery_code');
    expect(refused({ ...claimsOf({ kind: 'cancelled', failures: 0 }), recovery_code: 'ABCDEFGHJKMN' })).toBe('recovery_code');
    const enrolled: ResultOutcome = { ...code, enrolledNow: true };
    expect(refused({ ...claimsOf(enrolled), recovery_code: 'abcd-efgh-jkmn' })).toBe('recovery_code');
  });

  test('recovery_hashes only with a proved result: never on a plain recovery, a cancel or a lock', () => {
    const hashes = hashRecoveryCodes(generateRecoveryCodes());
    expect(claimsOf(recovery, generateRecoveryCodes())).not.toHaveProperty('recovery_hashes');
    expect(refused({ ...claimsOf(recovery), recovery_hashes: hashes })).toBe('recovery_hashes');
    expect(refused({ ...claimsOf({ kind: 'cancelled', failures: 0 }), recovery_hashes: hashes })).toBe('recovery_hashes');
    const verified: ResultOutcome = { kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null };
    expect(refused({ ...claimsOf(verified), recovery_hashes: ['x'] })).toBe('recovery_hashes');
    expect(refused({ ...claimsOf(verified), recovery_hashes: [...hashes, hashes[0]] })).toBe('recovery_hashes');
    expect(parsed({ ...claimsOf(verified), recovery_hashes: hashes }).recoveryHashes).toEqual(hashes);
  });

  test('the plaintext codes never reach the token', () => {
    const codes = generateRecoveryCodes();
    const verified: ResultOutcome = { kind: 'verified', method: 'app', authyId: '42', enrolledNow: true, approvalUuid: null };
    const token = signResultToken(verified, context, { codes });
    const payload = Buffer.from(token.split('.')[1], 'base64url').toString('utf8');
    for (const code of codes) expect(payload).not.toContain(code.replace(/-/g, ''));
  });
});
