/**
 * The settings of a warm container, parsed once: a container runs many logins with the same
 * secrets, so the last parse is kept with the value of every secret it read, and used again only
 * when each of those values is the same (===) in this login's `event.secrets`. Whether
 * `event.secrets` is the same object from one login to the next is not assumed: the values are
 * compared, one by one, without building a copy. The secrets are `event.secrets`' own properties
 * (a plain object of strings, as Auth0 gives it); when one differs they are read into a copy, which
 * the parse reads and which is kept with its result. A parse that fails is never kept.
 */
import { SECRET_NAMES } from '../../../lib/action-secrets';
import { parseSettings, type Settings } from '../../../lib/action-settings';

const INDEX: ReadonlyMap<string, number> = new Map(SECRET_NAMES.map((name, i) => [name, i]));

interface Parsed {
  values: readonly unknown[];
  /** How many of `values` are set (not undefined). */
  set: number;
  settings: Settings;
}

let last: Parsed | null = null;

/** The value of each secret (in SECRET_NAMES order; undefined when not set). */
function valuesOf(secrets: Readonly<Record<string, unknown>>): unknown[] {
  const values = new Array<unknown>(SECRET_NAMES.length).fill(undefined);
  for (const name of Object.keys(secrets)) {
    const i = INDEX.get(name);
    if (i !== undefined) values[i] = secrets[name];
  }
  return values;
}

/**
 * Whether `secrets` holds the values of the last parse, without building a copy: every secret it
 * sets has the same value as then, and it sets as many secrets as then (so none is missing).
 */
function sameAsLast(secrets: Readonly<Record<string, unknown>>, parsed: Parsed): boolean {
  let set = 0;
  for (const name of Object.keys(secrets)) {
    const i = INDEX.get(name);
    if (i === undefined) continue;
    const value = secrets[name];
    if (value !== parsed.values[i]) return false;
    if (value !== undefined) set++;
  }
  return set === parsed.set;
}

/** The parsed settings (throws SettingsError as parseSettings does), from the last parse when no secret's value changed. */
export function settingsOf(secrets: Readonly<Record<string, unknown>>): Settings {
  if (last && sameAsLast(secrets, last)) return last.settings;
  const values = valuesOf(secrets);
  const copy: Record<string, unknown> = {};
  SECRET_NAMES.forEach((name, i) => {
    if (values[i] !== undefined) copy[name] = values[i];
  });
  const settings = Object.freeze(parseSettings(copy));
  if (settings.verify) Object.freeze(settings.verify);
  last = { values: Object.freeze(values), set: values.filter((value) => value !== undefined).length, settings };
  return settings;
}
