/**
 * The Authy emulator, through HTTP only (`inject`, no port): Authy's paths, key, force
 * semantics and error bodies, the phone page, faults, and persistence across restarts.
 */
import type { PhoneView } from '../../sandbox/authy-emulator/emulator';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildAuthyEmulator, redactUrl, type AuthyEmulatorOptions } from '../../sandbox/authy-emulator/app';
import { hotp, totp, totpMatches } from '../../sandbox/authy-emulator/totp';
import { authyCredentialsCheck } from '../../forms-server/readiness';

// Fastify's inject (light-my-request) requires `cookie` 2, an ES module Jest cannot require on
// Node 20. Inject only uses it to send request cookies, which these tests never do.
jest.mock('cookie', () => ({
  stringifySetCookie: ({ name, value }: { name: string; value: string }) => `${name}=${encodeURIComponent(value)}`,
}));

const KEY = 'test-authy-api-key';
const START = Date.UTC(2030, 0, 1, 12, 0, 0);
let clock = START;
const now = () => clock;

const apps: FastifyInstance[] = [];
async function build(extra: Partial<AuthyEmulatorOptions> = {}): Promise<FastifyInstance> {
  const app = await buildAuthyEmulator({ apiKey: KEY, now, ...extra });
  apps.push(app);
  return app;
}

