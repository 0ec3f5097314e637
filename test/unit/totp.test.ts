/**
 * lib/totp.ts against the RFCs' own vectors: RFC 6238 Appendix B (SHA1, SHA256, SHA512, 8 digits,
 * 30 s), RFC 4226 Appendix D (HOTP, 6 digits) and RFC 4648 section 10 (base32).
 */
import { base32Decode, base32Encode, hotp, matchingStep, secondsLeft, totp, totpMatches, type TotpAlgorithm } from '../../lib/totp';

/** RFC 6238 Appendix B: the seed for each algorithm is the ASCII digits repeated to the hash size. */
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890', 'ascii'),
  sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

const APPENDIX_B: [number, Record<TotpAlgorithm, string>][] = [
  [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
  [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
  [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
  [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
  [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
  [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
];

describe('RFC 6238 Appendix B', () => {
  for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
    test(`${algorithm}, 8 digits, 30 s`, () => {
      for (const [seconds, codes] of APPENDIX_B) expect(totp(SEEDS[algorithm], seconds * 1000, 8, 30, algorithm)).toBe(codes[algorithm]);
    });
  }

  test('6 and 7 digits are the low digits of the same value', () => {
    for (const [seconds, codes] of APPENDIX_B) {
      expect(totp(SEEDS.sha256, seconds * 1000, 6, 30, 'sha256')).toBe(codes.sha256.slice(2));
      expect(totp(SEEDS.sha512, seconds * 1000, 7, 30, 'sha512')).toBe(codes.sha512.slice(1));
    }
  });
});

test('RFC 4226 Appendix D (HOTP, SHA1, 6 digits)', () => {
  const codes = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  codes.forEach((code, counter) => expect(hotp(SEEDS.sha1, counter, 6)).toBe(code));
});

describe('time steps', () => {
  const at = 1111111111 * 1000;

  test('a code matches within the skew and no further; the matched step is returned', () => {
    const code = totp(SEEDS.sha1, at, 8, 30);
    expect(totpMatches(SEEDS.sha1, code, at + 30_000, 8, 30)).toBe(true);
    expect(totpMatches(SEEDS.sha1, code, at - 30_000, 8, 30)).toBe(true);
    expect(totpMatches(SEEDS.sha1, code, at + 60_000, 8, 30)).toBe(false);
    expect(totpMatches(SEEDS.sha1, code, at + 60_000, 8, 30, { skew: 2 })).toBe(true);
    expect(totpMatches(SEEDS.sha1, code, at + 30_000, 8, 30, { skew: 0 })).toBe(false);
    expect(matchingStep(SEEDS.sha1, code, at + 30_000, 8, 30)).toBe(Math.floor(1111111111 / 30));
    expect(matchingStep(SEEDS.sha1, '00000000', at, 8, 30)).toBeNull();
  });

  test('other periods and the seconds left', () => {
    expect(totp(SEEDS.sha1, 59_000, 8, 60)).toBe(hotp(SEEDS.sha1, 0, 8));
    expect(totp(SEEDS.sha1, 60_000, 8, 60)).toBe(hotp(SEEDS.sha1, 1, 8));
    expect(secondsLeft(59_000, 30)).toBe(1);
    expect(secondsLeft(60_000, 30)).toBe(30);
  });

  test('bad arguments are programming errors', () => {
    expect(() => hotp(SEEDS.sha1, -1, 6)).toThrow(RangeError);
    expect(() => hotp(SEEDS.sha1, 0, 2)).toThrow(RangeError);
    expect(() => hotp(SEEDS.sha1, 0, 11)).toThrow(RangeError);
    expect(() => hotp(SEEDS.sha1, 0, 6, 'md5' as TotpAlgorithm)).toThrow(RangeError);
    expect(() => totp(SEEDS.sha1, 0, 6, 0)).toThrow(RangeError);
    expect(() => totpMatches(SEEDS.sha1, '123456', 0, 6, 30, { skew: -1 })).toThrow(RangeError);
  });
});

describe('RFC 4648 base32', () => {
  const VECTORS: [string, string][] = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ];

  test('section 10 vectors, both ways, with and without padding', () => {
    for (const [plain, encoded] of VECTORS) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Encode(Buffer.from(plain), { padding: false })).toBe(encoded.replace(/=+$/, ''));
      expect(base32Decode(encoded).toString()).toBe(plain);
      expect(base32Decode(encoded.replace(/=+$/, '').toLowerCase()).toString()).toBe(plain);
    }
  });

  test("Twilio's documented TOTP secret is the RFC 6238 SHA1 seed", () => {
    expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').equals(SEEDS.sha1)).toBe(true);
    expect(base32Encode(SEEDS.sha1, { padding: false })).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  test('round trip of random seeds of every length', () => {
    for (let length = 0; length < 70; length += 1) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + length * 11) & 0xff));
      expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
    }
  });

  test('refuses what is not canonical base32', () => {
    for (const bad of ['M', 'MZX', 'MZXW6Y', 'MY=====', 'MY=======', 'MZ======', 'MZXW6==8', 'MZXW1===', 'MZ XW', 'M=Y=====']) {
      expect(() => base32Decode(bad)).toThrow(RangeError);
    }
  });
});
