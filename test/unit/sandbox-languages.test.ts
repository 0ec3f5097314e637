/** How the stand-in tenant picks event.transaction.locale: ui_locales, then Accept-Language, then its default. */
import { LANGUAGES } from '../../forms-server/i18n';
import { acceptedLanguages, enabledLanguage, TENANT_LANGUAGES, transactionLocale } from '../../sandbox/tenant/languages';

test('the tenant enables every language the forms pages have, English (the default) first', () => {
  expect(TENANT_LANGUAGES[0]).toBe('en');
  expect([...TENANT_LANGUAGES].sort()).toEqual(LANGUAGES.map((c) => c.lang).sort());
});

describe('enabledLanguage', () => {
  test.each([
    ['fr', 'fr'],
    ['FR', 'fr'],
    ['fr-CA', 'fr'],
    ['de-AT', 'de'],
    ['pt-BR', 'pt-BR'],
    ['pt-br', 'pt-BR'],
    ['pt', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['nl-BE', 'nl'],
    ['it', 'it'],
    ['en-GB', 'en'],
    ['sv', undefined],
    ['*', undefined],
    ['', undefined],
  ])('%j → %j', (tag, language) => {
    expect(enabledLanguage(tag)).toBe(language);
  });
});

describe('acceptedLanguages', () => {
  test('orders by quality, keeps the header order for equal ones, drops q=0 and empty entries', () => {
    expect(acceptedLanguages('nl;q=0.5, fr-CA, fr;q=0.9, de;q=0, it;q=0.5,')).toEqual(['fr-CA', 'fr', 'nl', 'it']);
    expect(acceptedLanguages('pt-PT,pt;q=0.9,en-US;q=0.8,en;q=0.7')).toEqual(['pt-PT', 'pt', 'en-US', 'en']);
    expect(acceptedLanguages(undefined)).toEqual([]);
    expect(acceptedLanguages('')).toEqual([]);
  });
});

describe('transactionLocale', () => {
  test.each([
    [['it'], 'fr', 'it'],
    [['sv', 'de-CH'], 'fr', 'de'],
    [[], 'fr-FR,fr;q=0.9', 'fr'],
    [[], 'sv-SE,nl;q=0.8,en;q=0.5', 'nl'],
    [[], 'pt-PT', 'pt-BR'],
    [[], 'pt', 'pt-BR'],
    [[], 'sv', 'en'],
    [[], undefined, 'en'],
    [['sv'], undefined, 'en'],
  ])('ui_locales %j, Accept-Language %j → %s', (uiLocales, header, locale) => {
    expect(transactionLocale(uiLocales, header)).toBe(locale);
  });
});
