/**
 * A `fetch` for the Twilio APIs (Authy and Verify) that waits out their rate limits: a 429 answer
 * (Twilio error 20429 "Too Many Requests", Authy's 429) is retried after `Retry-After` seconds,
 * or with exponential backoff from 1 s when the header is missing, up to `maxRetries` times; then
 * the 429 answer is returned and the caller fails as for any error. A wait over `maxWaitMs` stops
 * the run instead of hanging. Only 429s are retried: Twilio has not handled a request it refused
 * that way, so even a POST is safe to send again. Calls go one at a time, on the injected clock.
 */
import type { Clock } from './clock';
import { AdminError } from './errors';

export interface TwilioFetchStats {
  calls: number;
  rateLimited: number;
}

export interface TwilioFetchOptions {
  clock: Clock;
  fetch?: typeof fetch;
  maxRetries?: number;
  maxWaitMs?: number;
  /** Which API, for the wait notice ("Authy", "Twilio Verify"). */
  name: string;
  onWait?: (message: string) => void;
}

const BASE_BACKOFF_MS = 1000;

/** Retry-After in ms (delta-seconds form), or null. */
export function retryAfterMs(value: string | null): number | null {
  if (value === null || !/^[0-9]{1,6}$/.test(value.trim())) return null;
  return Number(value.trim()) * 1000;
}

export function createTwilioFetch(options: TwilioFetchOptions): { fetch: typeof fetch; stats: TwilioFetchStats } {
  const doFetch = options.fetch ?? fetch;
  const maxRetries = options.maxRetries ?? 10;
  const maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
  const stats: TwilioFetchStats = { calls: 0, rateLimited: 0 };
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    for (let attempt = 0; ; attempt += 1) {
      const response = await doFetch(input, init);
      stats.calls += 1;
      if (response.status !== 429) return response;
      stats.rateLimited += 1;
      if (attempt >= maxRetries) return response;
      const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? BASE_BACKOFF_MS * 2 ** attempt;
      if (waitMs > maxWaitMs) {
        throw new AdminError(
          'RATE_LIMITED',
          `${options.name} asks to wait ${Math.ceil(waitMs / 1000)} s (Retry-After); run the same command again later to resume`,
        );
      }
      await response.body?.cancel();
      options.onWait?.(`${options.name} rate limit reached: waiting ${(waitMs / 1000).toFixed(1)} s before continuing`);
      await options.clock.sleep(waitMs);
    }
  };
  return { fetch: wrapped, stats };
}
