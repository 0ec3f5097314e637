/**
 * Authy's error answers, one named error per failure. Every error body has the shape Authy
 * documents: `success: false`, `message`, `errors.message` and `error_code` as a STRING.
 * Codes and messages follow Twilio's "Authy Return and Error Codes" page and Twilio's own
 * Authy client fixtures (authy-java), which record real answers.
 */
import type { FastifyReply } from 'fastify';

/** An Authy error answer: HTTP status, Authy `error_code`, public message, extra body fields. */
export class AuthyApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    /** Fields Authy adds next to `message` (e.g. `token: "is invalid"`, `cellphone: "is invalid"`). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AuthyApiError';
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      ...this.extra,
      success: false,
      errors: { message: this.message, ...this.extra },
      error_code: this.errorCode,
    };
  }
}

/** 60000 (HTTP 500/503): the emulator's stand-in for an internal Authy error. */
export const internalError = (status = 500) => new AuthyApiError(status, '60000', 'An error occurred');
/** 60001 (401): the X-Authy-API-Key header is missing or wrong. */
export const invalidApiKey = () => new AuthyApiError(401, '60001', 'Invalid API key');
/** 60002 (400): a body that cannot be read. */
export const invalidRequest = () => new AuthyApiError(400, '60002', 'Invalid request');
/** 60003 (429): Authy's rate limit ("DoS protection" in the error table). */
export const rateLimited = () => new AuthyApiError(429, '60003', 'DoS protection');
/** 60004 (400): a required parameter is missing or not of the right type. */
export const invalidParameter = (name: string, why = 'Parameter is required') =>
  new AuthyApiError(400, '60004', `Invalid parameter: ${name} - ${why}`);
/** 60019 (401): the code was right but has already been verified once. */
export const tokenReused = () => new AuthyApiError(401, '60019', 'Token is invalid. Token was used recently', { token: 'is invalid' });
/** 60020 (401): the code is wrong, expired or malformed. */
export const tokenInvalid = () => new AuthyApiError(401, '60020', 'Token is invalid', { token: 'is invalid' });
/** 60026 (404): no such Authy user in this application. */
export const userNotFound = () => new AuthyApiError(404, '60026', 'User not found.');
/** 60027 (400): users/new refused the email or the phone ("User was not valid"). */
export const userNotValid = (fields: Record<string, string>) => new AuthyApiError(400, '60027', 'User was not valid', fields);
/** 60049 (404): no such OneTouch approval request. */
export const approvalRequestNotFound = () => new AuthyApiError(404, '60049', 'Approval request not found');
/** 60082 (400): SMS cannot be sent to a landline. */
export const landline = () => new AuthyApiError(400, '60082', 'Cannot send SMS to landline.');

/** Sends an Authy-shaped error answer. */
export function sendAuthyError(reply: FastifyReply, error: AuthyApiError): FastifyReply {
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.body());
}
