import { ManagementError } from 'auth0';
import { RateLimiter, resetAtMs, type WaitNotice } from '../../scripts/admin/rate-limit';
import { AdminError } from '../../scripts/admin/errors';
import { FakeClock } from '../fixtures/admin/fake-clock';

type Raw = ConstructorParameters<typeof ManagementError>[0]['rawResponse'];

function err(status: number | undefined, headers: Record<string, string> = {}): ManagementError {
  const rawResponse = {
    headers: new Headers(headers),
    status: status ?? 0,
    statusText: '',
    type: 'basic',
    url: '',
    redirected: false,
  } as unknown as Raw;
  return new ManagementError({ message: 'x', ...(status !== undefined ? { statusCode: status } : {}), body: {}, rawResponse });
}

function setup(options: Partial<ConstructorParameters<typeof RateLimiter>[0]> = {}) {
  const clock = new FakeClock(Date.parse('2025-06-02T10:00:00.000Z'), 0.25);
  const notices: WaitNotice[] = [];
  const limiter = new RateLimiter({ clock, onWait: (n) => notices.push(n), ...options });
  return { clock, notices, limiter };
}

/** A call that fails with the given errors first, then returns "ok". */
function failing(...errors: ManagementError[]) {
  let calls = 0;
  const fn = async () => {
    calls += 1;
    const e = errors.shift();
    if (e) throw e;
    return 'ok';
  };
  return { fn, calls: () => calls };
}

const epoch = (iso: string) => String(Date.parse(iso) / 1000);

describe('RateLimiter', () => {
  it('waits until x-ratelimit-reset plus jitter after a 429, then retries', async () => {
    const { clock, limiter, notices } = setup();
    const call = failing(err(429, { 'x-ratelimit-reset': epoch('2025-06-02T10:00:04.000Z'), 'x-ratelimit-remaining': '0' }));
    await expect(limiter.run('PATCH user x', call.fn)).resolves.toBe('ok');
    expect(call.calls()).toBe(2);
    expect(clock.sleeps).toEqual([4250]);
    expect(notices).toEqual([{ reason: 'rate-limited', label: 'PATCH user x', waitMs: 4250, attempt: 1 }]);
    expect(limiter.stats.rateLimited).toBe(1);
  });

  it('backs off exponentially when the reset header is missing or past', async () => {
    const { clock, limiter } = setup();
    const call = failing(err(429), err(429, { 'x-ratelimit-reset': epoch('2025-06-02T09:00:00.000Z') }), err(429));
    await limiter.run('GET', call.fn);
    expect(clock.sleeps).toEqual([1250, 2250, 4250]);
  });

  it('gives up with RATE_LIMITED after the retry budget', async () => {
    const { limiter } = setup({ maxRateLimitRetries: 2 });
    const call = failing(err(429), err(429), err(429), err(429));
    await expect(limiter.run('GET', call.fn)).rejects.toMatchObject({ code: 'RATE_LIMITED', exitCode: 5 });
    expect(call.calls()).toBe(3);
  });

  it('stops instead of hanging when the reset is beyond maxWaitMs (a quota, not a burst)', async () => {
    const { limiter, clock } = setup({ maxWaitMs: 60_000 });
    const call = failing(err(429, { 'x-ratelimit-reset': epoch('2025-06-03T00:00:00.000Z') }));
    const result = limiter.run('GET', call.fn);
    await expect(result).rejects.toBeInstanceOf(AdminError);
    await expect(result).rejects.toThrow('resets only at 2025-06-03T00:00:00.000Z');
    expect(clock.sleeps).toEqual([]);
  });

  it('waits before calling when the last answer said no requests remain', async () => {
    const { clock, limiter, notices } = setup();
    limiter.observe(new Headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch('2025-06-02T10:00:02.000Z') }));
    const call = failing();
    await limiter.run('GET', call.fn);
    expect(clock.sleeps).toEqual([2250]);
    expect(notices[0].reason).toBe('limit-reached');
    // a remaining budget means no wait
    limiter.observe(new Headers({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': epoch('2025-06-02T10:00:09.000Z') }));
    await limiter.run('GET', call.fn);
    expect(clock.sleeps).toEqual([2250]);
  });

  it('retries 5xx and unanswered requests a few times, but not 4xx', async () => {
    const { limiter } = setup();
    const transient = failing(err(503), err(undefined));
    await expect(limiter.run('GET', transient.fn)).resolves.toBe('ok');
    expect(transient.calls()).toBe(3);

    const final = failing(err(403));
    await expect(limiter.run('GET', final.fn)).rejects.toBeInstanceOf(ManagementError);
    expect(final.calls()).toBe(1);

    const down = failing(err(500), err(500), err(500), err(500), err(500));
    await expect(limiter.run('GET', down.fn)).rejects.toMatchObject({ statusCode: 500 });
    expect(down.calls()).toBe(4);
  });

  it('network failures: a refused or reset connection is retried, with the failure in the notice; a name that does not resolve or a refused certificate is not', async () => {
    const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
    const sdkFailed = (code: string) => new ManagementError({ message: 'fetch failed', cause: fetchFailed(code) });
    const calls = (errors: Error[]) => {
      let n = 0;
      return {
        fn: async () => {
          n += 1;
          const e = errors.shift();
          if (e) throw e;
          return 'ok';
        },
        calls: () => n,
      };
    };
    const { limiter, notices } = setup();
    // The SDK's own error, and the raw fetch error its token request lets through.
    const refused = calls([sdkFailed('ECONNREFUSED'), fetchFailed('ECONNRESET')]);
    await expect(limiter.run('GET user x', refused.fn)).resolves.toBe('ok');
    expect(refused.calls()).toBe(3);
    expect(notices.map((n) => n.reason)).toEqual(['transient-error', 'transient-error']);
    expect(notices[0].error).toBeInstanceOf(ManagementError);

    for (const code of ['ENOTFOUND', 'CERT_HAS_EXPIRED']) {
      for (const error of [sdkFailed(code), fetchFailed(code)]) {
        const permanent = calls([error]);
        await expect(limiter.run('GET user x', permanent.fn)).rejects.toBe(error);
        expect(permanent.calls()).toBe(1);
      }
    }
  });

  it('reads x-ratelimit-reset as epoch seconds', () => {
    expect(resetAtMs(new Headers({ 'x-ratelimit-reset': '1748858400' }))).toBe(1748858400000);
    expect(resetAtMs(new Headers({ 'x-ratelimit-reset': 'soon' }))).toBeNull();
    expect(resetAtMs(undefined)).toBeNull();
  });
});
