/**
 * Twilio's error answers, one function per code the emulator gives. The body is Twilio's
 * `{ code, message, more_info, status }`; codes, statuses and messages are those of Twilio's error
 * pages (twilio.com/docs/api/errors/<code>).
 */
import type { FastifyReply } from 'fastify';

export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TwilioApiError';
  }

  body(): Record<string, unknown> {
    return { code: this.code, message: this.message, more_info: `https://www.twilio.com/docs/errors/${this.code}`, status: this.status };
  }
}

/** 20003 (401): no or wrong HTTP Basic credentials. */
export const authenticate = () => new TwilioApiError(401, 20003, 'Authenticate');
/** 20404 (404): no such resource, or a verification that is expired, approved or used up (Twilio deletes those). */
export const notFound = (path: string) => new TwilioApiError(404, 20404, `The requested resource ${path} was not found`);
/** 20429 (429): Twilio's general rate limit. */
export const tooManyRequests = () => new TwilioApiError(429, 20429, 'Too Many Requests');
/** 20500 (5xx): an internal error (faults only). */
export const internalError = (status = 500) => new TwilioApiError(status, 20500, 'Internal Server Error');
/** 60200 (400): "The response message contains the name of the invalid parameter", e.g. "Invalid parameter: To". */
export const invalidParameter = (name: string) => new TwilioApiError(400, 60200, `Invalid parameter: ${name}`);
/** 60202 (429): "Max (5) verification check attempts reached". */
export const maxCheckAttempts = () => new TwilioApiError(429, 60202, 'Max check attempts reached');
/** 60203 (429): more than 5 sends of one verification. */
export const maxSendAttempts = () => new TwilioApiError(429, 60203, 'Max send attempts reached');
/** 60205 (403): an SMS to a landline. */
export const landline = () => new TwilioApiError(403, 60205, 'SMS is not supported by landline phone number');
/** 60308 (429): "Max. number of attempts for TOTP: 5" per challenge. */
export const challengeAttempts = () => new TwilioApiError(429, 60308, 'Challenge verification attempts limit reached');
/** 60310 (429): "Max. Number of attempts for a TOTP Factor: 5" while verifying it. */
export const factorAttempts = () => new TwilioApiError(429, 60310, 'Factor verification attempts reached');
/** 60312 (429): challenge creations per factor (50 an hour for 5+ digits, 10 a day for 4 or fewer). */
export const challengeLimit = () => new TwilioApiError(429, 60312, 'Challenge creation limit reached');
/** 60318 (403): a challenge for a factor that is not verified. */
export const factorUnverified = () => new TwilioApiError(403, 60318, 'Factor is unverified');

export function sendTwilioError(reply: FastifyReply, error: TwilioApiError): FastifyReply {
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.body());
}
