/**
 * The second-factor provider on Twilio Verify v2, with `fetch` only (this code may be bundled into
 * the Action, which has no npm dependencies). Calls, auth, timeouts and the error table are in
 * ./verify-http.ts, reply checks in ./verify-replies.ts, `confirm` in ./verify-confirm.ts; the
 * migration tools' client for seeds that exist already in ./verify-known-seed.ts.
 *
 * Resources (twilio.com/docs/verify/api, twilio-node src/rest/verify/v2/service/):
 * - TOTP: `POST Entities/{Identity}/Factors` (FactorType=totp, FriendlyName, Config.*) creates an
 *   unverified factor whose `binding` { secret, uri } is returned once; `POST .../Factors/{YF}`
 *   AuthPayload=<code> verifies it (a wrong code answers `status: unverified`, not an error, since
 *   2021-10-27); `POST Entities/{Identity}/Challenges` FactorSid + AuthPayload checks a sign-in code
 *   (`approved`, or `pending` for a wrong code).
 * - SMS / voice: `POST Verifications` To + Channel; `POST VerificationCheck` To + Code (`approved`,
 *   or `pending` for a wrong code; 404 once expired, approved or used up).
 * - `DELETE Entities/{Identity}` removes the user with every factor.
 */
import { createHmac } from 'node:crypto';
import type { TotpAlgorithm } from '../totp';
import { confirmVerify } from './verify-confirm';
import { IDENTITY, SID, VERIFY_BASE_URL, createVerifyCall, type VerifyCall } from './verify-http';
import { readChallenge, readFactor, readNewTotpFactor, readVerification } from './verify-replies';
import {
  ProviderError,
  isProviderError,
  type Approved,
  type Enrollment,
  type ProviderCapabilities,
  type SecondFactorProvider,
} from './types';

export interface VerifyTotpConfig {
  /** Config.TimeStep, 20 to 60 s (Twilio's default 30). */
  timeStep?: number;
  /** Config.Skew, 0 to 2 steps (default 1). */
  skew?: number;
  /** Config.CodeLength, 3 to 8 digits (default 6). */
  codeLength?: number;
  /** Config.Alg (default sha1, what most authenticator apps support). */
  alg?: TotpAlgorithm;
}

export interface VerifyProviderOptions {
  /** Account SID (AC...) with its Auth Token, or an API key SID (SK...) with its secret. */
  accountSid: string;
  authToken: string;
  /** The Verify Service (VA...). */
  serviceSid: string;
  /** Key of the HMAC that turns user ids into Entity identities; at least 32 bytes, kept like a password. */
  identitySecret: string;
  /** Default https://verify.twilio.com/v2; the sandbox points it at its emulator. */
  baseUrl?: string;
  /** Per call; default 5000 ms. */
  timeoutMs?: number;
  totp?: VerifyTotpConfig;
  /** FriendlyName of new TOTP factors when enroll gets no `label` (the account name apps show). */
  defaultLabel?: string;
  fetch?: typeof fetch;
  /** Clock in ms (for `confirm`'s age check); default Date.now. */
  now?: () => number;
}

export const VERIFY_CAPABILITIES: ProviderCapabilities = {
  app: true,
  channels: ['sms', 'call'],
  push: false,
  qrEnrollment: true,
  phoneRequired: false,
  // SMS/voice: looked up too, but Twilio deletes approved verifications (then 'not_found').
  confirms: { enrollment: ['app'], code: ['app'], push: false },
};

export const MIN_IDENTITY_SECRET_BYTES = 32;

/** The Entity identity of a user: HMAC-SHA256 of the user id, hex (64 characters). Never the email. */
export function verifyIdentity(userId: string, secret: string): string {
  if (Buffer.byteLength(secret, 'utf8') < MIN_IDENTITY_SECRET_BYTES) throw new RangeError('the identity secret must be at least 32 bytes');
  if (userId.length === 0) throw new RangeError('a user id is required');
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

/** Codes as the API takes them: TOTP 3 to 8 digits (challenge.ts AuthPayload), SMS/voice 4 to 10 (60200). */
/** An authenticator app's code, as Verify takes it (also the known-seed client's). */
export const APP_CODE = /^[0-9]{3,8}$/;
const SENT_CODE = /^[0-9]{4,10}$/;

function configError(message: string): ProviderError {
  return new ProviderError('BAD_CREDENTIALS', `Verify provider: ${message}`, 'verify');
}

function intIn(value: number | undefined, min: number, max: number, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) throw configError(`${name} must be an integer from ${min} to ${max}`);
  return String(value);
}

