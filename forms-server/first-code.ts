/**
 * A new user's first code. Right after the phone is registered, Authy's user status says whether
 * the user has the Authy app (`registered`). Without the app its code is out of reach, so the
 * first code goes by text message at once and the page says so; a code from the app still works.
 * Any doubt (the status or the text message fails): nothing is sent, and the code page offers the
 * usual ways.
 */
import type { FastifyBaseLogger } from 'fastify';
import { AuthyError, type AuthyClient } from '../lib/authy-client';

/** True when the first code was sent by SMS because the user has no Authy app. */
export async function firstCodeBySms(authy: AuthyClient, authyId: string, log: FastifyBaseLogger): Promise<boolean> {
  try {
    const status = await authy.userStatus(authyId);
    if (status.registered) return false;
    await authy.requestSms(authyId);
    log.info({ step: 'enroll', channel: 'sms' }, 'no Authy app: first code sent by SMS');
    return true;
  } catch (error) {
    log.warn({ step: 'enroll', authy: error instanceof AuthyError ? error.code : 'error' }, 'first code not sent by SMS');
    return false;
  }
}
