/**
 * Keeps the tools inside the tenant's Management API rate limit.
 *
 * - Calls go one at a time (the tools never run requests in parallel).
 * - Every Management API response is observed; when `x-ratelimit-remaining` reaches 0 the next
 *   call waits until `x-ratelimit-reset` (epoch seconds) plus jitter, so the limit is not hit.
 * - A 429 is retried after waiting until `x-ratelimit-reset` plus jitter (exponential backoff
 *   when the header is missing or already past), up to `maxRateLimitRetries` times per call.
 * - 5xx, timeouts and network failures are retried a few times with exponential backoff; the
 *   tools only send idempotent requests (GET, and PATCH of whole app_metadata keys).
 * The SDK's own retry is switched off (maxRetries: 0) so this is the only retry policy and it
 * runs on the injected clock.
 */
import { ManagementError } from 'auth0';
import { secToMs } from '../../lib/time';
import type { Clock } from './clock';
import { AdminError } from './errors';
import { explainNetworkError, isPermanentNetworkFailure } from './network-errors';

export interface HeadersLike {
  get(name: string): string | null;
}

export interface WaitNotice {
  reason: 'rate-limited' | 'limit-reached' | 'transient-error';
  label: string;
  waitMs: number;
  attempt: number;
  /** The failure a transient-error wait follows (to say it in words: network-errors.ts). */
  error?: unknown;
}

export interface RateLimiterOptions {
  clock: Clock;
  /** 429 retries per call before giving up. */
  maxRateLimitRetries?: number;
  /** Retries per call for 5xx, timeouts and network failures. */
  maxTransientRetries?: number;
  /** A reset further away than this is a quota, not a burst: stop instead of hanging. */
  maxWaitMs?: number;
  /** Random extra wait, up to this many ms, so parallel runs do not retry in lockstep. */
  jitterMs?: number;
  onWait?: (notice: WaitNotice) => void;
}

export interface RateLimitStats {
  /** Management API responses seen (every attempt, including 429s). */
  calls: number;
  rateLimited: number;
  waitedMs: number;
}

const BASE_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

/** Epoch ms of `x-ratelimit-reset`, or null. */
export function resetAtMs(headers: HeadersLike | undefined): number | null {
  const raw = headers?.get('x-ratelimit-reset');
  if (!raw || !/^[0-9]{1,12}$/.test(raw.trim())) return null;
  return secToMs(Number(raw.trim()));
}

function intHeader(headers: HeadersLike, name: string): number | null {
  const raw = headers.get(name);
  return raw && /^[0-9]{1,12}$/.test(raw.trim()) ? Number(raw.trim()) : null;
}

type Failure = { kind: 'rate-limited'; headers: HeadersLike | undefined } | { kind: 'transient' } | { kind: 'final' };

function classify(error: unknown): Failure {
  if (error instanceof ManagementError) {
    const status = error.statusCode;
    if (status === 429) return { kind: 'rate-limited', headers: error.rawResponse?.headers };
    // No status: the request timed out or the network failed before an answer.
    if (status === undefined || status === 408 || status >= 500) {
      // A name that does not resolve or a refused certificate stays so: say it at once instead of retrying.
      return status === undefined && isPermanentNetworkFailure(error) ? { kind: 'final' } : { kind: 'transient' };
    }
    return { kind: 'final' };
  }
  if (error instanceof Error && (error.name === 'ManagementTimeoutError' || error.name === 'TimeoutError')) return { kind: 'transient' };
  // The SDK's token request lets fetch's own error through: the same rule as above.
  if (explainNetworkError(error) !== null) return isPermanentNetworkFailure(error) ? { kind: 'final' } : { kind: 'transient' };
  return { kind: 'final' };
}

export class RateLimiter {
  readonly stats: RateLimitStats = { calls: 0, rateLimited: 0, waitedMs: 0 };
  private remaining: number | null = null;
  /** When the current rate-limit window ends (x-ratelimit-reset), epoch ms. */
  private windowResetAtMs: number | null = null;
  private readonly clock: Clock;
  private readonly maxRateLimitRetries: number;
  private readonly maxTransientRetries: number;
  private readonly maxWaitMs: number;
  private readonly jitterMs: number;
  private readonly onWait: (notice: WaitNotice) => void;

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock;
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 10;
    this.maxTransientRetries = options.maxTransientRetries ?? 3;
    this.maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
    this.jitterMs = options.jitterMs ?? 1000;
    this.onWait = options.onWait ?? (() => undefined);
  }

  /** Records the rate-limit headers of a Management API response (called by the client's fetch). */
  observe(headers: HeadersLike): void {
    this.stats.calls += 1;
    const remaining = intHeader(headers, 'x-ratelimit-remaining');
    const resetMs = resetAtMs(headers);
    if (remaining !== null) this.remaining = remaining;
    if (resetMs !== null) this.windowResetAtMs = resetMs;
  }

  /** Runs one Management API call under the limit, retrying 429 and transient failures. */
  async run<T>(label: string, call: () => Promise<T>): Promise<T> {
    let rateLimitedTries = 0;
    let transientTries = 0;
    for (;;) {
      await this.waitIfExhausted(label);
      try {
        return await call();
      } catch (error) {
        const failure = classify(error);
        if (failure.kind === 'rate-limited' && rateLimitedTries < this.maxRateLimitRetries) {
          rateLimitedTries += 1;
          this.stats.rateLimited += 1;
          const untilMs = resetAtMs(failure.headers);
          const untilReset = untilMs === null ? 0 : untilMs - this.clock.nowMs();
          const base = untilReset > 0 ? untilReset : this.backoff(rateLimitedTries);
          await this.pause('rate-limited', label, base, rateLimitedTries);
          continue;
        }
        if (failure.kind === 'rate-limited') {
          throw new AdminError(
            'RATE_LIMITED',
            `${label}: Auth0 still answered 429 after ${rateLimitedTries} retries; stopping. Run the command again later to continue.`,
          );
        }
        if (failure.kind === 'transient' && transientTries < this.maxTransientRetries) {
          transientTries += 1;
          await this.pause('transient-error', label, this.backoff(transientTries), transientTries, error);
          continue;
        }
        throw error;
      }
    }
  }

  private async waitIfExhausted(label: string): Promise<void> {
    if (this.remaining !== 0 || this.windowResetAtMs === null) return;
    const untilReset = this.windowResetAtMs - this.clock.nowMs();
    if (untilReset <= 0) return;
    await this.pause('limit-reached', label, untilReset, 0);
    this.remaining = null;
  }

  private backoff(attempt: number): number {
    return Math.min(BASE_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  }

  private async pause(reason: WaitNotice['reason'], label: string, baseMs: number, attempt: number, error?: unknown): Promise<void> {
    if (baseMs > this.maxWaitMs) {
      const at = new Date(this.clock.nowMs() + baseMs).toISOString();
      throw new AdminError(
        'RATE_LIMITED',
        `${label}: the Auth0 rate limit resets only at ${at}; stopping instead of waiting. ` +
          'Run the command again after that time to continue.',
      );
    }
    const waitMs = Math.ceil(baseMs + this.clock.random() * this.jitterMs);
    this.onWait({ reason, label, waitMs, attempt, ...(error !== undefined ? { error } : {}) });
    this.stats.waitedMs += waitMs;
    await this.clock.sleep(waitMs);
  }
}
