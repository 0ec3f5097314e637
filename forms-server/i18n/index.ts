/**
 * One catalogue per language; the page language follows the login's locale (carried by the
 * outbound token: the Action takes the login's `ui_locales`, else the language Auth0 negotiated
 * from the browser's `Accept-Language`), with English as the fallback for anything missing.
 */
import { de } from './de';
import { en, type Catalogue, type MessageKey } from './en';
import { es } from './es';
import { fr } from './fr';
import { it } from './it';
import { nl } from './nl';
import { ptBR } from './pt-BR';

export type { Catalogue, MessageKey };

/**
 * By primary language subtag. Portuguese has one catalogue, Brazilian: "pt", "pt-BR" and also
 * "pt-PT" get it, since Brazilian Portuguese reads far better to a Portuguese reader than the
 * English fallback would.
 */
const CATALOGUES: Record<string, Catalogue> = { en, es, de, fr, pt: ptBR, it, nl };

/** The catalogues, each once (English first). */
export const LANGUAGES: readonly Catalogue[] = Object.values(CATALOGUES);

/** The catalogue for a locale such as "es", "de-AT", "pt-PT" or "" (English). */
export function catalogueFor(locale: string): Catalogue {
  return supportedCatalogue(locale) ?? en;
}

/** The catalogue of a locale, or null when there is none for its language. */
export function supportedCatalogue(locale: string): Catalogue | null {
  const language = locale.toLowerCase().split('-')[0] ?? '';
  return Object.hasOwn(CATALOGUES, language) ? CATALOGUES[language] : null;
}

/** Fills `{name}` placeholders. Values are escaped by the template that prints the result. */
export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

const PLURAL_RULES = new Map<string, Intl.PluralRules>();

/** One PluralRules per catalogue language (there are a handful). */
function pluralRules(lang: string): Intl.PluralRules {
  let rules = PLURAL_RULES.get(lang);
  if (!rules) PLURAL_RULES.set(lang, (rules = new Intl.PluralRules(lang)));
  return rules;
}

/** "3 tries left." (or, with `earlier`, "3 tries left, including earlier attempts."), singular or plural. */
export function triesLeftText(t: Catalogue, left: number, earlier = false): string {
  const one = pluralRules(t.lang).select(left) === 'one';
  const form = earlier ? (one ? t.triesLeftEarlierOne : t.triesLeftEarlierOther) : one ? t.triesLeftOne : t.triesLeftOther;
  return format(form, { left });
}

/**
 * A notice in the catalogue's language; a `left` count also fills `{triesLeft}`, singular or
 * plural, and `earlier: 1` says that wrong codes of earlier logins count too.
 */
export function message(t: Catalogue, key: MessageKey, params: Record<string, string | number> = {}): string {
  const left = params.left;
  if (typeof left !== 'number') return format(t[key], params);
  return format(t[key], { ...params, triesLeft: triesLeftText(t, left, params.earlier === 1) });
}
