/**
 * "Remember this device" in Chromium against the whole sandbox (REMEMBER_DAYS=30 on the Action
 * and the forms server): ticked at a login, the next login skips the code page and the ID token
 * says `method: "remembered"`; once the stored device has expired, or once it is forgotten (the
 * patch `npm run forget-devices` sends), the code page is back although the browser still holds
 * the cookie. An application that asks for a fresh second factor (acr_values) gets the code page
 * on a remembered device. With Twilio Verify, the box ticked with an authenticator-app code does
 * the same. The code page with the box passes axe at 375 px.
 */
import type { BrowserContext, Cookie, Page } from 'playwright-core';
import { DEVICES_KEY, forgetDevicesPatch, readDevices } from '../../lib/remembered-devices';
import { PHONE, axeViolations, browserDescribe, screenshot, scrollWidth } from './helpers/browser';
import { appCodeFor, scanKey } from './helpers/qr-scan';
import {
  clickAndLoad,
  enroll,
  heading,
  openLoginFromDemo,
  readSignedIn,
  recordRequests,
  signInToForms,
  signOut,
  submitPassword,
  typeCode,
  waitForDemoHome,
  waitForForms,
} from './helpers/journey';
import { appCode, deliveredCode, type E2eSandbox, useBrowserSession } from './helpers/sandbox';

const PHONE_NUMBER = '2015550123';
const DAY_MS = 24 * 3600 * 1000;

