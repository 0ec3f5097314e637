/**
 * The options of the enrollment page's country select as HTML: about 245 of them, each escaped
 * exactly as the templates escape (eta's own escape function), built once per country list
 * (one per locale, visit/phone.ts) and, per page, only the selected option written anew.
 */
import { Eta } from 'eta';

export interface CountryOption {
  code: string;
  label: string;
}

/** The templates' escaping (eta's default, as `<%= %>` applies it). */
const escape = new Eta().config.escapeFunction;

interface Fragment {
  /** Every option, none selected. */
  html: string;
  /** Where each option starts in `html`; the last entry is html.length. */
  starts: number[];
  /** The index of each country code. */
  indexOf: Map<string, number>;
}

const FRAGMENTS = new WeakMap<readonly CountryOption[], Fragment>();

function optionHtml(country: CountryOption, selected: boolean): string {
  return `<option value="${escape(country.code)}"${selected ? ' selected' : ''}>${escape(country.label)}</option>`;
}

function fragmentOf(countries: readonly CountryOption[]): Fragment {
  const cached = FRAGMENTS.get(countries);
  if (cached) return cached;
  const parts: string[] = [];
  const starts: number[] = [];
  const indexOf = new Map<string, number>();
  let length = 0;
  countries.forEach((country, index) => {
    const html = optionHtml(country, false);
    starts.push(length);
    parts.push(html);
    length += html.length;
    if (!indexOf.has(country.code)) indexOf.set(country.code, index);
  });
  starts.push(length);
  const fragment = { html: parts.join(''), starts, indexOf };
  FRAGMENTS.set(countries, fragment);
  return fragment;
}

/** The `<option>`s of `countries`, the one whose code is `selected` (if any) marked selected. */
export function countrySelectOptions(countries: readonly CountryOption[], selected: string): string {
  const fragment = fragmentOf(countries);
  const index = fragment.indexOf.get(selected);
  if (index === undefined) return fragment.html;
  const country = countries[index];
  return fragment.html.slice(0, fragment.starts[index]) + optionHtml(country, true) + fragment.html.slice(fragment.starts[index + 1]);
}
