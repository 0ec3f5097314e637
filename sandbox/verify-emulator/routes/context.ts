/** What every route module receives from the app factory, and the readers of Twilio's form parameters. */
import type { FaultQueue } from '../../authy-emulator/faults';
import * as errors from '../errors';
import type { Account } from '../shapes';
import type { TotpFactors } from '../totp-factors';
import type { Verifications } from '../verifications';

export interface RouteContext {
  account: Account;
  totp: TotpFactors;
  verifications: Verifications;
  faults: FaultQueue;
  /** Empties the state (emulator control). */
  reset: () => void;
}

/** Every Verify path of one Service starts here. */
export const SERVICE = '/v2/Services/:serviceSid';

/** Entity identities: 8 to 64 dash-separated alphanumerics (entity/factor.ts of twilio-node). */
export const IDENTITY = /^(?=.{8,64}$)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;
export const SID = {
  factor: /^YF[0-9a-fA-F]{32}$/,
  challenge: /^YC[0-9a-fA-F]{32}$/,
  verification: /^VE[0-9a-fA-F]{32}$/,
};

/** The form fields of a request (Twilio takes application/x-www-form-urlencoded); a repeated field counts once. */
export type Form = Partial<Record<string, string>>;

export function form(body: unknown): Form {
  const out: Form = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') out[key] = value[0];
  }
  return out;
}

/** The path Twilio names in its 404 message: the URL without /v2 and without the query. */
export function resourcePath(url: string): string {
  return url.replace(/^\/v2/, '').replace(/\?.*$/, '');
}

/** An identity from the URL: malformed ones cannot exist (404). */
export function identityParam(raw: string, url: string): string {
  if (!IDENTITY.test(raw)) throw errors.notFound(resourcePath(url));
  return raw;
}

/** A SID from the URL: malformed ones cannot exist (404). */
export function sidParam(raw: string, pattern: RegExp, url: string): string {
  if (!pattern.test(raw)) throw errors.notFound(resourcePath(url));
  return raw;
}

/** An optional integer form field within a documented range, or 60200 naming it. */
export function intField(fields: Form, name: string, min: number, max: number, fallback: number): number {
  const raw = fields[name];
  if (raw === undefined) return fallback;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw errors.invalidParameter(name);
  return Number(raw);
}
