/** Phone numbers are parsed and checked before Authy sees them. */
import { countryOptions, isCountry, parsePhone } from '../../forms-server/visit/phone';

describe('valid mobile numbers', () => {
  test.each([
    ['US, national with punctuation', 'US', '(201) 555-0123', '1', '2015550123'],
    ['US, digits only', 'US', '2015550123', '1', '2015550123'],
    ['US, with +1', 'US', '+1 201 555 0123', '1', '2015550123'],
    ['US, with dots', 'US', '201.555.0123', '1', '2015550123'],
    ['DE, national with the trunk 0', 'DE', '0151 23456789', '49', '15123456789'],
    ['DE, international', 'DE', '+49 151 23456789', '49', '15123456789'],
    ['DE, with a slash', 'DE', '0151/23456789', '49', '15123456789'],
    ['DE, surrounding spaces', 'DE', '  01512 3456789  ', '49', '15123456789'],
  ])('%s', (_name, country, raw, countryCallingCode, nationalNumber) => {
    expect(parsePhone(country, raw)).toEqual({ ok: true, countryCallingCode, nationalNumber });
  });

  test('a number of a country that shares a calling code (Canada, +1) is accepted when US is chosen', () => {
    // Same calling code: Authy only needs the code and the national number.
    expect(parsePhone('US', '+1 604 555 5555')).toMatchObject({ ok: true, countryCallingCode: '1' });
  });
});

describe('refused numbers', () => {
  test.each([
    ['empty', 'US', '', 'phoneEmpty'],
    ['spaces only', 'US', '    ', 'phoneEmpty'],
    ['not a string', 'US', 2015550123, 'phoneEmpty'],
    ['an array', 'US', ['2015550123'], 'phoneEmpty'],
    ['too long (33 characters)', 'US', '2'.repeat(33), 'phoneTooLong'],
    ['too long with spaces', 'US', '201 555 0123 201 555 0123 201 555 01', 'phoneTooLong'],
    ['letters', 'US', '201-555-CALL', 'phoneLetters'],
    ['an extension', 'US', '2015550123 ext 5', 'phoneLetters'],
    ['markup', 'US', '<b>2015550123</b>', 'phoneLetters'],
    ['two plus signs', 'US', '++12015550123', 'phoneLetters'],
    ['a plus in the middle', 'US', '201+5550123', 'phoneLetters'],
    ['too short', 'US', '12', 'phoneInvalid'],
    ['not a US number', 'US', '1234567890', 'phoneInvalid'],
    ['a German number with US chosen', 'US', '+49 151 23456789', 'phoneWrongCountry'],
    ['a US number with Germany chosen', 'DE', '+1 201 555 0123', 'phoneWrongCountry'],
    ['a German landline', 'DE', '030 1234567', 'phoneLandline'],
    ['a German toll-free number', 'DE', '0800 1234567', 'phoneLandline'],
    ['a US toll-free number', 'US', '800 555 0123', 'phoneLandline'],
    ['an unknown country', 'XX', '2015550123', 'countryUnknown'],
    ['a lower-case country', 'us', '2015550123', 'countryUnknown'],
    ['no country', undefined, '2015550123', 'countryUnknown'],
    ['a country that is not a string', ['US'], '2015550123', 'countryUnknown'],
  ])('%s → %s', (_name, country, raw, error) => {
    expect(parsePhone(country, raw)).toEqual({ ok: false, error });
  });
});

describe('countries', () => {
  test('isCountry knows ISO codes only', () => {
    expect(isCountry('US')).toBe(true);
    expect(isCountry('DE')).toBe(true);
    expect(isCountry('XX')).toBe(false);
    expect(isCountry('us')).toBe(false);
    expect(isCountry('__proto__')).toBe(false);
    expect(isCountry(undefined)).toBe(false);
  });

  test('countryOptions lists every country with its calling code, named in the page language and sorted', () => {
    const en = countryOptions('en');
    expect(en.length).toBeGreaterThan(200);
    expect(en).toContainEqual({ code: 'DE', label: 'Germany (+49)' });
    expect(en).toContainEqual({ code: 'US', label: 'United States (+1)' });
    const labels = en.map((o) => o.label);
    expect([...labels].sort((a, b) => a.localeCompare(b, 'en'))).toEqual(labels);
    expect(countryOptions('de')).toContainEqual({ code: 'DE', label: 'Deutschland (+49)' });
    expect(countryOptions('es')).toContainEqual({ code: 'DE', label: 'Alemania (+49)' });
    expect(countryOptions('')).toContainEqual({ code: 'DE', label: 'Germany (+49)' });
  });

  // A locale tag Intl rejects (e.g. "en-a1", which the token contract accepts) once threw.
  test('countryOptions survives a locale tag Intl rejects', () => {
    expect(countryOptions('en-a1')).toContainEqual({ code: 'DE', label: 'Germany (+49)' });
  });
});
