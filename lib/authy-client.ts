/**
 * Every Authy API call the product makes, in one place. Each call is a typed function with a
 * timeout; every failure becomes an AuthyError (its codes and the table from Authy's answers to
 * them: ./authy-errors.ts). Nothing outside this file knows Authy's URLs.
 *
 * Authy quirks handled here (see DESIGN.md): verify/sms/call always send `force=true`;
 * `success` may be the string "true"; a valid code is `token === "is valid"`; a wrong code is
 * HTTP 401 with error_code 60020, which is also the status of a wrong API key (60001).
 */

import { AuthyError, authyErrorFrom } from './authy-errors';
import { isRecord } from './is-record';

export { AuthyError, authyErrorFrom, type AuthyErrorCode } from './authy-errors';

export interface AuthyClientOptions {
  apiKey: string;
  /** Defaults to https://api.authy.com; the sandbox points it at its emulator. */
  baseUrl?: string;
  /** Per call; default 5 s (the Action has 20 s in all). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RegisteredUser {
  authyId: string;
}

export interface AuthyUserStatus {
  authyId: string;
  registered: boolean;
  confirmed: boolean;
  accountDisabled: boolean;
  devices: string[];
  /** As Authy masks it, e.g. "XX-XXX-1234". */
  maskedPhone: string | null;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface ApprovalRequest {
  uuid: string;
  status: ApprovalStatus;
  authyId: string | null;
}

export interface AuthyClient {
  registerUser(input: { email: string; cellphone: string; countryCode: string }): Promise<RegisteredUser>;
  /** Resolves when the code is valid; throws AuthyError('WRONG_CODE' | 'CODE_REUSED' | ...) otherwise. */
  verifyToken(authyId: string, token: string): Promise<void>;
  requestSms(authyId: string): Promise<void>;
  requestCall(authyId: string): Promise<void>;
  userStatus(authyId: string): Promise<AuthyUserStatus>;
  removeUser(authyId: string): Promise<void>;
  createApprovalRequest(authyId: string, input: { message: string; secondsToExpire: number }): Promise<{ uuid: string }>;
  approvalStatus(uuid: string): Promise<ApprovalRequest>;
}

const ID = /^[0-9]{1,15}$/;
const TOKEN = /^[0-9]{6,8}$/;
const UUID = /^[0-9a-fA-F-]{8,64}$/;

/** Errors may come from another realm (vm contexts, test runners): look at the name, not the class. */
function isTimeout(error: unknown): boolean {
  const name = isRecord(error) ? error.name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

type Call = (method: 'GET' | 'POST', path: string, form?: Record<string, string>) => Promise<Record<string, unknown>>;

/** What the call's signal aborts with at the deadline: a TimeoutError, as AbortSignal.timeout's. */
function timeoutReason(): Error {
  const message = 'The operation was aborted due to timeout';
  return typeof DOMException === 'function'
    ? new DOMException(message, 'TimeoutError')
    : Object.assign(new Error(message), { name: 'TimeoutError' });
}

/** One Authy API call: the key header, the timeout, and every failure turned into an AuthyError. */
function createCall(options: AuthyClientOptions & { baseUrl: string; timeoutMs: number }): Call {
  const { baseUrl, timeoutMs } = options;
  const doFetch = options.fetch ?? fetch;
  return async function call(method, path, form) {
    // One deadline for the request and the body, as AbortSignal.timeout(timeoutMs) gives, and
    // cleared once the answer is read (no timer left behind for each call).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(timeoutReason()), timeoutMs);
    try {
      return await callUntil(deadline.signal, method, path, form);
    } finally {
      clearTimeout(timer);
    }
  };

  async function callUntil(signal: AbortSignal, method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers: {
          'X-Authy-API-Key': options.apiKey,
          Accept: 'application/json',
          ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: form ? new URLSearchParams(form).toString() : undefined,
        signal,
        redirect: 'error',
      });
    } catch (error) {
      if (isTimeout(error)) throw new AuthyError('TIMEOUT', `Authy did not answer within ${timeoutMs} ms`);
      throw new AuthyError('UNAVAILABLE', 'Authy could not be reached');
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      if (isTimeout(error)) throw new AuthyError('TIMEOUT', `Authy did not answer within ${timeoutMs} ms`);
      if (!response.ok) throw authyErrorFrom(response.status, undefined);
      throw new AuthyError('BAD_RESPONSE', 'Authy answered with malformed JSON', response.status);
    }
    if (!response.ok) throw authyErrorFrom(response.status, body);
    if (!isRecord(body)) throw new AuthyError('BAD_RESPONSE', 'Authy answered with an unexpected body', response.status);
    return body;
  }
}

