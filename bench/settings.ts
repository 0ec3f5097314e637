/**
 * What every part of the bench shares: the secret, the tenant, the load shape of each scenario
 * and the forms server's settings for the child process.
 */

export const SECRET = 'bench-shared-secret-bench-shared-secret-0123';
export const TENANT_HOST = 'tenant.example.auth0.com';
export const FORMS_ORIGIN = 'https://2fa.example.com';
export const AUTHY_KEY = 'bench-authy-api-key-0123456789abcdef';
export const AUTHY_ID = '1234';
export const EMAIL = 'ada.lovelace@example.com';
/** Auth0's `state` is opaque and about this long. */
export const STATE = 'hKFo2SBnZ3lRb0NJR1lYUkZ0Y2ZtQ0pfQ2Y3TEdPRHFRR2FLb6FupWxvZ2luo3RpZNkgdDdWd0x3';

function seconds(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The load of the throughput scenarios (each one: a warm-up, then the measured run). */
export const LOAD = {
  connections: 50,
  warmupSec: seconds('BENCH_WARMUP_SEC', 1),
  durationSec: seconds('BENCH_DURATION_SEC', 5),
};

/** The long memory run: fresh visits, 200 connections. */
export const MEMORY_RUN = {
  connections: 200,
  durationSec: seconds('BENCH_MEMORY_SEC', 60),
  /**
   * The outbound token's lifetime: a visit ends with its token (VISIT_MAX_SECONDS is at least 60).
   * 12 s keeps the open visits (about 5,000 new ones a second here) under the default capacity of
   * 100,000, so that expiry, not the cap, bounds memory; the cap's 503 is tested in test/security.
   */
  tokenTtlSec: 12,
  /** VISIT_MAX_SECONDS of the memory run: its smallest value. */
  visitMaxSeconds: 60,
  /**
   * The heap limit docs/deploy.md gives for the default VISIT_CAPACITY (--max-old-space-size, MiB):
   * without one, V8 lets the heap grow far past what is live before it collects.
   */
  heapLimitMiB: 512,
};

/**
 * The cap run: a store of `capacity` visits filled by fresh visits with hour-long links, then
 * kept full for the rest of the run (at about 6,000 visits a second the cap is reached within
 * the warm-up and the first seconds).
 */
export const CAP_RUN = {
  connections: 200,
  durationSec: seconds('BENCH_CAP_SEC', 20),
  capacity: 30_000,
};

/** Wrong-code POSTs: visits prepared beforehand, each used by at most MAX_POSTS_PER_VISIT POSTs. */
export const WRONG_CODE = {
  /** In the token: nobody locks during the run (the contract's maximum). */
  maxFailures: 100,
  visits: Number(process.env.BENCH_POST_VISITS) || 2000,
  /** One user locks at maxFailures wrong codes; stay clear of it. */
  maxPostsPerVisit: 99,
  code: '000000',
};

/**
 * The forms server's environment in the child. The rate limit is per client address, at most
 * 100,000 a minute; the bench plays many browsers behind one proxy (TRUST_PROXY and one
 * X-Forwarded-For address per visit), so the limit is counted on every request but never hit.
 */
export function formsEnv(authyUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SHARED_SECRET: SECRET,
    FORMS_PUBLIC_URL: `${FORMS_ORIGIN}/2fa`,
    TRUSTED_TENANTS: `https://${TENANT_HOST}`,
    AUTHY_API_KEY: AUTHY_KEY,
    AUTHY_API_URL: authyUrl,
    RATE_LIMIT_PER_MINUTE: '100000',
    TRUST_PROXY: '127.0.0.1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    FORMS_HOST: '127.0.0.1',
    FORMS_PORT: '0',
    ...extra,
  };
}
