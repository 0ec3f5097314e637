/**
 * The forms server with Twilio Verify, against the Verify emulator over 127.0.0.1: a new user sets
 * up an authenticator app (the page shows the QR code as an inline SVG and the key for manual
 * entry), the first code verifies the factor; an enrolled user's code is checked as a Challenge;
 * wrong codes count (reserve, call, settle) and lock; Verify's errors are told in plain words.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { base32Decode, totp } from '../../lib/totp';
import { createVerifyProvider, verifyIdentity } from '../../lib/providers/verify';
import { buildVerifyEmulator } from '../../sandbox/verify-emulator/app';
import {
  STATE,
  USER,
  alertsOf,
  buildTestServer,
  closeTestServers,
  continueFormOf,
  decodeResult,
  expectNoInlineScript,
  headingOf,
  mintOutbound,
  Clock,
  Visit,
} from '../helpers/forms';

const ACCOUNT = 'AC' + '0'.repeat(31) + '9';
const TOKEN = 'emulator-auth-token';
const SERVICE = 'VA' + '0'.repeat(31) + '1';
const IDENTITY_KEY = 'forms-verify-identity-key-0123456789abcdef';
let emulator: FastifyInstance;
let base: string;

beforeAll(async () => {
  emulator = await buildVerifyEmulator({ accountSid: ACCOUNT, authToken: TOKEN, serviceSid: SERVICE });
  await emulator.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
});
afterAll(async () => emulator.close());
afterEach(closeTestServers);

const env = () => ({
  VERIFY_SERVICE_SID: SERVICE,
  TWILIO_ACCOUNT_SID: ACCOUNT,
  TWILIO_AUTH_TOKEN: TOKEN,
  VERIFY_IDENTITY_KEY: IDENTITY_KEY,
  VERIFY_API_URL: base,
});

function verifyOutbound(factorSid: string | null, failures = 0, maxFailures = 5): string {
  return mintOutbound({
    claims: { provider: 'verify', ...(factorSid ? { verify_factor_sid: factorSid } : {}), failures },
    maxFailures,
    at: Date.now(),
  });
}

const METRICS_TOKEN = 'm'.repeat(32);
const server = (extra: Record<string, string> = {}) =>
  buildTestServer({ env: { ...env(), METRICS_TOKEN, ...extra }, clock: new Clock(Date.now()) });

/** The key shown for manual entry (spaces are only for reading). */
function secretOf(html: string): string {
  const match = /<code id="secret">([A-Z2-7 ]+)<\/code>/.exec(html);
  if (!match?.[1]) throw new Error('no secret on the page');
  return match[1].replace(/ /g, '');
}
const codeFor = (secret: string, offsetMs = 0) => totp(base32Decode(secret), Date.now() + offsetMs, 6, 30);

describe('Verify: a new user sets up an authenticator app', () => {
  test('the setup page, then the QR code and the key, then the first code verifies the factor', async () => {
    const { app, logs } = await server();
    const visit = new Visit(app);
    let page = await visit.start(verifyOutbound(null));
    expect(headingOf(page.body)).toBe('Set up an authenticator app');
    expect(page.body).not.toContain('name="phone"');
    page = await visit.post('/2fa/enroll');
    expect(page.body).toMatch(/<div class="qr" role="img" aria-label="[^"]+"><svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(page.body).not.toMatch(/style=|<script>|<img|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expectNoInlineScript(page.body);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).not.toContain('/2fa/send');
    expect(page.body).not.toContain('/2fa/push');
    const secret = secretOf(page.body);
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    page = await visit.post('/2fa/verify', { code: codeFor(secret) });
    const form = continueFormOf(page.body);
    expect(form).not.toBeNull();
    const result = decodeResult(form?.sessionToken ?? '', Date.now());
    expect(result.outcome).toMatchObject({ kind: 'verify-verified', method: 'app', enrolledNow: true, result: { kind: 'enrollment' } });
    // The secret and the code never reach a log line.
    for (const line of logs) expect(line).not.toContain(secret);
    // Twilio knows the factor as verified, for this user's identity (what the Action will ask).
    const provider = createVerifyProvider({
      accountSid: ACCOUNT,
      authToken: TOKEN,
      serviceSid: SERVICE,
      identitySecret: IDENTITY_KEY,
      baseUrl: `${base}/v2`,
    });
    const factorSid = result.outcome.kind === 'verify-verified' ? result.outcome.result.id : '';
    const enrollment = { provider: 'verify', identity: verifyIdentity(USER, IDENTITY_KEY), factorSid, phone: null } as const;
    const approved = { method: 'app', result: { kind: 'enrollment', id: factorSid } } as const;
    await expect(provider.confirm(enrollment, approved, { maxAgeSeconds: 300 })).resolves.toEqual({ confirmed: true });
  });

  test('a wrong first code counts; "start the setup again" drops the factor; Verify link without Verify settings is refused', async () => {
    const { app } = await server();
    const visit = new Visit(app);
    await visit.start(verifyOutbound(null));
    await visit.post('/2fa/enroll');
    let page = await visit.post('/2fa/verify', { code: '000000' });
    expect(alertsOf(page.body).join(' ')).toMatch(/not right.*4 tries left/);
    page = await visit.post('/2fa/change-number');
    expect(headingOf(page.body)).toBe('Set up an authenticator app');

    const { app: plain } = await buildTestServer({ clock: new Clock(Date.now()) });
    const refused = await new Visit(plain).start(verifyOutbound(null));
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toContain('authenticator app is not available');
  });
});

