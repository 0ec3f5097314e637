/**
 * Authy takes its parameters form-encoded (`user[email]=...`, `details[Plan]=...`) or as JSON
 * (`{"user":{"email":...}}`), in the body or the query string. These read either shape, so
 * routes deal with plain strings.
 */

type Bag = Record<string, unknown>;

const isBag = (v: unknown): v is Bag => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Longest parameter value the emulator keeps (emails, messages, detail values). */
export const MAX_VALUE_LENGTH = 512;
/** Most `details[...]` entries kept per approval request. */
export const MAX_DETAILS = 20;

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The first string found for `path` (e.g. ['user', 'email']) in the given sources: the flat
 * form key `user[email]` or the nested JSON value. Undefined when absent or not a string/number.
 */
export function param(sources: unknown[], path: [string, ...string[]]): string | undefined {
  const flatKey =
    path[0] +
    path
      .slice(1)
      .map((p) => `[${p}]`)
      .join('');
  for (const source of sources) {
    if (!isBag(source)) continue;
    const flat = scalar(source[flatKey]);
    if (flat !== undefined) return flat;
    let node: unknown = source;
    for (const key of path) node = isBag(node) ? node[key] : undefined;
    const nested = scalar(node);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

/** A map parameter such as `details[...]`, from flat form keys or a nested JSON object; bounded in size. */
export function mapParam(sources: unknown[], name: string): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    const text = scalar(value);
    if (text === undefined || key === '__proto__' || key.length === 0 || key.length > 64 || Object.keys(out).length >= MAX_DETAILS) return;
    out[key] = text.slice(0, MAX_VALUE_LENGTH);
  };
  for (const source of sources) {
    if (!isBag(source)) continue;
    const nested = source[name];
    if (isBag(nested)) for (const [key, value] of Object.entries(nested)) put(key, value);
    for (const [key, value] of Object.entries(source)) {
      const match = new RegExp(`^${name}\\[([^\\]]+)\\]$`).exec(key);
      if (match) put(match[1], value);
    }
  }
  return out;
}

/** Authy's boolean flags (`force=true`) arrive as the string "true" (or a JSON true). */
export function flag(sources: unknown[], name: string): boolean {
  for (const source of sources) {
    if (!isBag(source)) continue;
    const value = source[name];
    if (value === true || value === 'true') return true;
  }
  return false;
}
