/**
 * The main journeys in Chromium against the whole sandbox (demo application, stand-in tenant
 * running the bundled Action, forms server, Authy emulator): a new user enrolls and signs in,
 * comes back to the code page, approves a push; a second login in the session is not asked
 * again; prompt=none without 2FA is refused; Cancel ends with access_denied.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { browserDescribe, screenshot } from './helpers/browser';
import {
  clickAndLoad,
  enroll,
  heading,
  openLoginFromDemo,
  readDemoError,
  readSignedIn,
  recordRequests,
  signInToForms,
  signOut,
  submitPassword,
  typeCode,
  waitForDemoCallback,
  waitForDemoHome,
  waitForForms,
} from './helpers/journey';
import { deliveredCode, readPhone, type E2eSandbox, useBrowserSession } from './helpers/sandbox';

const ALICE_PHONE = '2015550123';

browserDescribe()('sign-in journeys in Chromium', () => {
  let sandbox: E2eSandbox;
  let context: BrowserContext;
  let page: Page;
  useBrowserSession((session) => ({ sandbox, context, page } = session));

  /** A new user all the way to the demo application, second factor by the code texted at enrollment. */
  async function enrollAndSignIn(email: string, phone: string): Promise<void> {
    await signInToForms(page, sandbox, sandbox.user(email));
    await enroll(page, 'US', phone);
    await typeCode(page, await deliveredCode(sandbox, phone.replace(/\D/g, ''), 'sms'));
    await waitForDemoHome(page, sandbox);
  }

  it('new user (no Authy app yet): enrolls a phone, gets the first code by SMS, is signed in with the 2FA claim; next time gets the code page and can approve a push', async () => {
    const alice = sandbox.user('alice@example.com');
    await signInToForms(page, sandbox, alice);
    expect(await heading(page)).toBe('Protect your account');
    expect(await page.locator('#country').inputValue()).toBe('US');
    await screenshot(page, 'enroll');

    await enroll(page, 'US', '201 555 0123');
    expect(await heading(page)).toBe('Enter your code');
    // Authy reports no app for the new number: the first code went by SMS, and the page says so.
    expect(await page.locator('main').innerText()).toContain('We texted a code to your phone.');
    expect(await page.locator('main').innerText()).not.toContain('Enter the code from the Authy app');
    await screenshot(page, 'code-enrolling');

    // The emulator registered the number the user typed and delivered the SMS; its code signs the user in.
    const phone = await readPhone(sandbox, ALICE_PHONE);
    expect(phone.countryCode).toBe('1');
    expect(phone.messages.map((m) => m.channel)).toEqual(['sms']);
    await typeCode(page, await deliveredCode(sandbox, ALICE_PHONE, 'sms'));
    await waitForDemoHome(page, sandbox);
    const signedIn = await readSignedIn(page);
    expect(signedIn.heading).toBe('Signed in as Alice Example');
    expect(signedIn.claimName).toBe(`${sandbox.urls.forms}/second_factor`);
    expect(signedIn.secondFactor).toEqual({ provider: 'authy', method: 'sms' });
    await screenshot(page, 'demo-signed-in');

    // Signed out of the app and the tenant: the next login asks for a code, not for a phone.
    await signOut(page, sandbox);
    expect(await heading(page)).toBe('Welcome');
    await openLoginFromDemo(page, sandbox);
    expect(await page.locator('#password').count()).toBe(1);
    await submitPassword(page, alice);
    await waitForForms(page, sandbox);
    expect(await heading(page)).toBe('Enter your code');
    expect(await page.locator('#phone').count()).toBe(0);
    expect(await page.locator('main').innerText()).toContain('Open the Authy app on your phone');
    expect(await page.locator('form[action="/2fa/change-number"]').count()).toBe(0);
    await screenshot(page, 'code-enrolled');

    // Push: "I approved it" before approving says not yet; approving on the phone page signs in.
    await clickAndLoad(page, page.getByRole('button', { name: 'Send a request to my Authy app' }));
    expect(await heading(page)).toBe('Approve the request');
    await screenshot(page, 'push');
    await clickAndLoad(page, page.getByRole('button', { name: 'I approved it' }));
    expect(await page.locator('#notice').innerText()).toContain('not approved yet');

    const [request] = (await readPhone(sandbox, ALICE_PHONE)).pendingApprovals;
    expect(request).toBeDefined();
    const phonePage = await context.newPage();
    await phonePage.goto(sandbox.urls.phone);
    expect(await phonePage.locator('[data-app-code]').count()).toBeGreaterThan(0);
    await screenshot(phonePage, 'phone-page');
    await clickAndLoad(phonePage, phonePage.locator(`#approve-${request.uuid}`));
    await phonePage.close();

    await page.getByRole('button', { name: 'I approved it' }).click();
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'push' });
  }, 60_000);

  it('a second login in the same session is not asked for 2FA again; silent sign-in passes once 2FA is done', async () => {
    await enrollAndSignIn('bob@example.com', '201 555 0144');
    const formsRequests = recordRequests(page, sandbox.urls.forms);

    // The application starts a new login while the tenant session holds our method.
    await page.goto(`${sandbox.urls.demo}/login`);
    await waitForDemoHome(page, sandbox);
    const again = await readSignedIn(page);
    expect(again.heading).toBe('Signed in as Bob Example');
    expect(again.secondFactor).toEqual({ provider: 'authy', method: 'session' });

    await clickAndLoad(page, page.getByRole('link', { name: 'Silent sign-in again' }));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'session' });
    expect(formsRequests).toEqual([]);
  }, 40_000);

  it('prompt=none is refused without a session, and refused when the session has a password but no 2FA', async () => {
    const formsRequests = recordRequests(page, sandbox.urls.forms);
    await openLoginFromDemo(page, sandbox, 'Try a silent sign-in (prompt=none)');
    await waitForDemoCallback(page, sandbox);
    expect(await readDemoError(page)).toEqual({ heading: 'Sign-in failed', error: 'login_required', description: 'Login required' });

    // Password accepted, 2FA page shown but left: the tenant session exists without our method.
    await signInToForms(page, sandbox, sandbox.user('carol@example.com'));
    expect(await heading(page)).toBe('Protect your account');
    const visitsBefore = formsRequests.length;
    await openLoginFromDemo(page, sandbox, 'Try a silent sign-in (prompt=none)');
    await waitForDemoCallback(page, sandbox);
    expect(await readDemoError(page)).toEqual({
      heading: 'Access denied',
      error: 'access_denied',
      description: 'Two-step verification needs an interactive sign-in.',
    });
    expect(formsRequests.length).toBe(visitsBefore);
  }, 40_000);

  it('Cancel on the enrollment page ends the login with access_denied at the application', async () => {
    await signInToForms(page, sandbox, sandbox.user('alice@example.com'));
    await page.getByRole('button', { name: 'Cancel and go back' }).click();
    await waitForDemoCallback(page, sandbox);
    expect(await readDemoError(page)).toEqual({
      heading: 'Access denied',
      error: 'access_denied',
      description: 'Two-step verification was cancelled.',
    });
    await screenshot(page, 'demo-access-denied');

    // Nothing was enrolled: the next login asks for a phone again.
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForForms(page, sandbox);
    expect(await heading(page)).toBe('Protect your account');
  }, 40_000);
});
