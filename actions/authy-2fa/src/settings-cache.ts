/**
 * The settings of a warm container, parsed once: a container runs many logins with the same
 * secrets, so the last parse is kept with the value of every secret it read, and used again only
 * when each of those values is the same (===) in this login's `event.secrets`. Whether
 * `event.secrets` is the same object from one login to the next is not assumed: the values are
 * compared, one by one. The secrets are `event.secrets`' own properties (a plain object of
 * strings, as Auth0 gives it), read once per login into a copy that the parse reads; a parse that
 * fails is never kept.
 */
import { SECRET_NAMES } from '../../../lib/action-secrets';
import { parseSettings, type Settings } from '../../../lib/action-settings';

const INDEX: ReadonlyMap<string, number> = new Map(SECRET_NAMES.map((name, i) => [name, i]));

interface Parsed {
  values: readonly unknown[];
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

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The parsed settings (throws SettingsError as parseSettings does), from the last parse when no secret's value changed. */
export function settingsOf(secrets: Readonly<Record<string, unknown>>): Settings {
  const values = valuesOf(secrets);
  if (last && same(values, last.values)) return last.settings;
  const copy: Record<string, unknown> = {};
  SECRET_NAMES.forEach((name, i) => {
    if (values[i] !== undefined) copy[name] = values[i];
  });
  const settings = Object.freeze(parseSettings(copy));
  if (settings.verify) Object.freeze(settings.verify);
  last = { values: Object.freeze(values), settings };
  return settings;
}
