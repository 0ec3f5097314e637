/**
 * The Twilio APIs' fetch of the admin tools: 429s (Twilio error 20429) waited out after Retry-After
 * or with exponential backoff, any other answer returned as it is, and a wait too long to sit
 * through stopping the run with a plain message.
 */
import { createTwilioFetch, retryAfterMs } from '../../scripts/admin/twilio-fetch';
import { FakeClock } from '../fixtures/admin/fake-clock';

const tooMany = (headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({ code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 }),
    {
      status: 429,
      headers,
    },
  );

function scripted(...answers: (() => Response)[]): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const fake = (async () => {
    const next = answers[Math.min(calls, answers.length - 1)];
    calls += 1;
    return next();
  }) as unknown as typeof fetch;
  return { fetch: fake, calls: () => calls };
}

describe('retryAfterMs', () => {
  it.each([
    ['3', 3000],
    [' 10 ', 10_000],
    ['0', 0],
  ])('reads delta-seconds %p', (value, ms) => expect(retryAfterMs(value)).toBe(ms));
  it.each([null, '', 'soon', '-1', '1.5', 'Wed, 21 Oct 2015 07:28:00 GMT'])('refuses %p', (value) =>
    expect(retryAfterMs(value)).toBeNull(),
  );
});

describe('createTwilioFetch', () => {
  it('waits Retry-After seconds, then backs off 1 s, 2 s when the header is missing, and returns the first non-429 answer', async () => {
    const clock = new FakeClock();
    const waits: string[] = [];
    const vendor = scripted(
      () => tooMany({ 'retry-after': '5' }),
      () => tooMany(),
      () => tooMany(),
      () => new Response('{"sid":"YF"}', { status: 201 }),
    );
    const { fetch: wrapped, stats } = createTwilioFetch({
      clock,
      fetch: vendor.fetch,
      name: 'Twilio Verify',
      onWait: (m) => waits.push(m),
    });
    const response = await wrapped('https://verify.twilio.com/v2/Services');
    expect(response.status).toBe(201);
    expect(clock.sleeps).toEqual([5000, 2000, 4000]);
    expect(stats).toEqual({ calls: 4, rateLimited: 3 });
    expect(waits[0]).toBe('Twilio Verify rate limit reached: waiting 5.0 s before continuing');
  });

  it('returns a 404 or a 500 at once: only 429s are retried', async () => {
    for (const status of [404, 500, 503]) {
      const clock = new FakeClock();
      const vendor = scripted(() => new Response('{}', { status }));
      const { fetch: wrapped } = createTwilioFetch({ clock, fetch: vendor.fetch, name: 'Authy' });
      expect((await wrapped('https://api.authy.com/x')).status).toBe(status);
      expect(vendor.calls()).toBe(1);
      expect(clock.sleeps).toEqual([]);
    }
  });

  it('gives the 429 back after maxRetries, so the caller fails as for any error', async () => {
    const clock = new FakeClock();
    const vendor = scripted(() => tooMany({ 'retry-after': '1' }));
    const { fetch: wrapped } = createTwilioFetch({ clock, fetch: vendor.fetch, name: 'Authy', maxRetries: 2 });
    expect((await wrapped('https://api.authy.com/x')).status).toBe(429);
    expect(vendor.calls()).toBe(3);
  });

  it('stops the run with a plain message when asked to wait longer than maxWaitMs', async () => {
    const clock = new FakeClock();
    const vendor = scripted(() => tooMany({ 'retry-after': '3600' }));
    const { fetch: wrapped } = createTwilioFetch({ clock, fetch: vendor.fetch, name: 'Authy', maxWaitMs: 60_000 });
    await expect(wrapped('https://api.authy.com/x')).rejects.toThrow(
      'Authy asks to wait 3600 s (Retry-After); run the same command again later to resume',
    );
    expect(clock.sleeps).toEqual([]);
  });
});
