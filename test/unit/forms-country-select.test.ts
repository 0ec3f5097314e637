import { Eta } from 'eta';
import { countrySelectOptions } from '../../forms-server/country-select';
import { countryOptions } from '../../forms-server/visit/phone';

/** The loop the enrollment template ran before the options were built once per list. */
const LOOP = [
  '<% it.countries.forEach(function (c) { %>',
  "<option value=\"<%= c.code %>\"<%= c.code === it.country ? ' selected' : '' %>><%= c.label %></option>",
  '<% }) %>',
].join('');

describe('countrySelectOptions', () => {
  const eta = new Eta({ autoEscape: true });

  it.each(['en', 'de', 'es-MX', ''])('writes what the template loop wrote (%s)', (locale) => {
    const countries = countryOptions(locale);
    for (const country of ['US', 'DE', 'AX', 'ZW', 'ZZ', '"><x>', '']) {
      expect(countrySelectOptions(countries, country)).toBe(eta.renderString(LOOP, { countries, country }));
    }
  });

  it('escapes codes and labels as the templates do', () => {
    const countries = [{ code: 'A"&', label: "<b>'x'</b>" }];
    expect(countrySelectOptions(countries, 'A"&')).toBe('<option value="A&quot;&amp;" selected>&lt;b&gt;&#39;x&#39;&lt;/b&gt;</option>');
    expect(countrySelectOptions(countries, 'other')).toBe('<option value="A&quot;&amp;">&lt;b&gt;&#39;x&#39;&lt;/b&gt;</option>');
  });
});
