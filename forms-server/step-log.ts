/**
 * What the effects' step lines (effects.ts) name and at which level they are written: the
 * provider's error kind, and for a refused code, whether the audit line already says it all.
 */
import { AuthyError } from '../lib/authy-client';
import { isProviderError } from '../lib/providers/types';

/**
 * The level of a refused code's step line: debug for the user's own answers (their audit line,
 * code_wrong or code_reused, says it all), error for a refused credential (an operator's
 * emergency), info for any other failed call.
 */
export const AUTHY_USER_ANSWERS: ReadonlySet<string> = new Set(['WRONG_CODE', 'CODE_REUSED']);
export const VERIFY_USER_ANSWERS: ReadonlySet<string> = new Set(['WRONG_CODE']);
export const refusedLevel = (code: string, answers: ReadonlySet<string>) =>
  code === 'BAD_CREDENTIALS' ? 'error' : answers.has(code) ? 'debug' : 'info';

/** The error kinds the step lines name (never a message, which could hold more). */
export const providerCode = (error: unknown): string => (isProviderError(error) ? error.code : 'error');
export const authyCode = (error: unknown): string => (error instanceof AuthyError ? error.code : 'error');
