/**
 * Parses and checks the phone number typed on the enrollment page before Authy sees it.
 * Pure; the error codes are catalogue keys (i18n) for plain-words messages.
 */
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type PhoneError =
  'phoneEmpty' | 'phoneTooLong' | 'phoneLetters' | 'phoneInvalid' | 'phoneWrongCountry' | 'phoneLandline' | 'countryUnknown';

export type PhoneResult = { ok: true; countryCallingCode: string; nationalNumber: string } | { ok: false; error: PhoneError };

const COUNTRIES: ReadonlySet<string> = new Set(getCountries());

export function isCountry(value: unknown): value is CountryCode {
  return typeof value === 'string' && COUNTRIES.has(value);
}

/** Country lists already built, by the locale asked for: naming and sorting 245 countries is the costly part. */
const COUNTRY_OPTIONS = new Map<string, readonly { code: string; label: string }[]>();
const MAX_CACHED_LOCALES = 64;

/** Every country with its calling code, for the select on the enrollment page, named in `locale`. Built once per locale. */
export function countryOptions(locale: string): readonly { code: string; label: string }[] {
  const cached = COUNTRY_OPTIONS.get(locale);
  if (cached) return cached;
  const language = supportedLocale(locale);
  const names = new Intl.DisplayNames([language, 'en'], { type: 'region' });
  const collator = new Intl.Collator(language);
  const options = getCountries()
    .map((code) => ({ code, label: `${names.of(code) ?? code} (+${getCountryCallingCode(code)})` }))
    .sort((a, b) => collator.compare(a.label, b.label));
  if (COUNTRY_OPTIONS.size >= MAX_CACHED_LOCALES) COUNTRY_OPTIONS.clear();
  COUNTRY_OPTIONS.set(locale, Object.freeze(options));
  return options;
}

/** The locale if Intl accepts it, else English: a login's ui_locales may be well-formed yet unknown. */
function supportedLocale(locale: string): string {
  try {
    const canonical = Intl.getCanonicalLocales(locale || 'en').at(0);
    new Intl.DisplayNames([canonical ?? 'en'], { type: 'region' });
    return canonical ?? 'en';
  } catch {
    return 'en';
  }
}

export function parsePhone(country: unknown, raw: unknown): PhoneResult {
  if (!isCountry(country)) return { ok: false, error: 'countryUnknown' };
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: 'phoneEmpty' };
  const text = raw.trim();
  if (text.length > 32) return { ok: false, error: 'phoneTooLong' };
  // Digits, spaces and the usual separators only; a leading + for an international number.
  if (!/^\+?[0-9 ().\-/]+$/.test(text)) return { ok: false, error: 'phoneLetters' };
  const phone = parsePhoneNumberFromString(text, country);
  if (!phone || !phone.isValid()) return { ok: false, error: 'phoneInvalid' };
  if (phone.country && phone.country !== country && phone.countryCallingCode !== getCountryCallingCode(country)) {
    return { ok: false, error: 'phoneWrongCountry' };
  }
  const type = phone.getType();
  if (type === 'FIXED_LINE' || type === 'TOLL_FREE' || type === 'PREMIUM_RATE' || type === 'SHARED_COST')
    return { ok: false, error: 'phoneLandline' };
  return { ok: true, countryCallingCode: phone.countryCallingCode, nationalNumber: phone.nationalNumber };
}

/** The country preselected on the enrollment page: the region of the login's locale, else US. */
export function defaultCountry(locale: string): string {
  const region = locale.split('-')[1];
  if (region && /^[A-Z]{2}$/i.test(region)) return region.toUpperCase();
  // Plain "pt" reads the Brazilian catalogue, so it preselects Brazil too ("pt-PT" names its region).
  const byLanguage: Record<string, string> = { de: 'DE', es: 'ES', fr: 'FR', it: 'IT', pt: 'BR', nl: 'NL' };
  return byLanguage[locale.toLowerCase().split('-')[0] ?? ''] ?? 'US';
}
