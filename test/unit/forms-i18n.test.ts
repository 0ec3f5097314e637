/** One catalogue per language, each complete; English is the fallback. */
import { catalogueFor, format, message } from '../../forms-server/i18n';
import { de } from '../../forms-server/i18n/de';
import { en } from '../../forms-server/i18n/en';
import { es } from '../../forms-server/i18n/es';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe.each([
  ['es', es],
  ['de', de],
])('the %s catalogue', (lang, catalogue) => {
  test('has every key of English, and no other', () => {
    expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
  });

  test('every message is a non-empty string with the same placeholders as English', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const text: unknown = catalogue[key];
      expect(typeof text).toBe('string');
      expect(`${key}: ${(text as string).trim() === ''}`).toBe(`${key}: false`);
      expect(`${key}: ${placeholders(text as string).join(',')}`).toBe(`${key}: ${placeholders(en[key]).join(',')}`);
    }
  });

  test('names its language and is translated (the page texts differ from English)', () => {
    expect(catalogue.lang).toBe(lang);
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((key) => key !== 'lang' && catalogue[key] === en[key]);
    expect(same).toEqual([]);
  });
});

describe('catalogueFor', () => {
  test.each([
    ['es', 'es'],
    ['es-MX', 'es'],
    ['ES', 'es'],
    ['de', 'de'],
    ['de-AT', 'de'],
    ['en', 'en'],
    ['en-GB', 'en'],
    ['', 'en'],
    ['fr', 'en'],
    ['pt-BR', 'en'],
    ['toString', 'en'],
  ])('%j → %s', (locale, lang) => {
    expect(catalogueFor(locale).lang).toBe(lang);
  });
});

// Inherited properties are not catalogues ("__proto__" once gave Object.prototype).
test.each([['__proto__'], ['constructor']])('catalogueFor(%j) falls back to English', (locale) => {
  expect(catalogueFor(locale).lang).toBe('en');
});

describe('message', () => {
  test('tries left are singular for one, plural otherwise, in each language', () => {
    expect(message(en, 'wrongCode', { left: 3 })).toBe('That code is not right. 3 tries left.');
    expect(message(en, 'wrongCode', { left: 1 })).toBe('That code is not right. 1 try left.');
    expect(message(es, 'wrongCode', { left: 1 })).toBe('Ese código no es correcto. Queda 1 intento.');
    expect(message(es, 'wrongCode', { left: 2 })).toBe('Ese código no es correcto. Quedan 2 intentos.');
    expect(message(de, 'pushDenied', { left: 1 })).toBe('Die Anfrage wurde in der Authy-App abgelehnt. Noch 1 Versuch.');
    expect(message(de, 'pushWithdrawn', { left: 0 })).toContain('Noch 0 Versuche.');
    expect(message(en, 'sendTooSoon', { seconds: 12 })).toBe('Please wait 12 seconds before asking for another code.');
  });
});

describe('format', () => {
  test('fills placeholders and leaves unknown ones as they are', () => {
    expect(format(en.triesLeftOther, { left: 3 })).toBe('3 tries left.');
    expect(format('{a} and {b}', { a: 'x' })).toBe('x and {b}');
    expect(format('no placeholders')).toBe('no placeholders');
  });

  test('a value is inserted as text once, not read as a placeholder again', () => {
    expect(format('{a}{b}', { a: '{b}', b: 'B' })).toBe('{b}B');
  });
});
