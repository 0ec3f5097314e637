/**
 * Reading and masking phone numbers the way Authy shows them. The emulator only checks the
 * shape of a number (digits and length); it does not know real numbering plans, so demo
 * numbers such as 201-555-0123 are accepted.
 */

/** Separators people type inside a national number; anything else that is not a digit is refused. */
const SEPARATORS = /[\s\-.()]/g;
/** E.164 allows 15 digits in all, calling code included. */
const MAX_E164_DIGITS = 15;
/** Shorter national numbers do not exist in any plan Authy serves. */
const MIN_NATIONAL_DIGITS = 6;

/** A calling code such as "1" or "44" (a leading "+" is tolerated); null if it is not one. */
export function parseCountryCode(raw: string): string | null {
  const match = /^\+?([1-9]\d{0,2})$/.exec(raw.trim());
  return match ? match[1] : null;
}

/** The national number as digits only; null if it holds letters or has an impossible length. */
export function parseNationalNumber(raw: string, countryCode: string): string | null {
  const digits = raw.trim().replace(SEPARATORS, '');
  if (!/^\d+$/.test(digits)) return null;
  if (digits.length < MIN_NATIONAL_DIGITS || countryCode.length + digits.length > MAX_E164_DIGITS) return null;
  return digits;
}

/** Groups of three from the left, the last group taking what is left (4 for US numbers). */
function group(chars: string): string {
  const parts: string[] = [];
  let rest = chars;
  while (rest.length > 4) {
    parts.push(rest.slice(0, 3));
    rest = rest.slice(3);
  }
  parts.push(rest);
  return parts.join('-');
}

function maskAllBut(digits: string, visible: number): string {
  return 'X'.repeat(Math.max(0, digits.length - visible)) + digits.slice(-visible);
}

/** As in sms/call answers: "+1-XXX-XXX-XX23" (last two digits shown). */
export function maskCellphone(countryCode: string, national: string): string {
  return `+${countryCode}-${group(maskAllBut(national, 2))}`;
}

/** As in users/{id}/status: "XXX-XXX-0123" (last four digits shown). */
export function maskStatusPhone(national: string): string {
  return group(maskAllBut(national, 4));
}
