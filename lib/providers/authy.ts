/**
 * The second-factor provider on Authy: the interface of ./types.ts on top of createAuthyClient
 * (lib/authy-client.ts, unchanged), with AuthyError codes mapped to ProviderError codes in
 * `fromAuthyError` and nowhere else.
 */
import { AuthyError, createAuthyClient, type AuthyClient, type AuthyClientOptions, type AuthyErrorCode } from '../authy-client';
import {
  ProviderError,
  isProviderError,
  type Approved,
  type Confirmation,
  type Enrollment,
  type ProviderCapabilities,
  type ProviderErrorCode,
  type SecondFactorProvider,
} from './types';

const CODE_FOR: Record<AuthyErrorCode, ProviderErrorCode> = {
  WRONG_CODE: 'WRONG_CODE',
  CODE_REUSED: 'CODE_REUSED',
  BAD_API_KEY: 'BAD_CREDENTIALS',
  RATE_LIMITED: 'RATE_LIMITED',
  INVALID_PHONE: 'INVALID_PHONE',
  UNSUPPORTED_PHONE: 'UNSUPPORTED_PHONE',
  // The user's number cannot be used for codes: for the user, the same as a landline.
  UNSUPPORTED_COUNTRY: 'UNSUPPORTED_PHONE',
  USER_NOT_FOUND: 'NOT_FOUND',
  INVALID_REQUEST: 'INVALID_REQUEST',
  TIMEOUT: 'UNAVAILABLE',
  UNAVAILABLE: 'UNAVAILABLE',
  // Fail closed: an answer Authy does not document is never a success.
  BAD_RESPONSE: 'UNAVAILABLE',
};

/** The one mapping of Authy failures: AuthyError codes as above; anything else thrown is UNAVAILABLE. */
export function fromAuthyError(error: unknown): ProviderError {
  if (isProviderError(error)) return error;
  if (error instanceof AuthyError) {
    return new ProviderError(CODE_FOR[error.code], error.message, 'authy', error.status, error.authyErrorCode, error.code === 'TIMEOUT');
  }
  return new ProviderError('UNAVAILABLE', 'the Authy call failed', 'authy');
}

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw fromAuthyError(error);
  }
}

export const AUTHY_CAPABILITIES: ProviderCapabilities = {
  app: true,
  channels: ['sms', 'call'],
  push: true,
  qrEnrollment: false,
  phoneRequired: true,
  confirms: { enrollment: ['app', 'sms', 'call'], code: [], push: true },
};

function authyIdOf(enrollment: Enrollment): string {
  if (enrollment.provider !== 'authy') throw new ProviderError('INVALID_REQUEST', 'not an Authy enrollment', 'authy');
  return enrollment.authyId;
}

/** The Action's check of an Authy enrollment: the user exists, is not disabled, and has the app for `app`. */
async function confirmEnrollment(authy: AuthyClient, authyId: string, approved: Approved): Promise<Confirmation> {
  try {
    const status = await authy.userStatus(authyId);
    if (status.accountDisabled) return { confirmed: false, reason: 'rejected' };
    // Authy reports `registered` once the app is set up; SMS and voice users may have no app.
    if (approved.method === 'app' && !status.registered) return { confirmed: false, reason: 'pending' };
    return { confirmed: true };
  } catch (error) {
    const failure = fromAuthyError(error);
    if (failure.code === 'NOT_FOUND') return { confirmed: false, reason: 'not_found' };
    throw failure;
  }
}

/** The Action's check of a push: approved, and this Authy id's. */
async function confirmPush(authy: AuthyClient, authyId: string, uuid: string): Promise<Confirmation> {
  try {
    const request = await authy.approvalStatus(uuid);
    // Fail closed: an approval that does not name its user is not this user's.
    if (request.authyId !== authyId) return { confirmed: false, reason: 'mismatch' };
    if (request.status === 'pending') return { confirmed: false, reason: 'pending' };
    return request.status === 'approved' ? { confirmed: true } : { confirmed: false, reason: 'rejected' };
  } catch (error) {
    const failure = fromAuthyError(error);
    if (failure.code === 'NOT_FOUND') return { confirmed: false, reason: 'not_found' };
    // approvalStatus refuses a malformed uuid before any call: the token named nothing we know.
    if (failure.code === 'INVALID_REQUEST') return { confirmed: false, reason: 'mismatch' };
    throw failure;
  }
}

