/**
 * Readiness (GET /readyz): can this replica serve logins? Not while the store does not answer
 * a ping (`store_down`), Authy cannot be reached (`provider_unreachable`) or Authy refuses the
 * API key (`provider_credentials`).
 *
 * The store is pinged at every probe (cheap). Authy is not asked at every probe: its answer is
 * kept for `providerCacheMs` (30 s), concurrent probes share one call, and a BAD_API_KEY seen on
 * real traffic (instrument.ts) is remembered as the answer at once.
 */
import { authyErrorFrom } from '../lib/authy-client';
import { isRecord } from '../lib/is-record';
import type { Store } from './store/types';

export type NotReadyReason = 'store_down' | 'provider_unreachable' | 'provider_credentials';
export type ProviderState = 'ok' | Exclude<NotReadyReason, 'store_down'>;
export type ReadyAnswer = { ready: true } | { ready: false; reason: NotReadyReason };

export const PROVIDER_CACHE_MS = 30_000;

export interface Readiness {
  check(): Promise<ReadyAnswer>;
  /** Authy refused the key on real traffic: report it until the next check says otherwise. */
  badKeySeen(): void;
}

export interface AuthyCheckOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * One cheap authenticated Authy call: `GET /protected/json/app/details` with the API key header
 * answers `{ "app": { "name", "plan", "sms_enabled", ... }, "message": "Application
 * information.", "success": true }` (Twilio, "Authy Applications: Get Application Details",
 * https://www.twilio.com/docs/authy/api/applications); a wrong key answers 401 with error_code
 * 60001. Anything that is not a success (no answer, 5xx, another body) counts as unreachable;
 * Authy's own rate limit (429) proves it is there and does not make the replica unready.
 * (This call belongs in lib/authy-client.ts, next to the others, once that file can change.)
 */
export function authyCredentialsCheck(options: AuthyCheckOptions): () => Promise<ProviderState> {
  const doFetch = options.fetch ?? fetch;
  return async () => {
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(`${options.baseUrl}/protected/json/app/details`, {
        method: 'GET',
        headers: { 'X-Authy-API-Key': options.apiKey, Accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
      body = await response.json().catch(() => undefined);
    } catch {
      return 'provider_unreachable';
    }
    if (response.ok) return isRecord(body) && (body.success === true || body.success === 'true') ? 'ok' : 'provider_unreachable';
    const code = authyErrorFrom(response.status, body).code;
    if (code === 'BAD_API_KEY') return 'provider_credentials';
    return code === 'RATE_LIMITED' ? 'ok' : 'provider_unreachable';
  };
}

export function createReadiness(options: {
  store: Store;
  provider: () => Promise<ProviderState>;
  now: () => number;
  providerCacheMs?: number;
}): Readiness {
  const cacheMs = options.providerCacheMs ?? PROVIDER_CACHE_MS;
  let known: { state: ProviderState; atMs: number } | null = null;
  let inFlight: Promise<ProviderState> | null = null;

  async function provider(): Promise<ProviderState> {
    const nowMs = options.now();
    if (known && nowMs - known.atMs < cacheMs && nowMs >= known.atMs) return known.state;
    inFlight ??= options
      .provider()
      .catch((): ProviderState => 'provider_unreachable')
      .then((state) => {
        known = { state, atMs: options.now() };
        return state;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  return {
    async check() {
      try {
        await options.store.ping();
      } catch {
        return { ready: false, reason: 'store_down' };
      }
      const state = await provider();
      return state === 'ok' ? { ready: true } : { ready: false, reason: state };
    },
    badKeySeen() {
      known = { state: 'provider_credentials', atMs: options.now() };
    },
  };
}