afterEach(async () => {
  clock = START;
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const keyHeader = { 'x-authy-api-key': KEY };

function form(fields: Record<string, string>) {
  return {
    headers: { ...keyHeader, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  };
}

async function newUser(app: FastifyInstance, cellphone = '2015550123', countryCode = '1', email = 'ada@example.com') {
  return app.inject({
    method: 'POST',
    url: '/protected/json/users/new',
    ...form({ 'user[email]': email, 'user[cellphone]': cellphone, 'user[country_code]': countryCode }),
  });
}

async function createUser(app: FastifyInstance, cellphone?: string): Promise<number> {
  const response = await newUser(app, cellphone);
  expect(response.statusCode).toBe(200);
  return response.json().user.id;
}

async function phoneOf(app: FastifyInstance, id: number) {
  const body = (await app.inject({ method: 'GET', url: '/phone.json' })).json<{ phones: PhoneView[] }>();
  const phone = body.phones.find((p) => p.authy_id === id);
  if (!phone) throw new Error(`phone of ${id} not shown`);
  return phone;
}

const verify = (app: FastifyInstance, token: string, id: number, force = true) =>
  app.inject({ method: 'GET', url: `/protected/json/verify/${token}/${id}${force ? '?force=true' : ''}`, headers: keyHeader });

/** A well-formed code that is neither the current app code nor one step either side. */
function wrongCode(right: string): string {
  return right === '1234567' ? '7654321' : '1234567';
}

describe('TOTP (RFC 6238 / RFC 4226)', () => {
  const seed = Buffer.from('12345678901234567890', 'ascii');

  it('matches the RFC 6238 SHA1 test vectors (8 digits, 30 s)', () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect(totp(seed, seconds * 1000, 8, 30)).toBe(code);
  });

  it('matches the RFC 4226 HOTP test vectors (6 digits)', () => {
    const codes = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    codes.forEach((code, counter) => expect(hotp(seed, counter, 6)).toBe(code));
  });

  it('accepts one step either side and nothing further', () => {
    const at = 1111111111 * 1000;
    const code = totp(seed, at, 8, 30);
    expect(totpMatches(seed, code, at + 30_000, 8, 30)).toBe(true);
    expect(totpMatches(seed, code, at - 30_000, 8, 30)).toBe(true);
    expect(totpMatches(seed, code, at + 60_000, 8, 30)).toBe(false);
  });
});

describe('API key', () => {
  const invalidKey = {
    success: false,
    message: 'Invalid API key',
    errors: { message: 'Invalid API key' },
    error_code: '60001',
  };

  it.each([
    ['missing', {}],
    ['wrong', { 'x-authy-api-key': 'not-the-key' }],
  ])('a %s key is 401 with 60001 on every Authy path and on the controls', async (_label, headers) => {
    const app = await build();
    const id = await createUser(app);
    for (const [method, url] of [
      ['GET', `/protected/json/users/${id}/status`],
      ['GET', '/protected/json/app/details'],
      ['GET', `/protected/json/verify/1234567/${id}?force=true`],
      ['POST', `/onetouch/json/users/${id}/approval_requests`],
      ['GET', '/__emulator/faults'],
    ] as const) {
      const response = await app.inject({ method, url, headers });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(invalidKey);
    }
  });
});

describe('app/details', () => {
  it("answers Authy's documented shape for the right key, with or without user_ip", async () => {
    const app = await build();
    for (const url of ['/protected/json/app/details', '/protected/json/app/details?user_ip=203.0.113.7']) {
      const response = await app.inject({ method: 'GET', url, headers: keyHeader });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/json');
      expect(response.json()).toEqual({
        app: {
          name: expect.any(String),
          plan: expect.any(String),
          sms_enabled: true,
          phone_calls_enabled: true,
          app_id: expect.any(Number),
          onetouch_enabled: true,
        },
        message: 'Application information.',
        success: true,
      });
    }
  });

  it('meets the faults like every other call', async () => {
    const app = await build();
    await app.inject({ method: 'POST', url: '/__emulator/faults', headers: keyHeader, payload: { kind: 'rate_limit', count: 1 } });
    expect((await app.inject({ method: 'GET', url: '/protected/json/app/details', headers: keyHeader })).statusCode).toBe(429);
    expect((await app.inject({ method: 'GET', url: '/protected/json/app/details', headers: keyHeader })).statusCode).toBe(200);
  });

  it("makes the forms server's readiness check pass with the right key, and report provider_credentials with a wrong one", async () => {
    const app = await build();
    // The forms server's real check, its fetch answered by the emulator through inject.
    const viaEmulator: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const answer = await app.inject({ method: 'GET', url: url.pathname + url.search, headers });
      return new Response(answer.body, { status: answer.statusCode, headers: { 'content-type': String(answer.headers['content-type']) } });
    };
    const check = (apiKey: string) =>
      authyCredentialsCheck({ apiKey, baseUrl: 'http://127.0.0.1:3003', timeoutMs: 1000, fetch: viaEmulator })();
    expect(await check(KEY)).toBe('ok');
    expect(await check('not-the-key')).toBe('provider_credentials');
  });
});

describe('users/new', () => {
  it('creates a user; the same phone (however typed) gets the same id, another phone another id', async () => {
    const app = await build();
    const first = await newUser(app);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ message: 'User created successfully.', user: { id: expect.any(Number) }, success: true });
    const id = first.json().user.id;

    const again = await newUser(app, '(201) 555-0123', '+1', 'other@example.com');
    expect(again.json().user.id).toBe(id);
    const other = await createUser(app, '2015550199');
    expect(other).not.toBe(id);
  });

  it('accepts a JSON body too', async () => {
    const app = await build();
    const response = await app.inject({
      method: 'POST',
      url: '/protected/json/users/new',
      headers: keyHeader,
      payload: { user: { email: 'ada@example.com', cellphone: '2015550123', country_code: 1 } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().user.id).toEqual(expect.any(Number));
  });

  it.each([['20155501ab'], ['12345'], ['1234567890123456']])(
    'refuses the phone %s with 400 / 60027 "User was not valid"',
    async (cellphone) => {
      const app = await build();
      const response = await newUser(app, cellphone);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        message: 'User was not valid',
        cellphone: 'is invalid',
        success: false,
        errors: { message: 'User was not valid', cellphone: 'is invalid' },
        error_code: '60027',
      });
    },
  );

  it('refuses a landline (national number starting with the landline prefix) with 60082', async () => {
    const app = await build();
    const response = await newUser(app, '9995550123');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ success: false, error_code: '60082', message: 'Cannot send SMS to landline.' });
    const custom = await build({ landlinePrefix: '44' });
    expect((await newUser(custom, '4415550123')).json().error_code).toBe('60082');
    expect((await newUser(custom, '9995550123')).statusCode).toBe(200);
  });

  it('answers 60004 for a missing parameter or a country code that is not a number', async () => {
    const app = await build();
    const missing = await app.inject({
      method: 'POST',
      url: '/protected/json/users/new',
      ...form({ 'user[email]': 'ada@example.com', 'user[cellphone]': '2015550123' }),
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({
      message: 'Invalid parameter: user[country_code] - Parameter is required',
      success: false,
      errors: { message: 'Invalid parameter: user[country_code] - Parameter is required' },
      error_code: '60004',
    });
    const noEmail = await app.inject({
      method: 'POST',
      url: '/protected/json/users/new',
      ...form({ 'user[cellphone]': '2015550123', 'user[country_code]': '1' }),
    });
    expect(noEmail.json().error_code).toBe('60004');
    expect((await newUser(app, '2015550123', 'zz')).json().error_code).toBe('60004');
    expect((await newUser(app, '2015550123', '1', 'not-an-email')).json()).toMatchObject({ error_code: '60027', email: 'is invalid' });
  });
});

