/**
 * The Verify emulator through HTTP (`inject`, no port): Basic auth, TOTP entities, factors and
 * challenges with Twilio's paths, parameters, JSON and error codes, real codes for each factor's
 * parameters, attempt and creation limits, faults, the phone page. SMS and voice:
 * verify-emulator-verifications.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { buildVerifyEmulator, type VerifyEmulatorOptions } from '../../sandbox/verify-emulator/app';
import { base32Decode, totp } from '../../lib/totp';
import { ACCOUNT_SID, AUTH_TOKEN, SECRET, SERVICE_SID, basic, twilioForm } from '../helpers/verify';

// Fastify's inject (light-my-request) requires `cookie` 2, an ES module Jest cannot require on Node 20; no cookies here.
jest.mock('cookie', () => ({ stringifySetCookie: ({ name, value }: { name: string; value: string }) => `${name}=${value}` }));

const START = Date.UTC(2030, 0, 1, 12, 0, 0);
let clock = START;
const IDENTITY = 'a'.repeat(64);
const S = `/v2/Services/${SERVICE_SID}`;
const SEED = base32Decode(SECRET);
const apps: FastifyInstance[] = [];

async function build(extra: Partial<VerifyEmulatorOptions> = {}): Promise<FastifyInstance> {
  const app = await buildVerifyEmulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    serviceSid: SERVICE_SID,
    now: () => clock,
    ...extra,
  });
  apps.push(app);
  return app;
}

afterEach(async () => {
  clock = START;
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function newFactor(app: FastifyInstance, fields: Record<string, string> = {}) {
  const body = { FactorType: 'totp', FriendlyName: 'Demo', 'Binding.Secret': SECRET, ...fields };
  const response = await app.inject(twilioForm('POST', `${S}/Entities/${IDENTITY}/Factors`, body));
  expect(response.statusCode).toBe(201);
  return response.json<{ sid: string } & Record<string, unknown>>();
}

async function verifiedFactor(app: FastifyInstance): Promise<string> {
  const factor = await newFactor(app);
  const verified = await app.inject(
    twilioForm('POST', `${S}/Entities/${IDENTITY}/Factors/${factor.sid}`, { AuthPayload: totp(SEED, clock, 6, 30) }),
  );
  expect(verified.json().status).toBe('verified');
  clock += 30_000; // the first code is spent; the next login uses the next one
  return factor.sid;
}

describe('auth and routing', () => {
  test('no or wrong credentials: 401 20003 with a Basic challenge; API keys work; other Services are 404', async () => {
    const app = await build({ apiKeys: [{ sid: 'SK' + '1'.repeat(32), secret: 'key-secret' }] });
    const url = `${S}/Verifications/VE${'0'.repeat(32)}`;
    for (const authorization of [undefined, basic(ACCOUNT_SID, 'wrong'), 'Bearer x', basic('SK' + '1'.repeat(32), AUTH_TOKEN)]) {
      const response = await app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="Twilio API"');
      expect(response.json()).toEqual({
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      });
    }
    const byKey = await app.inject({ method: 'GET', url, headers: { authorization: basic('SK' + '1'.repeat(32), 'key-secret') } });
    expect(byKey.json()).toMatchObject({ code: 20404, status: 404 });
    const other = await app.inject(twilioForm('GET', `/v2/Services/VA${'9'.repeat(32)}/Verifications/VE${'0'.repeat(32)}`));
    expect(other.json()).toMatchObject({ code: 20404, status: 404 });
  });
});

describe('factors', () => {
  test('create: 201, unverified, the binding once, Twilio defaults; fetch shows no binding', async () => {
    const app = await build();
    const factor = await newFactor(app);
    expect(factor).toMatchObject({
      sid: expect.stringMatching(/^YF[0-9a-f]{32}$/),
      account_sid: ACCOUNT_SID,
      service_sid: SERVICE_SID,
      entity_sid: expect.stringMatching(/^YE[0-9a-f]{32}$/),
      identity: IDENTITY,
      binding: { secret: SECRET, uri: `otpauth://totp/Sandbox:Demo?secret=${SECRET}&issuer=Sandbox&algorithm=SHA1&digits=6&period=30` },
      date_created: '2030-01-01T12:00:00Z',
      friendly_name: 'Demo',
      status: 'unverified',
      factor_type: 'totp',
      config: { alg: 'sha1', skew: 1, code_length: 6, time_step: 30 },
    });
    const fetched = (await app.inject(twilioForm('GET', `${S}/Entities/${IDENTITY}/Factors/${factor.sid}`))).json();
    expect(fetched.binding).toBeUndefined();
    expect(fetched.sid).toBe(factor.sid);
  });

  test('parameters out of Twilio ranges are 60200 naming them; only totp', async () => {
    const app = await build();
    const cases: [Record<string, string>, string][] = [
      [{ FactorType: 'push' }, 'FactorType'],
      [{ FriendlyName: '' }, 'FriendlyName'],
      [{ 'Config.TimeStep': '19' }, 'Config.TimeStep'],
      [{ 'Config.TimeStep': '61' }, 'Config.TimeStep'],
      [{ 'Config.Skew': '3' }, 'Config.Skew'],
      [{ 'Config.CodeLength': '2' }, 'Config.CodeLength'],
      [{ 'Config.CodeLength': '9' }, 'Config.CodeLength'],
      [{ 'Config.Alg': 'md5' }, 'Config.Alg'],
      [{ 'Binding.Secret': 'not base32' }, 'Binding.Secret'],
      [{ 'Binding.Secret': 'MZXW6YTB' }, 'Binding.Secret'],
    ];
    for (const [fields, name] of cases) {
      const body = { FactorType: 'totp', FriendlyName: 'Demo', ...fields };
      const response = await app.inject(twilioForm('POST', `${S}/Entities/${IDENTITY}/Factors`, body));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 60200, message: `Invalid parameter: ${name}`, status: 400 });
    }
    const short = await app.inject(twilioForm('POST', `${S}/Entities/short/Factors`, { FactorType: 'totp', FriendlyName: 'x' }));
    expect(short.json()).toMatchObject({ code: 60200, message: 'Invalid parameter: Identity' });
  });

  test("verify: the factor's own algorithm, digits and period; wrong codes stay unverified; the sixth try is 60310", async () => {
    const app = await build();
    const factor = await newFactor(app, { 'Config.Alg': 'sha512', 'Config.CodeLength': '8', 'Config.TimeStep': '60' });
    const url = `${S}/Entities/${IDENTITY}/Factors/${factor.sid}`;
    const sha1Code = totp(SEED, clock, 8, 60);
    for (let i = 0; i < 4; i += 1)
      expect((await app.inject(twilioForm('POST', url, { AuthPayload: sha1Code }))).json().status).toBe('unverified');
    const right = await app.inject(twilioForm('POST', url, { AuthPayload: totp(SEED, clock, 8, 60, 'sha512') }));
    expect(right.json()).toMatchObject({ status: 'verified', config: { alg: 'sha512', code_length: 8, time_step: 60 } });

    const other = await newFactor(app);
    const otherUrl = `${S}/Entities/${IDENTITY}/Factors/${other.sid}`;
    for (let i = 0; i < 5; i += 1) await app.inject(twilioForm('POST', otherUrl, { AuthPayload: '000000' }));
    const sixth = await app.inject(twilioForm('POST', otherUrl, { AuthPayload: totp(SEED, clock, 6, 30) }));
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json()).toMatchObject({ code: 60310, status: 429 });
  });

  test('delete the factor, or the entity with everything in it', async () => {
    const app = await build();
    const factor = await newFactor(app);
    expect((await app.inject(twilioForm('DELETE', `${S}/Entities/${IDENTITY}/Factors/${factor.sid}`))).statusCode).toBe(204);
    expect((await app.inject(twilioForm('GET', `${S}/Entities/${IDENTITY}/Factors/${factor.sid}`))).json()).toMatchObject({ code: 20404 });
    expect((await app.inject(twilioForm('GET', `${S}/Entities/${IDENTITY}`))).json()).toMatchObject({ identity: IDENTITY });
    expect((await app.inject(twilioForm('DELETE', `${S}/Entities/${IDENTITY}`))).statusCode).toBe(204);
    expect((await app.inject(twilioForm('DELETE', `${S}/Entities/${IDENTITY}`))).json()).toMatchObject({ code: 20404, status: 404 });
  });
});

describe('challenges', () => {
  test('an unverified factor cannot be challenged (60318); approved with the code, pending without', async () => {
    const app = await build();
    const unverified = await newFactor(app);
    const refused = await app.inject(
      twilioForm('POST', `${S}/Entities/${IDENTITY}/Challenges`, { FactorSid: unverified.sid, AuthPayload: '123456' }),
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 60318, status: 403 });

    const factorSid = await verifiedFactor(app);
    const ok = await app.inject(
      twilioForm('POST', `${S}/Entities/${IDENTITY}/Challenges`, { FactorSid: factorSid, AuthPayload: totp(SEED, clock, 6, 30) }),
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({
      sid: expect.stringMatching(/^YC[0-9a-f]{32}$/),
      identity: IDENTITY,
      factor_sid: factorSid,
      status: 'approved',
      date_updated: '2030-01-01T12:00:30Z',
      expiration_date: '2030-01-01T12:05:30Z',
      factor_type: 'totp',
    });
    const fetched = await app.inject(twilioForm('GET', `${S}/Entities/${IDENTITY}/Challenges/${ok.json().sid}`));
    expect(fetched.json()).toMatchObject({ sid: ok.json().sid, status: 'approved' });
  });

  test('a replayed code is refused; a pending challenge takes 5 codes, then 60308; it expires', async () => {
    const app = await build();
    const factorSid = await verifiedFactor(app);
    const code = totp(SEED, clock, 6, 30);
    const create = (fields: Record<string, string>) =>
      app.inject(twilioForm('POST', `${S}/Entities/${IDENTITY}/Challenges`, { FactorSid: factorSid, ...fields }));
    expect((await create({ AuthPayload: code })).json().status).toBe('approved');
    const replay = (await create({ AuthPayload: code })).json();
    expect(replay.status).toBe('pending');
    const url = `${S}/Entities/${IDENTITY}/Challenges/${replay.sid}`;
    for (let i = 0; i < 4; i += 1)
      expect((await app.inject(twilioForm('POST', url, { AuthPayload: '000000' }))).json().status).toBe('pending');
    const sixth = await app.inject(twilioForm('POST', url, { AuthPayload: '000000' }));
    expect(sixth.json()).toMatchObject({ code: 60308, status: 429 });

    const later = (await create({})).json();
    clock += 5 * 60_000;
    expect((await app.inject(twilioForm('GET', `${S}/Entities/${IDENTITY}/Challenges/${later.sid}`))).json().status).toBe('expired');
  });

  test('50 challenges an hour per factor, then 60312', async () => {
    const app = await build();
    const factorSid = await verifiedFactor(app);
    for (let i = 0; i < 50; i += 1) await app.inject(twilioForm('POST', `${S}/Entities/${IDENTITY}/Challenges`, { FactorSid: factorSid }));
    const over = await app.inject(twilioForm('POST', `${S}/Entities/${IDENTITY}/Challenges`, { FactorSid: factorSid }));
    expect(over.json()).toMatchObject({ code: 60312, status: 429 });
  });
});
