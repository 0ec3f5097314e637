/** One catalogue per language, each complete; English is the fallback. */
import { catalogueFor, format, LANGUAGES, message } from '../../forms-server/i18n';
import { de } from '../../forms-server/i18n/de';
import { en } from '../../forms-server/i18n/en';
import { es } from '../../forms-server/i18n/es';
import { fr } from '../../forms-server/i18n/fr';
import { it as italian } from '../../forms-server/i18n/it';
import { nl } from '../../forms-server/i18n/nl';
import { ptBR } from '../../forms-server/i18n/pt-BR';
import { defaultCountry, parsePhone } from '../../forms-server/visit/phone';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

const TRANSLATIONS = [
  ['es', es],
  ['de', de],
  ['fr', fr],
  ['pt-BR', ptBR],
  ['it', italian],
  ['nl', nl],
] as const;

test('the server offers exactly these languages', () => {
  expect(LANGUAGES.map((c) => c.lang)).toEqual(['en', 'es', 'de', 'fr', 'pt-BR', 'it', 'nl']);
});

describe.each(TRANSLATIONS)('the %s catalogue', (lang, catalogue) => {
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

  test('is the one the server picks for its language', () => {
    expect(catalogueFor(lang)).toBe(catalogue);
  });
});

describe.each([['en', en] as const, ...TRANSLATIONS])('wording in %s', (lang, catalogue) => {
  // One term for the feature, the page title's, wherever a text names it.
  test.each([
    'lockedIntro',
    'authyUserMissing',
    'authyConfig',
    'errStoreDown',
    'errSession',
    'enrollAppIntro',
    'verifyConfig',
    'errVerifyOff',
  ] as const)('%s names the feature as the title does', (key) => {
    expect(catalogue[key].toLowerCase()).toContain(catalogue.title.toLowerCase());
  });

  test('the lock text shows the exact UTC time and the time left', () => {
    expect(catalogue.lockedIntro).toContain('{until} UTC');
    expect(catalogue.lockedIntro).toContain('{relative}');
  });

  // The hint's examples are numbers the enrollment form takes for the page's preselected country.
  test('the phone hint gives a national and an international example, both accepted', () => {
    const examples = [...catalogue.phoneHint.matchAll(/\+?[(\d][\d ()-]*\d/g)].map((m) => m[0]);
    expect(examples).toHaveLength(2);
    expect(examples[1]).toMatch(/^\+\d/);
    for (const example of examples) expect([example, parsePhone(defaultCountry(lang), example).ok]).toEqual([example, true]);
  });
});

// The refusal names what the form takes (see parsePhone): each of these is accepted.
test.each([
  ['brackets', '(201) 555-0123'],
  ['dots', '201.555.0123'],
  ['dashes', '201-555-0123'],
  ['slashes', '201/555/0123'],
  ['spaces', '201 555 0123'],
  ['+ only at the start', '+1 201 555 0123'],
])('the English refusal of a phone number names %s, which the form takes', (words, number) => {
  expect(en.phoneLetters).toContain(words);
  expect(parsePhone('US', number).ok).toBe(true);
});

test('no English text uses another name for the feature', () => {
  const texts = Object.values(en).join('\n');
  expect(texts).not.toMatch(/two-factor|2FA|second factor|2-step|two step/i);
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
    ['fr', 'fr'],
    ['fr-CA', 'fr'],
    ['pt-BR', 'pt-BR'],
    ['pt-br', 'pt-BR'],
    ['pt', 'pt-BR'],
    // Portuguese from Portugal reads the Brazilian catalogue: much closer than the English fallback.
    ['pt-PT', 'pt-BR'],
    ['it', 'it'],
    ['it-CH', 'it'],
    ['nl', 'nl'],
    ['nl-BE', 'nl'],
    ['sv', 'en'],
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
    expect(message(fr, 'wrongCode', { left: 1 })).toBe('Ce code n’est pas le bon. Il reste 1 essai.');
    expect(message(fr, 'wrongCode', { left: 3 })).toBe('Ce code n’est pas le bon. Il reste 3 essais.');
    expect(message(ptBR, 'wrongCode', { left: 1 })).toBe('Esse código não está correto. Resta 1 tentativa.');
    expect(message(ptBR, 'wrongCode', { left: 4 })).toBe('Esse código não está correto. Restam 4 tentativas.');
    expect(message(italian, 'pushDenied', { left: 1 })).toBe('La richiesta è stata rifiutata nell’app Authy. Resta 1 tentativo.');
    expect(message(italian, 'pushDenied', { left: 2 })).toBe('La richiesta è stata rifiutata nell’app Authy. Restano 2 tentativi.');
    expect(message(nl, 'wrongCode', { left: 1 })).toBe('Die code klopt niet. Nog 1 poging.');
    expect(message(nl, 'wrongCode', { left: 2 })).toBe('Die code klopt niet. Nog 2 pogingen.');
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