function toUserStatus(authyId: string, body: Record<string, unknown>): AuthyUserStatus {
  const status = body.status;
  if (!isTrue(body.success) || !isRecord(status)) throw new AuthyError('BAD_RESPONSE', 'Authy returned no user status');
  const returnedId = status.authy_id;
  const returnedText = typeof returnedId === 'number' || typeof returnedId === 'string' ? String(returnedId) : null;
  if (returnedId !== undefined && returnedText !== authyId) {
    throw new AuthyError('BAD_RESPONSE', 'Authy returned the status of another user');
  }
  return {
    authyId,
    registered: status.registered === true,
    confirmed: status.confirmed === true,
    accountDisabled: status.account_disabled !== false,
    devices: Array.isArray(status.devices) ? status.devices.filter((d): d is string => typeof d === 'string') : [],
    maskedPhone: typeof status.phone_number === 'string' ? status.phone_number : null,
  };
}

function toApprovalRequest(uuid: string, body: Record<string, unknown>): ApprovalRequest {
  const request = body.approval_request;
  if (!isTrue(body.success) || !isRecord(request)) throw new AuthyError('BAD_RESPONSE', 'Authy returned no approval request');
  const status = request.status;
  if (status !== 'pending' && status !== 'approved' && status !== 'denied' && status !== 'expired') {
    throw new AuthyError('BAD_RESPONSE', 'Authy returned an unknown approval status');
  }
  if (typeof request.uuid === 'string' && request.uuid !== uuid) {
    throw new AuthyError('BAD_RESPONSE', 'Authy returned another approval request');
  }
  const owner = request._authy_id;
  return { uuid, status, authyId: typeof owner === 'number' || typeof owner === 'string' ? String(owner) : null };
}

export function createAuthyClient(options: AuthyClientOptions): AuthyClient {
  const baseUrl = (options.baseUrl ?? 'https://api.authy.com').replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!options.apiKey) throw new AuthyError('BAD_API_KEY', 'no Authy API key configured');
  const call = createCall({ ...options, baseUrl, timeoutMs });

  function requireId(authyId: string): string {
    if (!ID.test(authyId)) throw new AuthyError('INVALID_REQUEST', 'the Authy id is malformed');
    return authyId;
  }

  return {
    async registerUser({ email, cellphone, countryCode }) {
      if (!/^[0-9]{1,4}$/.test(countryCode) || !/^[0-9]{4,15}$/.test(cellphone)) {
        throw new AuthyError('INVALID_PHONE', 'the phone number is not valid');
      }
      const body = await call('POST', '/protected/json/users/new', {
        'user[email]': email,
        'user[cellphone]': cellphone,
        'user[country_code]': countryCode,
      });
      const user = body.user;
      const id = isRecord(user) ? user.id : undefined;
      const authyId = typeof id === 'number' || typeof id === 'string' ? String(id) : '';
      if (!isTrue(body.success) || !ID.test(authyId)) throw new AuthyError('BAD_RESPONSE', 'Authy did not return a user id');
      return { authyId };
    },

    async verifyToken(authyId, token) {
      // Codes are checked here too: a malformed one never reaches Authy, and cannot build another URL path.
      if (!TOKEN.test(token)) throw new AuthyError('WRONG_CODE', 'the code is not valid');
      const body = await call('GET', `/protected/json/verify/${token}/${requireId(authyId)}?force=true`);
      if (!isTrue(body.success) || body.token !== 'is valid') throw new AuthyError('WRONG_CODE', 'the code is not valid');
    },

    async requestSms(authyId) {
      const body = await call('GET', `/protected/json/sms/${requireId(authyId)}?force=true`);
      if (!isTrue(body.success) || isTrue(body.ignored)) throw new AuthyError('BAD_RESPONSE', 'Authy did not send the SMS');
    },

    async requestCall(authyId) {
      const body = await call('GET', `/protected/json/call/${requireId(authyId)}?force=true`);
      if (!isTrue(body.success) || isTrue(body.ignored)) throw new AuthyError('BAD_RESPONSE', 'Authy did not start the call');
    },

    async userStatus(authyId) {
      return toUserStatus(authyId, await call('GET', `/protected/json/users/${requireId(authyId)}/status`));
    },

    async removeUser(authyId) {
      const body = await call('POST', `/protected/json/users/${requireId(authyId)}/remove`, {});
      if (!isTrue(body.success)) throw new AuthyError('BAD_RESPONSE', 'Authy did not remove the user');
    },

    async createApprovalRequest(authyId, { message, secondsToExpire }) {
      const body = await call('POST', `/onetouch/json/users/${requireId(authyId)}/approval_requests`, {
        message,
        seconds_to_expire: String(secondsToExpire),
      });
      const request = body.approval_request;
      const uuid = isRecord(request) ? request.uuid : undefined;
      if (!isTrue(body.success) || typeof uuid !== 'string' || !UUID.test(uuid)) {
        throw new AuthyError('BAD_RESPONSE', 'Authy returned no approval request');
      }
      return { uuid };
    },

    async approvalStatus(uuid) {
      if (!UUID.test(uuid)) throw new AuthyError('INVALID_REQUEST', 'the approval request id is malformed');
      return toApprovalRequest(uuid, await call('GET', `/onetouch/json/approval_requests/${uuid}`));
    },
  };
}
