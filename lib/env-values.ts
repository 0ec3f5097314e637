/**
 * The one parser of settings given as text: the Action's secrets, the forms server's
 * environment, and the environment of the deploy and admin tools. Every reader trims, treats a
 * blank value as absent, and parses the same way; the caller passes `fail`, which turns a
 * problem into its own error type and message, so each component keeps its own wording.
 */
import { parseServiceUrl } from './service-url';

export type Values = Readonly<Record<string, unknown>>;

/** What is wrong with one value. */
export type ValueProblem =
  | { kind: 'not-text' }
  | { kind: 'missing' }
  | { kind: 'not-whole-number'; min: number; max: number }
  | { kind: 'out-of-range'; min: number; max: number }
  | { kind: 'not-flag' }
  | { kind: 'not-url' };

export type ValueFailure<N extends string> = (name: N, problem: ValueProblem) => Error;

export interface ValueReader<N extends string> {
  /** The value exactly as given (for secrets sent on as they are), or undefined when absent or blank. */
  raw(name: N): string | undefined;
  /** The trimmed value, or undefined when absent or blank. */
  text(name: N): string | undefined;
  required(name: N): string;
  /** A whole number from min to max, or undefined when absent. */
  optionalInteger(name: N, min: number, max: number): number | undefined;
  integer(name: N, fallback: number, min: number, max: number): number;
  /** `true` or `false`; the fallback when absent. */
  flag(name: N, fallback: boolean): boolean;
  /** A comma list, items trimmed, empty items dropped; [] when absent. */
  list(name: N): string[];
  /** An https URL (http on loopback), see parseServiceUrl; the fallback when absent, else missing. */
  url(name: N, fallback?: string): URL;
}

/** "a, b ,," -> ["a", "b"]. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function valueReader<N extends string>(values: Values, fail: ValueFailure<N>): ValueReader<N> {
  const raw = (name: N): string | undefined => {
    const value = values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw fail(name, { kind: 'not-text' });
    return value.trim() === '' ? undefined : value;
  };
  const text = (name: N): string | undefined => raw(name)?.trim();
  const optionalInteger = (name: N, min: number, max: number): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^[0-9]+$/.test(value)) throw fail(name, { kind: 'not-whole-number', min, max });
    const n = Number(value);
    if (n < min || n > max) throw fail(name, { kind: 'out-of-range', min, max });
    return n;
  };
  return {
    raw,
    text,
    required(name) {
      const value = text(name);
      if (value === undefined) throw fail(name, { kind: 'missing' });
      return value;
    },
    optionalInteger,
    integer: (name, fallback, min, max) => optionalInteger(name, min, max) ?? fallback,
    flag(name, fallback) {
      const value = text(name);
      if (value === undefined) return fallback;
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw fail(name, { kind: 'not-flag' });
    },
    list(name) {
      const value = text(name);
      return value === undefined ? [] : splitList(value);
    },
    url(name, fallback) {
      const value = text(name) ?? fallback;
      if (value === undefined) throw fail(name, { kind: 'missing' });
      const url = parseServiceUrl(value);
      if (!url) throw fail(name, { kind: 'not-url' });
      return url;
    },
  };
}

/**
 * A `.env` file's values under the process environment's: a variable set in the environment
 * wins over the file, as dotenv does by default (used by the deploy and the admin tools).
 */
export function overlayEnvFile(
  fileValues: Readonly<Record<string, string>>,
  processEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return { ...fileValues, ...processEnv };
}
