/**
 * The phone number an admin gives `enroll-2fa`: checked with libphonenumber-js by the same rules
 * as the forms server's enrollment page (a mobile number, valid for its country), before Authy
 * sees it. Messages never repeat the number; `masked` is the only form of it that is printed.
 */
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AdminError } from './errors';

export interface AdminPhone {
  /** Without the +, e.g. "1"; Authy's `country_code`. */
  countryCallingCode: string;
  /** Digits only, e.g. "2015550123"; Authy's `cellphone`. Never printed. */
  nationalNumber: string;
  /** e.g. "+1 ********23". */
  masked: string;
}

/** "+<calling code>", then a star per hidden digit and the last two digits. */
export function maskPhone(countryCallingCode: string, nationalNumber: string): string {
  const shown = nationalNumber.slice(-2);
  return `+${countryCallingCode} ${'*'.repeat(Math.max(0, nationalNumber.length - shown.length))}${shown}`;
}

function refuse(why: string): AdminError {
  return new AdminError('BAD_USAGE', `--phone ${why}`);
}

/** Parses `--phone` (E.164, or national with `--country XX`). Throws AdminError('BAD_USAGE'). */
export function parseAdminPhone(raw: string | undefined, countryArg: string | undefined): AdminPhone {
  const country = countryArg?.trim().toUpperCase();
  if (country !== undefined && !isSupportedCountry(country)) {
    throw new AdminError('BAD_USAGE', '--country takes a two-letter country code such as US, GB or DE');
  }
  const text = (raw ?? '').trim();
  if (text === '') throw refuse("is required: the user's mobile number, e.g. +14155550100, or 0151 23456789 with --country DE");
  if (text.length > 32) throw refuse('is too long for a phone number');
  // Digits, spaces and the usual separators only; a leading + for an international number.
  if (!/^\+?[0-9 ().\-/]+$/.test(text)) throw refuse('may hold only digits, spaces and ( ) . - /, with a leading + for E.164');
  if (!text.startsWith('+') && country === undefined) {
    throw refuse('is a national number: give its country with --country XX, or write it in E.164 (+...)');
  }
  const phone = parsePhoneNumberFromString(text, country);
  if (!phone || !phone.isValid()) throw refuse(`is not a valid phone number${country ? ` for ${country}` : ''}`);
  const otherCountry = country && phone.country && phone.country !== country;
  if (otherCountry && phone.countryCallingCode !== getCountryCallingCode(country)) {
    throw refuse(`is a number of another country than ${country}`);
  }
  const type = phone.getType();
  if (type === 'FIXED_LINE' || type === 'TOLL_FREE' || type === 'PREMIUM_RATE' || type === 'SHARED_COST') {
    throw refuse('is not a mobile number (landline, toll-free or premium): it cannot receive codes');
  }
  const countryCallingCode: string = phone.countryCallingCode;
  const nationalNumber: string = phone.nationalNumber;
  return { countryCallingCode, nationalNumber, masked: maskPhone(countryCallingCode, nationalNumber) };
}
