/** The one parser of text settings shared by the Action, the forms server and the scripts. */
import { overlayEnvFile, splitList, valueReader, type ValueProblem } from '../../lib/env-values';

class Problem extends Error {
  constructor(
    readonly setting: string,
    readonly problem: ValueProblem,
  ) {
    super(`${setting}: ${problem.kind}`);
  }
}

const read = (values: Record<string, unknown>) => valueReader<string>(values, (name, problem) => new Problem(name, problem));

function problemOf(fn: () => unknown): ValueProblem | null {
  try {
    fn();
  } catch (error) {
    if (error instanceof Problem) return error.problem;
    throw error;
  }
  return null;
}

describe('valueReader', () => {
  test('blank is absent; text is trimmed, raw is as given', () => {
    const r = read({ A: '  x ', B: '   ', C: null });
    expect(r.text('A')).toBe('x');
    expect(r.raw('A')).toBe('  x ');
    expect(r.text('B')).toBeUndefined();
    expect(r.text('C')).toBeUndefined();
    expect(r.text('D')).toBeUndefined();
    expect(problemOf(() => read({ A: 5 }).text('A'))).toEqual({ kind: 'not-text' });
  });

  test('required', () => {
    expect(read({ A: 'v' }).required('A')).toBe('v');
    expect(problemOf(() => read({ A: ' ' }).required('A'))).toEqual({ kind: 'missing' });
  });

  test('whole numbers in a range', () => {
    expect(read({ N: ' 42 ' }).integer('N', 1, 0, 100)).toBe(42);
    expect(read({}).integer('N', 7, 0, 100)).toBe(7);
    expect(read({}).optionalInteger('N', 0, 100)).toBeUndefined();
    for (const bad of ['1e3', '-1', '1.5', 'ten']) {
      expect(problemOf(() => read({ N: bad }).integer('N', 1, 0, 100))).toEqual({ kind: 'not-whole-number', min: 0, max: 100 });
    }
    expect(problemOf(() => read({ N: '101' }).integer('N', 1, 0, 100))).toEqual({ kind: 'out-of-range', min: 0, max: 100 });
  });

  test('flags: true, false, or the fallback when absent', () => {
    expect(read({ F: 'true' }).flag('F', false)).toBe(true);
    expect(read({ F: 'false' }).flag('F', true)).toBe(false);
    expect(read({}).flag('F', true)).toBe(true);
    expect(problemOf(() => read({ F: 'yes' }).flag('F', false))).toEqual({ kind: 'not-flag' });
  });

  test('lists', () => {
    expect(read({ L: ' a, b ,,' }).list('L')).toEqual(['a', 'b']);
    expect(read({}).list('L')).toEqual([]);
    expect(splitList(' , ,')).toEqual([]);
  });

  test('URLs: https, or http on loopback; the fallback when absent', () => {
    expect(read({ U: 'https://x.example.com/p' }).url('U').origin).toBe('https://x.example.com');
    expect(read({ U: 'http://localhost:3002' }).url('U').origin).toBe('http://localhost:3002');
    expect(read({}).url('U', 'https://api.authy.com').origin).toBe('https://api.authy.com');
    expect(problemOf(() => read({}).url('U'))).toEqual({ kind: 'missing' });
    expect(problemOf(() => read({ U: 'http://x.example.com' }).url('U'))).toEqual({ kind: 'not-url' });
  });
});

test('overlayEnvFile: the process environment wins over the file, which fills the gaps', () => {
  expect(overlayEnvFile({ A: 'file', B: 'file' }, { A: 'env', C: 'env' })).toEqual({ A: 'env', B: 'file', C: 'env' });
});