describe('verify', () => {
  it('accepts the app code with force=true: 200, success the string "true", token "is valid"', async () => {
    const app = await build();
    const id = await createUser(app);
    const { app_code } = await phoneOf(app, id);
    expect(app_code).toMatch(/^\d{7}$/);
    const response = await verify(app, app_code, id);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ message: 'Token is valid.', token: 'is valid', success: 'true' });
    expect(body.device).toMatchObject({ os_type: expect.any(String) });
  });

  it('answers a wrong code with 401 and 60020, exactly as Authy', async () => {
    const app = await build();
    const id = await createUser(app);
    const { app_code } = await phoneOf(app, id);
    const response = await verify(app, wrongCode(app_code), id);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      message: 'Token is invalid',
      token: 'is invalid',
      success: false,
      errors: { message: 'Token is invalid', token: 'is invalid' },
      error_code: '60020',
    });
  });

  it('refuses a code verified once with 401 and 60019', async () => {
    const app = await build();
    const id = await createUser(app);
    const { app_code } = await phoneOf(app, id);
    expect((await verify(app, app_code, id)).statusCode).toBe(200);
    const reused = await verify(app, app_code, id);
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toMatchObject({ success: false, token: 'is invalid', error_code: '60019' });
  });

  it('takes the previous step (clock skew) but not a code two steps old', async () => {
    const app = await build();
    const id = await createUser(app);
    const old = (await phoneOf(app, id)).app_code;
    clock += 30_000;
    expect((await verify(app, old, id)).statusCode).toBe(200);

    const older = (await phoneOf(app, id)).app_code;
    clock += 60_000;
    expect((await phoneOf(app, id)).app_code).not.toBe(older);
    expect((await verify(app, older, id)).json().error_code).toBe('60020');
  });

  it('answers a malformed token with 60020 and an unknown user with 404 / 60026', async () => {
    const app = await build();
    const id = await createUser(app);
    for (const token of ['12ab567', '12345', '123456789']) {
      const response = await verify(app, token, id);
      expect(response.statusCode).toBe(401);
      expect(response.json().error_code).toBe('60020');
    }
    const unknown = await verify(app, '1234567', 424242);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({
      message: 'User not found.',
      success: false,
      errors: { message: 'User not found.' },
      error_code: '60026',
    });
    expect((await verify(app, '1234567', 0)).statusCode).toBe(404);
  });
});

describe('force semantics', () => {
  it('without force, a user who never registered is "valid" for any code; with force the code is checked', async () => {
    const app = await build();
    const id = await createUser(app);
    const right = (await phoneOf(app, id)).app_code;
    const wrong = wrongCode(right);

    const unchecked = await verify(app, wrong, id, false);
    expect(unchecked.statusCode).toBe(200);
    expect(unchecked.json()).toMatchObject({ token: 'is valid', success: 'true' });
    expect((await verify(app, wrong, id, true)).statusCode).toBe(401);

    // Registering (a first real verification) ends the quirk.
    expect((await verify(app, right, id, true)).statusCode).toBe(200);
    const checked = await verify(app, wrong, id, false);
    expect(checked.statusCode).toBe(401);
    expect(checked.json().error_code).toBe('60020');
  });
});

