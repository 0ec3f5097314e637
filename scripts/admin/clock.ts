/**
 * Time, injected: the tools wait on rate limits and poll export jobs, and tests must not
 * wait real seconds. `random` feeds the backoff jitter so tests can fix it.
 */
export interface Clock {
  /** Epoch milliseconds. */
  nowMs(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1). */
  random(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  random: () => Math.random(),
};