export interface AuthyProviderOptions extends AuthyClientOptions {
  /** A client to use instead of one built from the options (tests). */
  client?: AuthyClient;
}

export function createAuthyProvider(options: AuthyProviderOptions): SecondFactorProvider {
  const authy = options.client ?? mapAuthyConstruction(() => createAuthyClient(options));

  return {
    name: 'authy',
    capabilities: AUTHY_CAPABILITIES,

    enroll: ({ email, phone }) =>
      mapped(async () => {
        if (!phone) throw new ProviderError('INVALID_PHONE', 'Authy needs a phone number', 'authy');
        const { authyId } = await authy.registerUser({ email, cellphone: phone.national, countryCode: phone.countryCode });
        return { enrollment: { provider: 'authy', authyId } };
      }),

    activate: (enrollment, code, method) =>
      mapped(async () => {
        const authyId = authyIdOf(enrollment);
        await authy.verifyToken(authyId, code);
        return { enrollment, method, result: { kind: 'enrollment', id: authyId } };
      }),

    sendCode: (enrollment, channel) =>
      mapped(async () => {
        const authyId = authyIdOf(enrollment);
        // Values come from requests and tokens at run time: check them even where the type says enough.
        if (!AUTHY_CAPABILITIES.channels.includes(channel)) throw new ProviderError('INVALID_REQUEST', 'unknown channel', 'authy');
        await (channel === 'sms' ? authy.requestSms(authyId) : authy.requestCall(authyId));
      }),

    checkCode: (enrollment, code, method) =>
      mapped(async () => {
        await authy.verifyToken(authyIdOf(enrollment), code);
        // Authy keeps no record of a code check that could be confirmed later.
        return { method, result: { kind: 'code', id: null } };
      }),

    startPush: (enrollment, { message, secondsToExpire }) =>
      mapped(async () => {
        const { uuid } = await authy.createApprovalRequest(authyIdOf(enrollment), { message, secondsToExpire });
        return { result: { kind: 'push', id: uuid } };
      }),

    pushStatus: (enrollment, id) =>
      mapped(async () => {
        const authyId = authyIdOf(enrollment);
        const request = await authy.approvalStatus(id);
        if (request.authyId !== authyId) throw new ProviderError('NOT_FOUND', 'no such approval request for this user', 'authy');
        return request.status;
      }),

    confirm: async (enrollment, approved) => {
      const id = authyIdOf(enrollment);
      const { kind, id: resultId } = approved.result;
      switch (kind) {
        case 'code':
          return { confirmed: false, reason: 'unconfirmable' };
        case 'enrollment':
          if (resultId !== id || approved.method === 'push') return { confirmed: false, reason: 'mismatch' };
          return confirmEnrollment(authy, id, approved);
        case 'push':
          if (approved.method !== 'push' || typeof resultId !== 'string') return { confirmed: false, reason: 'mismatch' };
          return confirmPush(authy, id, resultId);
        default:
          return { confirmed: false, reason: 'mismatch' };
      }
    },

    remove: (enrollment) =>
      mapped(async () => {
        try {
          await authy.removeUser(authyIdOf(enrollment));
        } catch (error) {
          if (fromAuthyError(error).code !== 'NOT_FOUND') throw error;
        }
      }),
  };
}

/** createAuthyClient throws an AuthyError for a missing key: the same ProviderError as any call would. */
function mapAuthyConstruction(build: () => AuthyClient): AuthyClient {
  try {
    return build();
  } catch (error) {
    throw fromAuthyError(error);
  }
}