describe('sms and call', () => {
  async function registeredUser(app: FastifyInstance): Promise<number> {
    const id = await createUser(app);
    expect((await verify(app, (await phoneOf(app, id)).app_code, id)).statusCode).toBe(200);
    return id;
  }

  it('ignores an SMS for an app user without force', async () => {
    const app = await build();
    const id = await registeredUser(app);
    const response = await app.inject({ method: 'GET', url: `/protected/json/sms/${id}`, headers: keyHeader });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      message: 'Ignored: SMS is not needed for smartphones. Pass force=true if you want to actually send it anyway.',
      cellphone: '+1-XXX-XXX-XX23',
      device: 'iphone',
      ignored: true,
      success: true,
    });
    expect((await phoneOf(app, id)).messages).toEqual([]);
  });

  it('delivers an SMS code with force; that code verifies once, and not after 10 minutes', async () => {
    const app = await build();
    const id = await registeredUser(app);
    const response = await app.inject({ method: 'GET', url: `/protected/json/sms/${id}?force=true`, headers: keyHeader });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX23', success: true });

    const [message] = (await phoneOf(app, id)).messages;
    expect(message).toEqual({ channel: 'sms', code: expect.stringMatching(/^\d{7}$/), at: new Date(START).toISOString() });
    clock += 5 * 60_000;
    const verified = await verify(app, message.code, id);
    expect(verified.statusCode).toBe(200);
    expect(verified.json().device.os_type).toBe('sms');
    expect((await verify(app, message.code, id)).json().error_code).toBe('60019');

    await app.inject({ method: 'GET', url: `/protected/json/sms/${id}?force=true`, headers: keyHeader });
    const [late] = (await phoneOf(app, id)).messages;
    clock += 10 * 60_000 + 1000;
    expect((await verify(app, late.code, id)).json().error_code).toBe('60020');
  });

  it('places a voice call with force, and ignores it without force for app users', async () => {
    const app = await build();
    const id = await registeredUser(app);
    const ignored = await app.inject({ method: 'GET', url: `/protected/json/call/${id}`, headers: keyHeader });
    expect(ignored.json()).toMatchObject({ success: true, ignored: true });
    const response = await app.inject({ method: 'GET', url: `/protected/json/call/${id}?force=true`, headers: keyHeader });
    expect(response.json()).toEqual({ message: 'Call started...', cellphone: '+1-XXX-XXX-XX23', success: true });
    const [message] = (await phoneOf(app, id)).messages;
    expect(message.channel).toBe('call');
    expect((await verify(app, message.code, id)).statusCode).toBe(200);
  });

  it('sends to a user who has no app yet even without force', async () => {
    const app = await build();
    const id = await createUser(app);
    const response = await app.inject({ method: 'GET', url: `/protected/json/sms/${id}`, headers: keyHeader });
    expect(response.json()).toEqual({ message: 'SMS token was sent', cellphone: '+1-XXX-XXX-XX23', success: true });
    expect((await phoneOf(app, id)).messages).toHaveLength(1);
  });
});

describe('status, disable and remove', () => {
  it("reports the status in Authy's shape; registered once a code was verified; disabled by the control", async () => {
    const app = await build();
    const id = await createUser(app);
    const status = async () => (await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader })).json();

    expect(await status()).toEqual({
      status: {
        authy_id: id,
        confirmed: true,
        registered: false,
        country_code: 1,
        phone_number: 'XXX-XXX-0123',
        devices: [],
        has_hard_token: false,
        account_disabled: false,
        detailed_devices: [],
      },
      message: 'User status.',
      success: true,
    });
    await verify(app, (await phoneOf(app, id)).app_code, id);
    expect((await status()).status).toMatchObject({ registered: true, devices: ['iphone'] });

    const disabled = await app.inject({ method: 'POST', url: `/__emulator/users/${id}/disable`, headers: keyHeader });
    expect(disabled.statusCode).toBe(200);
    expect((await status()).status.account_disabled).toBe(true);
    await app.inject({ method: 'POST', url: `/__emulator/users/${id}/enable`, headers: keyHeader });
    expect((await status()).status.account_disabled).toBe(false);
  });

  it('removes a user: then 404 / 60026 everywhere, gone from the phone page; the same phone later gets its id back', async () => {
    const app = await build();
    const id = await createUser(app);
    const removed = await app.inject({
      method: 'POST',
      url: `/protected/json/users/${id}/remove`,
      headers: { ...keyHeader, 'content-type': 'application/json' },
    });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({ message: 'User removed from application', success: true });

    const status = await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader });
    expect(status.statusCode).toBe(404);
    expect(status.json().error_code).toBe('60026');
    expect((await app.inject({ method: 'GET', url: `/protected/json/sms/${id}?force=true`, headers: keyHeader })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/phone.json' })).json()).toEqual({ phones: [] });
    expect(await createUser(app)).toBe(id);
  });
});

