/** Recovery codes: generation, the canonical form, salted hashes, the constant-time match, the stored record. */
import {
  RECOVERY_CODE_COUNT,
  RECOVERY_HASH,
  burnRecoveryCode,
  generateRecoveryCodes,
  hashRecoveryCode,
  hashRecoveryCodes,
  isRecoveryHashList,
  matchRecoveryCode,
  newRecovery,
  normalizeRecoveryCode,
  readRecovery,
} from '../../lib/recovery-codes';

describe('generateRecoveryCodes', () => {
  test('10 distinct codes of 12 base32 symbols (60 bits), shown in groups of four', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  test('every symbol of the alphabet turns up (no bias towards a part of it)', () => {
    const seen = new Set(generateRecoveryCodes(200).join('').replace(/-/g, ''));
    expect(seen.size).toBe(32);
  });
});

describe('normalizeRecoveryCode', () => {
  test.each([
    ['ABCD-EFGH-JKMN', 'ABCDEFGHJKMN'],
    ['abcd efgh jkmn', 'ABCDEFGHJKMN'],
    [' abcdefghjkmn ', 'ABCDEFGHJKMN'],
    ['OOOO-IIII-LLLL', '000011111111'],
  ])('%j reads as %s', (typed, canonical) => {
    expect(normalizeRecoveryCode(typed)).toBe(canonical);
  });

  test.each([['ABCD-EFGH-JKM'], ['ABCD-EFGH-JKMNP'], ['ABCD-EFGH-JKMU'], ['123456'], [''], [42], [null], ['A'.repeat(65)]])(
    '%j is not a recovery code',
    (typed) => {
      expect(normalizeRecoveryCode(typed)).toBeNull();
    },
  );
});

describe('hashes', () => {
  const codes = generateRecoveryCodes();
  const hashes = hashRecoveryCodes(codes);

  test('each entry is salt.hash, never the code, and salted (the same code hashes differently)', () => {
    for (const entry of hashes) expect(entry).toMatch(RECOVERY_HASH);
    expect(hashes.join(' ')).not.toContain(codes[0].replace(/-/g, ''));
    expect(hashRecoveryCode(codes[0])).not.toBe(hashRecoveryCode(codes[0]));
    expect(isRecoveryHashList(hashes)).toBe(true);
  });

  test('a code matches its own entry, however it is typed', () => {
    expect(matchRecoveryCode(hashes, codes[3])).toBe(3);
    expect(matchRecoveryCode(hashes, normalizeRecoveryCode(codes[3].toLowerCase().replace(/-/g, ' ')) ?? '')).toBe(3);
  });

  test('a wrong code, a malformed one, or a code of another set matches nothing', () => {
    expect(matchRecoveryCode(hashes, generateRecoveryCodes(1)[0])).toBe(-1);
    expect(matchRecoveryCode(hashes, 'not a code')).toBe(-1);
    expect(matchRecoveryCode(hashRecoveryCodes(generateRecoveryCodes()), codes[0])).toBe(-1);
    expect(matchRecoveryCode([], codes[0])).toBe(-1);
  });

  test('a burned code no longer matches; the others still do', () => {
    const burned = burnRecoveryCode(newRecovery(hashes, '2026-12-01T00:00:00.000Z'), matchRecoveryCode(hashes, codes[0]));
    expect(burned.hashes).toHaveLength(9);
    expect(matchRecoveryCode(burned.hashes, codes[0])).toBe(-1);
    expect(matchRecoveryCode(burned.hashes, codes[1])).toBe(0);
  });

  test('hashing refuses what is not a code', () => {
    expect(() => hashRecoveryCode('nope')).toThrow(RangeError);
  });

  test('the list a result may carry: 1 to 10 distinct well-formed entries', () => {
    expect(isRecoveryHashList([])).toBe(false);
    expect(isRecoveryHashList([...hashes, hashes[0]])).toBe(false);
    expect(isRecoveryHashList([hashes[0], hashes[0]])).toBe(false);
    expect(isRecoveryHashList(['x.y'])).toBe(false);
    expect(isRecoveryHashList('abc')).toBe(false);
  });
});

describe('readRecovery', () => {
  const hashes = hashRecoveryCodes(generateRecoveryCodes());
  const record = newRecovery(hashes, '2026-12-01T00:00:00.000Z');

  test('reads the record of the current version', () => {
    expect(readRecovery({ v: 1, failures: 0, recovery: record })).toEqual(record);
    expect(record).toEqual({ v: 1, alg: 'sha256', hashes, issued_at: '2026-12-01T00:00:00.000Z' });
  });

  test.each([
    ['no record', {}],
    ['another version', { recovery: { ...record, v: 2 } }],
    ['another algorithm', { recovery: { ...record, alg: 'md5' } }],
    ['a malformed entry', { recovery: { ...record, hashes: [...hashes.slice(1), 'plain-code'] } }],
    ['too many entries', { recovery: { ...record, hashes: [...hashes, hashes[0]] } }],
    ['not an object', { recovery: 'codes' }],
  ])('%s reads as none (no code matches it)', (_name, enrollmentRecord) => {
    expect(readRecovery(enrollmentRecord)).toBeNull();
  });
});