describe("Verify's own limits combine with ours: the stricter wins", () => {
  test("with MAX_FAILURES above Verify's 5 first codes per factor, the sixth is refused by Twilio (60310): it counts, and the setup starts again", async () => {
    const { app } = await server();
    const visit = new Visit(app);
    await visit.start(verifyOutbound(null, 0, 10));
    await visit.post('/2fa/enroll');
    for (let i = 0; i < 5; i += 1) await visit.post('/2fa/verify', { code: String(100000 + i) });
    const page = await visit.post('/2fa/verify', { code: '200000' });
    expect(alertsOf(page.body).join(' ')).toMatch(/Too many wrong codes for this setup\. 4 tries left\. Start the setup again\./);
    expect(headingOf(page.body)).toBe('Set up an authenticator app');
  });
});

async function enrolledFactor(): Promise<{ factorSid: string; secret: string }> {
  const { app } = await server();
  const visit = new Visit(app);
  await visit.start(verifyOutbound(null));
  const page = await visit.post('/2fa/enroll');
  const secret = secretOf(page.body);
  const done = await visit.post('/2fa/verify', { code: codeFor(secret) });
  const outcome = decodeResult(continueFormOf(done.body)?.sessionToken ?? '', Date.now()).outcome;
  if (outcome.kind !== 'verify-verified') throw new Error('not enrolled');
  return { factorSid: outcome.result.id, secret };
}

describe('Verify: an enrolled user signs in with a code (a Challenge)', () => {
  test('a right code gives a result naming the approved challenge; no QR code, no SMS or push', async () => {
    const { factorSid, secret } = await enrolledFactor();
    const { app } = await server();
    const visit = new Visit(app);
    let page = await visit.start(verifyOutbound(factorSid));
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(page.body).not.toContain('<svg');
    expect(page.body).not.toContain('/2fa/send');
    // The step after the enrollment's: a code Twilio has not seen for this factor yet.
    page = await visit.post('/2fa/verify', { code: codeFor(secret, 30_000) });
    const result = decodeResult(continueFormOf(page.body)?.sessionToken ?? '', Date.now());
    expect(result.outcome).toMatchObject({
      kind: 'verify-verified',
      enrolledNow: false,
      result: { kind: 'code', id: expect.stringMatching(/^YC/) },
    });
    expect(result).toMatchObject({ userId: USER, state: STATE });
  });

  test('wrong codes count across the visit and lock at MAX_FAILURES', async () => {
    const { factorSid } = await enrolledFactor();
    const { app } = await server();
    const visit = new Visit(app);
    await visit.start(verifyOutbound(factorSid, 3));
    let page = await visit.post('/2fa/verify', { code: '000000' });
    expect(alertsOf(page.body).join(' ')).toMatch(/1 try left/);
    page = await visit.post('/2fa/verify', { code: '000001' });
    expect(headingOf(page.body)).toBe('Too many wrong codes');
    expect(decodeResult(continueFormOf(page.body)?.sessionToken ?? '', Date.now()).outcome).toMatchObject({ kind: 'locked', failures: 5 });
  });

  test("Verify's errors in plain words: bad credentials are a configuration error; a missing factor; the metrics name the provider", async () => {
    const { app } = await server({ TWILIO_AUTH_TOKEN: 'wrong-token' });
    const visit = new Visit(app);
    await visit.start(verifyOutbound(null));
    let page = await visit.post('/2fa/enroll');
    expect(alertsOf(page.body).join(' ')).toContain('contact your administrator');
    const { app: good } = await server();
    const other = new Visit(good);
    await other.start(verifyOutbound('YF' + 'f'.repeat(32)));
    page = await other.post('/2fa/verify', { code: '123456' });
    expect(alertsOf(page.body).join(' ')).toContain('set up again');
    const metrics = await good.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/authy2fa_provider_call_duration_seconds_count\{provider="verify",call="challenge"\} 1/);
    expect(metrics.body).toMatch(/authy2fa_provider_errors_total\{provider="verify",call="challenge",error="NOT_FOUND"\} 1/);
  });
});
