/**
 * "Remember this device" on the forms server, through `inject`: the box on the code page (both
 * sides' REMEMBER_DAYS, the shorter wins), the device cookie and the hash in a success, and the
 * `remembered` result at once when the browser holds a device the outbound token lists.
 */
import nock from 'nock';
import { deviceCookieName } from '../../forms-server/plugins/device-cookie';
import { FLOW_COOKIE } from '../../forms-server/plugins/visit-cookie';
import { deviceCookieValue, deviceHash, newDeviceCredential, parseDeviceCookieValue } from '../../lib/remembered-devices';
import {
  AUTHY_ID,
  SECRET,
  STATE,
  TENANT_HOST,
  USER,
  Visit,
  authyReplies,
  authyVerify,
  buildTestServer,
  closeTestServers,
  continueFormOf,
  decodeResult,
  entryUrl,
  headingOf,
  mintOutbound,
  resultClaims,
  setCookieHeaders,
} from '../helpers/forms';

const COOKIE = deviceCookieName(SECRET, TENANT_HOST, USER);
const remembering = (days: number, devices?: string[]) => ({ remember_days: days, ...(devices ? { devices } : {}) });

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  await closeTestServers();
});

const box = (html: string) => /<input id="remember" name="remember" type="checkbox"[^>]*>/.exec(html)?.[0] ?? null;
const boxLabel = (html: string) => /<label for="remember">([^<]*)<\/label>/.exec(html)?.[1] ?? null;

describe('the code page', () => {
  test('offers the box only when both the Action and the forms server have REMEMBER_DAYS; the shorter wins', async () => {
    const both = await buildTestServer({ env: { REMEMBER_DAYS: '30' } });
    const page = await new Visit(both.app).start(mintOutbound({ authyId: AUTHY_ID, claims: remembering(7) }));
    expect(headingOf(page.body)).toBe('Enter your code');
    expect(box(page.body)).not.toBeNull();
    expect(box(page.body)).not.toContain('checked');
    expect(boxLabel(page.body)).toBe('Don&#39;t ask again on this device for 7 days');

    const actionOff = await new Visit(both.app).start(mintOutbound({ authyId: AUTHY_ID, claims: { nonce: 'other-link' } }));
    expect(box(actionOff.body)).toBeNull();
    const formsOff = await buildTestServer();
    const page2 = await new Visit(formsOff.app).start(mintOutbound({ authyId: AUTHY_ID, claims: remembering(30) }));
    expect(box(page2.body)).toBeNull();
  });
});

describe('a right code with the box ticked', () => {
  test('sets the device cookie and carries its hash, never its secret, in the signed success', async () => {
    const { app } = await buildTestServer({ env: { REMEMBER_DAYS: '30' } });
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, claims: remembering(14) }));
    authyVerify('1234567').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '1234567', remember: 'on' });
    const cookies = setCookieHeaders(done).filter((c) => c.startsWith(`${COOKIE}=`));
    expect(cookies).toHaveLength(1);
    const attributes = cookies[0].split('; ');
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax', `Max-Age=${14 * 86400}`]));
    expect(COOKIE).toMatch(/^__Host-authy2fa_device_[A-Za-z0-9_-]{22}$/);
    const credential = parseDeviceCookieValue(attributes[0].slice(COOKIE.length + 1));
    expect(credential).not.toBeNull();

    const token = continueFormOf(done.body)!.sessionToken;
    expect(decodeResult(token).rememberDevice).toEqual({
      id: credential!.id,
      hash: deviceHash(USER, credential!),
      label: expect.stringMatching(/^Browser, 2030-01-01$/),
    });
    expect(decodeResult(token).outcome.kind).toBe('verified');
    expect(token).not.toContain(credential!.secret);
    expect(Buffer.from(token.split('.')[1], 'base64url').toString()).not.toContain(credential!.secret);
  });

  test('unticked: no cookie, nothing to remember', async () => {
    const { app } = await buildTestServer({ env: { REMEMBER_DAYS: '30' } });
    const visit = new Visit(app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, claims: remembering(30) }));
    authyVerify('1234567').reply(200, authyReplies.tokenValid);
    const done = await visit.post('/2fa/verify', { code: '1234567' });
    expect(setCookieHeaders(done).some((c) => c.startsWith('__Host-'))).toBe(false);
    expect(resultClaims(continueFormOf(done.body)!.sessionToken).remember_device_id).toBeUndefined();
  });
});

describe('a browser holding a remembered device', () => {
  const credential = newDeviceCredential();
  const enter = async (
    env: Record<string, string>,
    devices: string[] | undefined,
    cookie = `${COOKIE}=${deviceCookieValue(credential)}`,
  ) => {
    const { app } = await buildTestServer({ env });
    const token = mintOutbound({ authyId: AUTHY_ID, claims: remembering(30, devices) });
    return app.inject({ method: 'GET', url: entryUrl(token), headers: { cookie } });
  };

  test('listed by the Action: no page, a remembered result with the id and secret goes back at once, no visit opened', async () => {
    const page = await enter({ REMEMBER_DAYS: '30' }, [credential.id]);
    expect(page.statusCode).toBe(200);
    const form = continueFormOf(page.body)!;
    expect(form.action).toBe(`https://${TENANT_HOST}/continue`);
    expect(form.state).toBe(STATE);
    expect(decodeResult(form.sessionToken).outcome).toEqual({
      kind: 'remembered',
      deviceId: credential.id,
      deviceSecret: credential.secret,
    });
    expect(setCookieHeaders({ statusCode: 200, headers: page.headers, body: '' }).some((c) => c.startsWith(FLOW_COOKIE))).toBe(false);
  });

  test.each<[string, Record<string, string>, string[] | undefined, string | undefined]>([
    ['the Action does not list it (expired or revoked)', { REMEMBER_DAYS: '30' }, ['AAAAAAAAAAAAAAAA'], undefined],
    ['the Action lists none', { REMEMBER_DAYS: '30' }, undefined, undefined],
    ['the forms server has it off', {}, [credential.id], undefined],
    [
      "another user's cookie",
      { REMEMBER_DAYS: '30' },
      [credential.id],
      `${deviceCookieName(SECRET, TENANT_HOST, 'auth0|other')}=${deviceCookieValue(credential)}`,
    ],
    ['a malformed cookie', { REMEMBER_DAYS: '30' }, [credential.id], `${COOKIE}=v1.${credential.id}.short`],
  ])('the code page as usual when %s', async (_name, env, devices, cookie) => {
    const page = await enter(env, devices, cookie);
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/2fa/flow');
  });
});