describe('OneTouch', () => {
  async function createRequest(app: FastifyInstance, id: number, seconds = '120'): Promise<string> {
    const response = await app.inject({
      method: 'POST',
      url: `/onetouch/json/users/${id}/approval_requests`,
      ...form({ message: 'Sign in to Demo app', seconds_to_expire: seconds, 'details[Browser]': 'Firefox' }),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({ approval_request: { uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) }, success: true });
    return body.approval_request.uuid;
  }
  const statusOf = async (app: FastifyInstance, uuid: string) =>
    (await app.inject({ method: 'GET', url: `/onetouch/json/approval_requests/${uuid}`, headers: keyHeader })).json();

  it('creates a pending request shown on the phone; Approve on the phone page approves it', async () => {
    const app = await build();
    const id = await createUser(app);
    const uuid = await createRequest(app, id);
    expect(await statusOf(app, uuid)).toEqual({
      approval_request: expect.objectContaining({
        uuid,
        status: 'pending',
        _authy_id: id,
        created_at: '2030-01-01T12:00:00Z',
        updated_at: '2030-01-01T12:00:00Z',
      }),
      success: true,
    });
    expect((await phoneOf(app, id)).pending_approvals).toEqual([
      expect.objectContaining({ uuid, message: 'Sign in to Demo app', created_at: new Date(START).toISOString() }),
    ]);

    clock += 5000;
    const approve = await app.inject({ method: 'POST', url: `/phone/approval/${uuid}/approve` });
    expect(approve.statusCode).toBe(303);
    expect(approve.headers.location).toBe('/phone?answered=approved');
    expect((await statusOf(app, uuid)).approval_request).toMatchObject({ status: 'approved', updated_at: '2030-01-01T12:00:05Z' });
    expect((await phoneOf(app, id)).pending_approvals).toEqual([]);
    // The phone page says what the press did.
    const after = await app.inject({ method: 'GET', url: '/phone?answered=approved' });
    expect(after.body).toContain(
      '<p class="answered" role="status">Approved. Go back to the sign-in page and press &quot;I approved it&quot;.</p>',
    );

    // Answered once: a later Deny changes nothing, and the page says so.
    const late = await app.inject({ method: 'POST', url: `/phone/approval/${uuid}/deny` });
    expect(late.headers.location).toBe('/phone?answered=none');
    expect((await statusOf(app, uuid)).approval_request.status).toBe('approved');
  });

  it('Deny denies; an unanswered request expires; a cross-site post is refused', async () => {
    const app = await build();
    const id = await createUser(app);
    const denied = await createRequest(app, id);
    const crossSite = await app.inject({
      method: 'POST',
      url: `/phone/approval/${denied}/deny`,
      headers: { origin: 'https://evil.example', host: 'localhost:3003' },
    });
    expect(crossSite.statusCode).toBe(403);
    expect((await statusOf(app, denied)).approval_request.status).toBe('pending');
    await app.inject({
      method: 'POST',
      url: `/phone/approval/${denied}/deny`,
      headers: { origin: 'http://localhost:3003', host: 'localhost:3003' },
    });
    expect((await statusOf(app, denied)).approval_request.status).toBe('denied');

    const expiring = await createRequest(app, id, '60');
    clock += 61_000;
    expect((await statusOf(app, expiring)).approval_request.status).toBe('expired');
    await app.inject({ method: 'POST', url: `/phone/approval/${expiring}/approve` });
    expect((await statusOf(app, expiring)).approval_request.status).toBe('expired');
  });

  it('answers 60049 for an unknown request, 60026 for an unknown user, 60004 without a message', async () => {
    const app = await build();
    const id = await createUser(app);
    const unknown = await app.inject({
      method: 'GET',
      url: '/onetouch/json/approval_requests/0c8a7f2e-7e35-4b7b-9a65-2f7c1f0e9d11',
      headers: keyHeader,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error_code).toBe('60049');
    const noUser = await app.inject({ method: 'POST', url: '/onetouch/json/users/999/approval_requests', ...form({ message: 'hi' }) });
    expect(noUser.statusCode).toBe(404);
    expect(noUser.json().error_code).toBe('60026');
    const noMessage = await app.inject({
      method: 'POST',
      url: `/onetouch/json/users/${id}/approval_requests`,
      ...form({ seconds_to_expire: '60' }),
    });
    expect(noMessage.statusCode).toBe(400);
    expect(noMessage.json().error_code).toBe('60004');
  });
});

describe('faults', () => {
  const addFault = (app: FastifyInstance, fault: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/__emulator/faults', headers: keyHeader, payload: fault });

  it('answers the next N calls with 429 / 60003, then normally', async () => {
    const app = await build();
    const id = await createUser(app);
    expect((await addFault(app, { kind: 'rate_limit', count: 2 })).statusCode).toBe(200);
    // A call with a wrong key does not use up a fault.
    expect((await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status` })).statusCode).toBe(401);
    for (let i = 0; i < 2; i += 1) {
      const limited = await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader });
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ success: false, error_code: '60003' });
      expect(typeof limited.json().error_code).toBe('string');
    }
    expect((await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader })).statusCode).toBe(200);
  });

  it('answers with a server error or a malformed JSON body', async () => {
    const app = await build();
    const id = await createUser(app);
    await addFault(app, { kind: 'server_error', status: 503 });
    await addFault(app, { kind: 'malformed' });
    const failed = await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader });
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ success: false, error_code: '60000' });
    const malformed = await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader });
    expect(malformed.statusCode).toBe(200);
    expect(malformed.headers['content-type']).toContain('application/json');
    expect(() => JSON.parse(malformed.body)).toThrow();
    expect((await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader })).statusCode).toBe(200);
  });

  it('holds a call for delay_ms before answering', async () => {
    const app = await build();
    const id = await createUser(app);
    await addFault(app, { kind: 'hang', delay_ms: 150 });
    const started = Date.now();
    const response = await app.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.statusCode).toBe(200);
  });

  it('lists, validates and clears faults', async () => {
    const app = await build();
    expect((await addFault(app, { kind: 'explode' })).statusCode).toBe(400);
    expect((await addFault(app, { kind: 'hang' })).statusCode).toBe(400);
    expect((await addFault(app, { kind: 'rate_limit', count: 0 })).statusCode).toBe(400);
    await addFault(app, { kind: 'rate_limit', count: 3 });
    const listed = await app.inject({ method: 'GET', url: '/__emulator/faults', headers: keyHeader });
    expect(listed.json().faults).toEqual([expect.objectContaining({ kind: 'rate_limit', remaining: 3 })]);
    await app.inject({ method: 'DELETE', url: '/__emulator/faults', headers: keyHeader });
    const id = await createUser(app);
    expect(id).toEqual(expect.any(Number));
  });
});

describe('phone page', () => {
  it('/phone.json has the documented shape', async () => {
    const app = await build();
    const id = await createUser(app);
    await app.inject({ method: 'GET', url: `/protected/json/sms/${id}?force=true`, headers: keyHeader });
    const body = (await app.inject({ method: 'GET', url: '/phone.json' })).json();
    expect(body).toEqual({
      phones: [
        expect.objectContaining({
          authy_id: id,
          email: 'ada@example.com',
          country_code: '1',
          phone: '2015550123',
          masked_phone: '+1-XXX-XXX-XX23',
          app_code: expect.stringMatching(/^\d{7}$/),
          seconds_left: 30,
          messages: [{ channel: 'sms', code: expect.stringMatching(/^\d{7}$/), at: new Date(START).toISOString() }],
          pending_approvals: [],
        }),
      ],
    });
    clock += 12_000;
    expect((await phoneOf(app, id)).seconds_left).toBe(18);
  });

  it('/phone is HTML with no inline script or style, labelled buttons, and its own assets', async () => {
    const app = await build();
    const id = await createUser(app);
    await app.inject({ method: 'POST', url: `/onetouch/json/users/${id}/approval_requests`, ...form({ message: 'Sign in <b>now</b>' }) });
    const { app_code } = await phoneOf(app, id);
    const page = await app.inject({ method: 'GET', url: '/phone' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const html = page.body;
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('name="viewport"');
    expect(html).toContain(app_code);
    expect(html).toContain('+1 2015550123');
    expect(html).toContain('Sign in &lt;b&gt;now&lt;/b&gt;');
    expect(html).not.toContain('<b>now</b>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).toMatch(
      /<button type="submit" class="approve" id="approve-[0-9a-f-]+" aria-describedby="msg-[0-9a-f-]+">Approve<\/button>/,
    );
    expect(html).toMatch(/>Deny<\/button>/);

    for (const asset of ['phone.css', 'phone.js']) {
      const response = await app.inject({ method: 'GET', url: `/phone/assets/${asset}` });
      expect(response.statusCode).toBe(200);
      expect(html).toContain(`/phone/assets/${asset}`);
    }
    expect((await app.inject({ method: 'GET', url: '/phone/assets/..%2Fapp.ts' })).statusCode).toBe(404);
    const fragment = await app.inject({ method: 'GET', url: '/phone/fragment' });
    expect(fragment.body).toContain(app_code);
    expect(fragment.body).not.toContain('<html');
  });

  it('says so when no phone is enrolled', async () => {
    const app = await build();
    expect((await app.inject({ method: 'GET', url: '/phone' })).body).toContain('No phone is enrolled yet');
  });
});

describe('persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'authy-emulator-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps users, seeds, registration and used codes across two app instances', async () => {
    const dataFile = join(dir, 'authy.json');
    const first = await build({ dataFile });
    const id = await createUser(first);
    const code = (await phoneOf(first, id)).app_code;
    expect((await verify(first, code, id)).statusCode).toBe(200);
    await first.close();
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);

    const second = await build({ dataFile });
    expect(await createUser(second)).toBe(id);
    expect((await phoneOf(second, id)).app_code).toBe(code);
    expect((await verify(second, code, id)).json().error_code).toBe('60019');
    const status = (await second.inject({ method: 'GET', url: `/protected/json/users/${id}/status`, headers: keyHeader })).json();
    expect(status.status.registered).toBe(true);
    expect(await createUser(second, '2015550199')).toBe(id + 1);
  });

  it('keeps pending approval requests, and refuses a data file that is not its own', async () => {
    const dataFile = join(dir, 'authy.json');
    const first = await build({ dataFile });
    const id = await createUser(first);
    await first.inject({ method: 'POST', url: `/onetouch/json/users/${id}/approval_requests`, ...form({ message: 'Sign in' }) });
    await first.close();
    const second = await build({ dataFile });
    expect((await phoneOf(second, id)).pending_approvals).toHaveLength(1);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ users: 'nope' }));
    await expect(buildAuthyEmulator({ apiKey: KEY, dataFile: bad })).rejects.toThrow(/not an Authy emulator data file/);
    expect(readFileSync(bad, 'utf8')).toContain('nope');
  });
});

describe('options and logging', () => {
  it('refuses bad options with a message naming them', async () => {
    await expect(buildAuthyEmulator({ apiKey: '' })).rejects.toThrow(/apiKey/);
    await expect(buildAuthyEmulator({ apiKey: KEY, digits: 5 })).rejects.toThrow(/digits/);
    await expect(buildAuthyEmulator({ apiKey: KEY, periodSeconds: 0 })).rejects.toThrow(/periodSeconds/);
  });

  it('honours digits', async () => {
    const app = await build({ digits: 6 });
    const id = await createUser(app);
    expect((await phoneOf(app, id)).app_code).toMatch(/^\d{6}$/);
  });

  it('never logs the code of a verify URL', () => {
    expect(redactUrl('/protected/json/verify/1234567/42?force=true')).toBe('/protected/json/verify/[redacted]/42?force=true');
  });
});