/** The Config.* form fields of a new TOTP factor, checked against Twilio's documented ranges. */
export function totpConfigForm(config: VerifyTotpConfig = {}): Record<string, string> {
  const form: Record<string, string | undefined> = {
    'Config.TimeStep': intIn(config.timeStep, 20, 60, 'totp.timeStep'),
    'Config.Skew': intIn(config.skew, 0, 2, 'totp.skew'),
    'Config.CodeLength': intIn(config.codeLength, 3, 8, 'totp.codeLength'),
  };
  if (config.alg !== undefined) {
    if (!['sha1', 'sha256', 'sha512'].includes(config.alg)) throw configError('totp.alg must be sha1, sha256 or sha512');
    form['Config.Alg'] = config.alg;
  }
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
}

type VerifyEnrollment = Extract<Enrollment, { provider: 'verify' }>;

/** The enrollment, if it is a well-formed Verify one (its values end up in URL paths and forms). */
export function verifyEnrollmentOf(enrollment: Enrollment): VerifyEnrollment {
  const bad = (what: string) => new ProviderError('INVALID_REQUEST', `not a valid Verify enrollment (${what})`, 'verify');
  if (enrollment.provider !== 'verify') throw bad('provider');
  if (!IDENTITY.test(enrollment.identity)) throw bad('identity');
  if (enrollment.factorSid !== null && !SID.factor.test(enrollment.factorSid)) throw bad('factor');
  if (enrollment.phone !== null && !/^\+[1-9][0-9]{5,14}$/.test(enrollment.phone)) throw bad('phone');
  return enrollment;
}

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new ProviderError('INVALID_REQUEST', `the enrollment has no ${what}`, 'verify');
  return value;
}

function e164(phone: { countryCode: string; national: string }): string {
  const ok = /^[1-9][0-9]{0,2}$/.test(phone.countryCode) && /^[0-9]{4,14}$/.test(phone.national);
  const number = `+${phone.countryCode}${phone.national}`;
  if (!ok || number.length > 16) throw new ProviderError('INVALID_PHONE', 'the phone number is not valid', 'verify');
  return number;
}

export function wrongCode(): ProviderError {
  return new ProviderError('WRONG_CODE', 'the code is not valid', 'verify');
}

/** Checks the settings (configuration errors name the setting) and builds the one call function. */
export function callFrom(options: VerifyProviderOptions): VerifyCall {
  if (!SID.account.test(options.accountSid) || options.authToken.length === 0) throw configError('accountSid / authToken malformed');
  if (!SID.service.test(options.serviceSid)) throw configError('serviceSid must be a Verify Service SID (VA...)');
  if (Buffer.byteLength(options.identitySecret, 'utf8') < MIN_IDENTITY_SECRET_BYTES) throw configError('identitySecret is too short');
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw configError('timeoutMs must be a positive integer');
  const baseUrl = (options.baseUrl ?? VERIFY_BASE_URL).replace(/\/+$/, '');
  return createVerifyCall({
    username: options.accountSid,
    password: options.authToken,
    serviceUrl: `${baseUrl}/Services/${options.serviceSid}`,
    timeoutMs,
    fetch: options.fetch,
  });
}

/** VerificationCheck To + Code: the approved verification, or the error its status means. */
async function checkSentCode(call: VerifyCall, to: string, code: string): Promise<{ sid: string; channel: 'sms' | 'call' }> {
  if (!SENT_CODE.test(code)) throw wrongCode();
  const check = readVerification(await call('POST', '/VerificationCheck', { To: to, Code: code }), { to, check: true });
  if (check.status === 'approved') return check;
  if (check.status === 'pending') throw wrongCode();
  if (check.status === 'max_attempts_reached') throw new ProviderError('MAX_ATTEMPTS', 'the verification took its last check', 'verify');
  throw new ProviderError('NOT_FOUND', 'no live verification for this number', 'verify');
}

/**
 * `confirm` alone (what the Action needs): the same calls and checks as the provider's, without
 * the rest of the provider in the Action's bundle.
 */
export function createVerifyConfirmer(options: VerifyProviderOptions): SecondFactorProvider['confirm'] {
  const call = callFrom(options);
  const now = options.now ?? Date.now;
  return (enrollment, approved, { maxAgeSeconds }) =>
    confirmVerify(call, verifyEnrollmentOf(enrollment), approved, { maxAgeMs: maxAgeSeconds * 1000, nowMs: now() });
}

