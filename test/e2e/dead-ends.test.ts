/**
 * No dead ends, no unearned lost tries, in Chromium against the whole sandbox, as a first-time
 * user meets them: Back after signing in, the sign-in link opened again in another browser, the
 * stand-in tenant's own error pages: each offers a working way on. A new user without the Authy
 * app gets the first code by SMS; a code Authy reports as already used costs no try; earlier
 * wrong codes are said to count; a refresh keeps the second_factor claim; approving a push on the
 * phone page says so.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { browserDescribe, newPage, screenshot } from './helpers/browser';
import {
  clickAndLoad,
  enroll,
  heading,
  noticeText,
  openLoginFromDemo,
  readSignedIn,
  signInToForms,
  signOut,
  submitPassword,
  typeCode,
  typeWrongCode,
  waitForDemoHome,
  waitForForms,
} from './helpers/journey';
import { appCode, deliveredCode, readPhone, wrongCode, type E2eSandbox, useBrowserSession } from './helpers/sandbox';

const PHONE = '2015550123';

browserDescribe()('no dead ends in Chromium', () => {
  let sandbox: E2eSandbox;
  let context: BrowserContext;
  let page: Page;
  useBrowserSession((session) => ({ sandbox, context, page } = session));

  /** Alice enrolls; the first code comes by SMS (no Authy app yet). Returns the forms link Auth0 sent her to. */
  async function aliceSignsIn(): Promise<string> {
    let link = '';
    page.on('request', (request) => {
      if (request.url().startsWith(`${sandbox.urls.forms}/2fa?`)) link = request.url();
    });
    await signInToForms(page, sandbox, sandbox.user('alice@example.com'));
    await enroll(page, 'US', '201 555 0123');
    await typeCode(page, await deliveredCode(sandbox, PHONE, 'sms'));
    await waitForDemoHome(page, sandbox);
    return link;
  }

  it('Back after signing in: the tenant says the sign-in already finished, and its link leads back to the application', async () => {
    await aliceSignsIn();
    await page.goBack();
    await page.waitForURL((url) => url.origin === sandbox.urls.tenant && url.pathname === '/continue');
    expect(await heading(page)).toBe('Sign-in already finished');
    await screenshot(page, 'tenant-finished');
    await clickAndLoad(page, page.getByRole('link', { name: 'Back to Demo application' }));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).heading).toBe('Signed in as Alice Example');
  }, 40_000);

  it('the sign-in link opened again in another browser: "already used", and its button leads back to the application', async () => {
    const link = await aliceSignsIn();
    expect(link).not.toBe('');
    const other = await newPage(context.browser()!);
    try {
      await other.page.goto(link);
      expect(await heading(other.page)).toBe('This link was already used');
      expect(await other.page.locator('main').innerText()).not.toContain('not valid');
      await screenshot(other.page, 'error-link-used');
      await clickAndLoad(other.page, other.page.getByRole('button', { name: 'Back to the application' }));
      // That login finished: the tenant says so and links back to the application.
      expect(await heading(other.page)).toBe('Sign-in already finished');
      await clickAndLoad(other.page, other.page.getByRole('link', { name: 'Back to Demo application' }));
      expect(new URL(other.page.url()).origin).toBe(sandbox.urls.demo);
      expect(await heading(other.page)).toBe('Welcome');
    } finally {
      await other.context.close();
    }
  }, 40_000);

  it("the tenant's own error pages: a known application gets a link back, an unknown one the advice to close the tab", async () => {
    await page.goto(`${sandbox.urls.tenant}/authorize?client_id=sandbox-demo-app&redirect_uri=http://evil.example/cb&response_type=code`);
    expect(await heading(page)).toBe('Callback URL mismatch');
    await clickAndLoad(page, page.getByRole('link', { name: 'Back to Demo application' }));
    expect(new URL(page.url()).origin).toBe(sandbox.urls.demo);

    await page.goto(`${sandbox.urls.tenant}/authorize?client_id=nobody&response_type=code`);
    expect(await page.locator('main').innerText()).toContain('Close this tab, then sign in again from the application.');

    // A forms-server page with nothing known (no visit, no readable link) says the same.
    await page.goto(`${sandbox.urls.forms}/2fa/flow`);
    expect(await page.locator('main').innerText()).toContain('Close this tab, then sign in again from the application.');
  }, 30_000);

  it('a code Authy reports as already used (signing in twice within 30 s) costs no try; earlier wrong codes are said to count', async () => {
    const alice = sandbox.user('alice@example.com');
    await aliceSignsIn();
    await signOut(page, sandbox);

    // Second login: the app code, twice (the second time Authy says it was used).
    await openLoginFromDemo(page, sandbox);
    await submitPassword(page, alice);
    await waitForForms(page, sandbox);
    const code = await appCode(sandbox, PHONE);
    await typeCode(page, code);
    await waitForDemoHome(page, sandbox);
    await signOut(page, sandbox);
    await signInToForms(page, sandbox, alice);
    await typeWrongCode(page, code);
    expect(await noticeText(page)).toBe('That code was already used. No try was lost: wait for the next code, then enter it.');
    await screenshot(page, 'code-reused');
    // Nothing was counted: a wrong code now leaves 4 of 5.
    await typeWrongCode(page, await wrongCode(sandbox, PHONE));
    expect(await noticeText(page)).toBe('That code is not right. 4 tries left.');

    // The next login says that this wrong code still counts.
    await clickAndLoad(page, page.getByRole('button', { name: 'Cancel and go back' }));
    // The tenant session still holds the password: "Sign in again" goes straight to the code page.
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForForms(page, sandbox);
    expect(await page.locator('#tries').innerText()).toBe('4 tries left, including earlier attempts.');
    await screenshot(page, 'code-earlier-attempts');
    await typeWrongCode(page, await wrongCode(sandbox, PHONE));
    expect(await noticeText(page)).toBe('That code is not right. 3 tries left, including earlier attempts.');
  }, 60_000);

  it('a refresh-token exchange keeps the second_factor claim: method refresh, and the method of the login', async () => {
    await aliceSignsIn();
    await clickAndLoad(page, page.getByRole('button', { name: 'Refresh tokens' }));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'refresh', login_method: 'sms' });
  }, 40_000);

  it('approving a push on the phone page says so there', async () => {
    await aliceSignsIn();
    await signOut(page, sandbox);
    await signInToForms(page, sandbox, sandbox.user('alice@example.com'));
    await clickAndLoad(page, page.getByRole('button', { name: 'Send a request to my Authy app' }));
    await screenshot(page, 'push');
    const [request] = (await readPhone(sandbox, PHONE)).pendingApprovals;
    const phonePage = await context.newPage();
    await phonePage.goto(sandbox.urls.phone);
    await clickAndLoad(phonePage, phonePage.locator(`#approve-${request.uuid}`));
    expect(await phonePage.locator('[role=status].answered').innerText()).toBe(
      'Approved. Go back to the sign-in page and press "I approved it".',
    );
    await screenshot(phonePage, 'phone-approved');
    await phonePage.close();
    await page.getByRole('button', { name: 'I approved it' }).click();
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'push' });
  }, 40_000);
});
