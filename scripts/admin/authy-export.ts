/**
 * Authy's TOTP seed export, for the migration to Twilio Verify
 * (twilio.com/docs/authy/export-totp-secret-seed-for-migrating-to-verify-totp; off by default,
 * granted by Twilio Support on request):
 *
 *   GET https://api.authy.com/protected/json/users/{authy_id}/secret/export   (X-Authy-API-Key)
 *   200 {"secret": "<seed, base32>", "otp": "<the current code>", "success": true}
 *   errors: 400, 404, 500 with `error_code` 60026 (user not found), 60154 (migration tools
 *   disabled), 60003 (DOS protected).
 *
 * Twilio documents only `secret` and `otp`. The TOTP parameters are taken from the reply when it
 * names them (`digits`, `period` or `time_step`, `algorithm`: checked strictly); otherwise they are
 * those of Authy's Google Authenticator-compatible tokens, as Twilio's migration guide creates
 * the Verify factor with them: SHA-1, 30 s, and as many digits as `otp` has. Either way they are
 * only used once the code computed from the seed with them equals `otp` (plan-verify-migration.ts);
 * anything else refuses the user. The seed never leaves memory.
 */
import { isRecord } from '../../lib/is-record';
import { TOTP_ALGORITHMS, type TotpAlgorithm } from '../../lib/totp';
import type { ExportedSeed } from './plan-verify-migration';

export const AUTHY_BASE_URL = 'https://api.authy.com';

export type SeedExport =
  | { kind: 'seed'; seed: ExportedSeed }
  /** No seed for this user: the user stays on Authy (and keeps working) until re-enrolled. */
  | { kind: 'no-export'; reason: string }
  /** An answer that is not the documented one: refused, never guessed. */
  | { kind: 'malformed'; reason: string };

export class AuthyExportError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AuthyExportError';
  }
}

export interface AuthyExportOptions {
  apiKey: string;
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

function errorCodeOf(body: unknown): string | null {
  if (!isRecord(body)) return null;
  const code = body.error_code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : null;
}

/** Strict reading of a 200 answer. */
export function parseSeedExport(body: unknown): SeedExport {
  const bad = (reason: string): SeedExport => ({ kind: 'malformed', reason });
  if (!isRecord(body)) return bad('the export is not a JSON object');
  if (body.success !== true && body.success !== 'true') return bad('the export does not say success');
  const { secret, otp } = body;
  if (typeof secret !== 'string' || !/^[A-Za-z2-7]{16,128}=*$/.test(secret)) return bad('the exported seed is not base32');
  if (typeof otp !== 'string' || !/^[0-9]{3,10}$/.test(otp)) return bad('the exported code is not 3 to 10 digits');
  const int = (value: unknown): number | null | undefined => {
    if (value === undefined) return undefined;
    const n = typeof value === 'string' && /^[0-9]{1,4}$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
  };
  const digits = int(body.digits);
  const period = int(body.period ?? body.time_step);
  if (digits === null) return bad('the exported digits are not a whole number');
  if (period === null) return bad('the exported period is not a whole number of seconds');
  let algorithm: TotpAlgorithm = 'sha1';
  if (body.algorithm !== undefined) {
    const named = typeof body.algorithm === 'string' ? body.algorithm.toLowerCase().replace('-', '') : '';
    const known = TOTP_ALGORITHMS.find((a) => a === named);
    if (!known) return bad('the exported algorithm is not SHA-1, SHA-256 or SHA-512');
    algorithm = known;
  }
  return {
    kind: 'seed',
    seed: {
      secret: secret.toUpperCase().replace(/=+$/, ''),
      otp,
      parameters: { digits: digits ?? otp.length, periodSeconds: period ?? 30, algorithm },
    },
  };
}

/** Exports one Authy user's seed. Throws AuthyExportError for what a rerun may fix (key, 5xx, 429, network). */
export async function exportAuthySeed(authyId: string, options: AuthyExportOptions): Promise<SeedExport> {
  if (!/^[0-9]{1,15}$/.test(authyId)) return { kind: 'malformed', reason: 'not a valid Authy id' };
  const baseUrl = (options.baseUrl ?? AUTHY_BASE_URL).replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  let text: string;
  try {
    response = await doFetch(`${baseUrl}/protected/json/users/${authyId}/secret/export`, {
      method: 'GET',
      headers: { 'X-Authy-API-Key': options.apiKey, Accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: 'error',
    });
    text = await response.text();
  } catch {
    throw new AuthyExportError('Authy could not be reached or did not answer in time');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const code = errorCodeOf(body);
  if (response.status === 401) throw new AuthyExportError('Authy refused the API key (401): check AUTHY_API_KEY', 401);
  if (code === '60154') return { kind: 'no-export', reason: 'the seed export is not enabled for this Authy application (60154)' };
  if (response.status === 404 || code === '60026') return { kind: 'no-export', reason: 'Authy has no seed to export for this user' };
  if (response.status === 403) return { kind: 'no-export', reason: 'Authy does not allow the seed export of this user (403)' };
  if (response.status === 429 || code === '60003') throw new AuthyExportError('Authy kept answering 429 (rate limit)', 429);
  if (!response.ok) throw new AuthyExportError(`Authy answered ${response.status}${code ? ` (${code})` : ''}`, response.status);
  return parseSeedExport(body);
}