export function createVerifyProvider(options: VerifyProviderOptions): SecondFactorProvider {
  const call = callFrom(options);
  const totpForm = totpConfigForm(options.totp);
  const now = options.now ?? Date.now;

  return {
    name: 'verify',
    capabilities: VERIFY_CAPABILITIES,

    async enroll({ userId, phone, app = true, label }) {
      if (typeof userId !== 'string' || userId.length === 0) throw new ProviderError('INVALID_REQUEST', 'a user id is required', 'verify');
      const identity = verifyIdentity(userId, options.identitySecret);
      const number = phone ? e164(phone) : null;
      if (!app && number === null) throw new ProviderError('INVALID_REQUEST', 'nothing to enroll: no app and no phone', 'verify');
      if (!app) return { enrollment: { provider: 'verify', identity, factorSid: null, phone: number } };
      const friendlyName = (label ?? options.defaultLabel ?? 'Sign-in').slice(0, 64);
      const form = { FactorType: 'totp', FriendlyName: friendlyName, ...totpForm };
      const created = readNewTotpFactor(await call('POST', `/Entities/${identity}/Factors`, form), identity);
      return { enrollment: { provider: 'verify', identity, factorSid: created.sid, phone: number }, totp: created.binding };
    },

    async activate(enrollment, code, method) {
      const user = verifyEnrollmentOf(enrollment);
      if (method === 'app') {
        const factorSid = need(user.factorSid, 'authenticator app');
        if (!APP_CODE.test(code)) throw wrongCode();
        const reply = await call('POST', `/Entities/${user.identity}/Factors/${factorSid}`, { AuthPayload: code });
        if (readFactor(reply, { identity: user.identity, sid: factorSid }).status !== 'verified') throw wrongCode();
        return { enrollment: user, method, result: { kind: 'enrollment', id: factorSid } };
      }
      const check = await checkSentCode(call, need(user.phone, 'phone'), code);
      return { enrollment: user, method: check.channel, result: { kind: 'enrollment', id: check.sid } };
    },

    async sendCode(enrollment, channel) {
      const to = need(verifyEnrollmentOf(enrollment).phone, 'phone');
      if (!VERIFY_CAPABILITIES.channels.includes(channel)) throw new ProviderError('INVALID_REQUEST', 'unknown channel', 'verify');
      const sent = readVerification(await call('POST', '/Verifications', { To: to, Channel: channel }), { to });
      if (sent.status !== 'pending') throw new ProviderError('UNAVAILABLE', 'Twilio Verify did not start the verification', 'verify');
    },

    async checkCode(enrollment, code, method): Promise<Approved> {
      const user = verifyEnrollmentOf(enrollment);
      if (method !== 'app') {
        const check = await checkSentCode(call, need(user.phone, 'phone'), code);
        return { method: check.channel, result: { kind: 'code', id: check.sid } };
      }
      const factorSid = need(user.factorSid, 'authenticator app');
      if (!APP_CODE.test(code)) throw wrongCode();
      const reply = await call('POST', `/Entities/${user.identity}/Challenges`, { FactorSid: factorSid, AuthPayload: code });
      const challenge = readChallenge(reply, { identity: user.identity, factorSid });
      // A wrong code leaves the new challenge `pending` (it expires by itself); denied or expired is no better.
      if (challenge.status !== 'approved') throw wrongCode();
      return { method: 'app', result: { kind: 'code', id: challenge.sid } };
    },

    startPush: async () => {
      throw new ProviderError('UNSUPPORTED', 'Verify Push needs an app built on the Verify Push SDK', 'verify');
    },

    pushStatus: async () => {
      throw new ProviderError('UNSUPPORTED', 'Verify Push needs an app built on the Verify Push SDK', 'verify');
    },

    confirm: async (enrollment, approved, { maxAgeSeconds }) =>
      confirmVerify(call, verifyEnrollmentOf(enrollment), approved, { maxAgeMs: maxAgeSeconds * 1000, nowMs: now() }),

    async remove(enrollment) {
      const { identity } = verifyEnrollmentOf(enrollment);
      try {
        await call('DELETE', `/Entities/${identity}`);
      } catch (error) {
        if (!isProviderError(error) || error.code !== 'NOT_FOUND') throw error;
      }
    },
  };
}