browserDescribe()('remember this device in Chromium', () => {
  let sandbox: E2eSandbox;
  let context: BrowserContext;
  let page: Page;
  const used = new Set<string>();
  useBrowserSession((session) => ({ sandbox, context, page } = session), { viewport: PHONE }, { rememberDays: '30' });

  const alice = () => sandbox.user('alice@example.com');
  const storedDevices = () => readDevices(sandbox.userStore.get(alice().user_id)?.app_metadata);

  async function typeFreshCode(): Promise<void> {
    const code = await appCode(sandbox, PHONE_NUMBER, used);
    used.add(code);
    await typeCode(page, code);
    await waitForDemoHome(page, sandbox);
  }

  /** Alice enrolls and signs in, ticking "Don't ask again on this device"; then signs out. */
  async function rememberAlice(): Promise<Cookie> {
    await signInToForms(page, sandbox, alice());
    await enroll(page, 'US', '201 555 0123');
    const box = page.getByRole('checkbox', { name: "Don't ask again on this device for 30 days" });
    expect(await box.isChecked()).toBe(false);
    await box.check();
    // A new number has no Authy app yet: its first code comes by SMS.
    await typeCode(page, await deliveredCode(sandbox, PHONE_NUMBER, 'sms'));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'sms' });
    await signOut(page, sandbox);
    const cookies = (await context.cookies()).filter((c) => c.name.startsWith('__Host-authy2fa_device_'));
    expect(cookies).toHaveLength(1);
    return cookies[0];
  }

  async function loginAgain(): Promise<string[]> {
    const seen = recordRequests(page, sandbox.urls.forms);
    await openLoginFromDemo(page, sandbox);
    await submitPassword(page, alice());
    return seen;
  }

  it('on: the next login skips the code page and the claim says "remembered"; the box passes axe at 375 px', async () => {
    await signInToForms(page, sandbox, alice());
    await enroll(page, 'US', '201 555 0123');
    expect(await heading(page)).toBe('Enter your code');
    await screenshot(page, 'code-remember');
    const violations = await axeViolations(page);
    expect(violations).toEqual([]);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);

    await context.clearCookies();
    const cookie = await rememberAlice();
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(cookie.expires * 1000 - Date.now()).toBeGreaterThan(29 * DAY_MS);
    expect(cookie.expires * 1000 - Date.now()).toBeLessThanOrEqual(30 * DAY_MS + 60_000);

    // The tenant keeps the hash, an expiry and a label: never the secret the cookie holds.
    const [device, ...others] = storedDevices();
    expect(others).toEqual([]);
    expect(device.label).toMatch(/^Chrome, \d{4}-\d{2}-\d{2}$/);
    const secret = cookie.value.split('.')[2];
    expect(JSON.stringify(sandbox.userStore.get(alice().user_id)?.app_metadata)).not.toContain(secret);

    const seen = await loginAgain();
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'remembered' });
    await screenshot(page, 'demo-signed-in-remembered');
    expect(seen).toContain('GET /2fa');
    expect(seen).not.toContain('GET /2fa/flow');
  }, 60_000);

  it('fresh factor: a login whose application asks for multi-factor in acr_values gets the code page on a remembered device', async () => {
    await rememberAlice();
    // The application's /authorize carries the OpenID PAPE multi-factor policy (docs: "Require a fresh second factor").
    // The demo app's sign-in link answers with a redirect to /authorize: the parameter is added to that redirect.
    await page.route(`${sandbox.urls.demo}/login**`, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = new URL(response.headers().location, sandbox.urls.demo);
      expect(location.pathname).toBe('/authorize');
      location.searchParams.set('acr_values', 'http://schemas.openid.net/pape/policies/2007/06/multi-factor');
      await route.fulfill({ response, headers: { ...response.headers(), location: location.href } });
    });
    await loginAgain();
    await waitForForms(page, sandbox);
    expect(await heading(page)).toBe('Enter your code');
    await typeFreshCode();
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'app' });
    // Without it, the same browser is remembered again.
    await page.unrouteAll();
    await signOut(page, sandbox);
    const seen = await loginAgain();
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'remembered' });
    expect(seen).not.toContain('GET /2fa/flow');
  }, 90_000);

  it('expired: once the stored device is past its days, the code page is back although the cookie is still there', async () => {
    await rememberAlice();
    const past = storedDevices().map((d) => ({
      ...d,
      created_at: new Date(Date.now() - 31 * DAY_MS).toISOString(),
      expires_at: new Date(Date.now() - DAY_MS).toISOString(),
    }));
    sandbox.userStore.applyMetadata(alice().user_id, { [DEVICES_KEY]: { v: 1, devices: past } }, {});

    await loginAgain();
    await waitForForms(page, sandbox);
    expect(await heading(page)).toBe('Enter your code');
    expect((await context.cookies()).some((c) => c.name.startsWith('__Host-authy2fa_device_'))).toBe(true);
    await typeFreshCode();
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'app' });
  }, 90_000);

  it('revoked: after forget-devices removes the list, the code page is back', async () => {
    await rememberAlice();
    sandbox.userStore.applyMetadata(alice().user_id, forgetDevicesPatch(), {});
    expect(storedDevices()).toEqual([]);

    await loginAgain();
    await waitForForms(page, sandbox);
    expect(await heading(page)).toBe('Enter your code');
    await typeFreshCode();
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'app' });
  }, 90_000);
});

browserDescribe()('remember this device with Twilio Verify in Chromium', () => {
  let sandbox: E2eSandbox;
  let context: BrowserContext;
  let page: Page;
  useBrowserSession((session) => ({ sandbox, context, page } = session), { viewport: PHONE }, { rememberDays: '30', provider: 'verify' });

  it('ticked with an authenticator-app code, the next login skips the code page; the claim says "remembered"', async () => {
    const alice = sandbox.user('alice@example.com');
    await signInToForms(page, sandbox, alice);
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up the app' }));
    const secret = await scanKey(page.locator('.qr'));
    await page.getByRole('checkbox', { name: "Don't ask again on this device for 30 days" }).check();
    await typeCode(page, await appCodeFor(secret));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'app' });
    await signOut(page, sandbox);
    expect((await context.cookies()).filter((c) => c.name.startsWith('__Host-authy2fa_device_'))).toHaveLength(1);

    const seen = recordRequests(page, sandbox.urls.forms);
    await openLoginFromDemo(page, sandbox);
    await submitPassword(page, alice);
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'remembered' });
    expect(seen).not.toContain('GET /2fa/flow');
  }, 60_000);
});
