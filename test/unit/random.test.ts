import { randomBase64url, randomBuffer } from '../../lib/random';

describe('randomBase64url', () => {
  it('gives base64url text of the asked number of bytes', () => {
    expect(randomBase64url(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomBase64url(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(randomBase64url(256), 'base64url')).toHaveLength(256);
  });

  it('never hands out the same bytes twice, across blocks', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(randomBase64url(32));
    expect(seen.size).toBe(1000);
  });

  it('refuses sizes outside 1 to 256', () => {
    for (const bytes of [0, -1, 257, 1.5, Number.NaN]) expect(() => randomBase64url(bytes)).toThrow(RangeError);
  });
});

describe('randomBuffer', () => {
  it('gives a copy of the asked size, never the same bytes twice', () => {
    const a = randomBuffer(12);
    const b = randomBuffer(12);
    expect(a).toHaveLength(12);
    expect(a.equals(b)).toBe(false);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(randomBuffer(12).toString('hex'));
    expect(seen.size).toBe(1000);
    expect(() => randomBuffer(0)).toThrow(RangeError);
  });
});
