/**
 * The forms server's last page posts the result to the tenant's /continue, and the tenant
 * answers with a redirect to the application. In the sandbox the application is
 * http://localhost:<port> (Auth0 also allows http://localhost callbacks for development apps).
 *
 * Regression test for a bug found by this suite: the done and locked pages used to send
 * `form-action 'self' <tenant> https:`; Chromium applies form-action to the redirects that
 * follow a form post, so the redirect to the http application was blocked and the browser
 * stayed on "Signing you in…". Fixed in the forms server (no form-action on those pages).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserDescribe, launchChromium, newPage } from './helpers/browser';
import { enroll, readSignedIn, signInToForms, typeCode } from './helpers/journey';
import { deliveredCode, hideActionLog, startE2eSandbox, type E2eSandbox } from './helpers/sandbox';

browserDescribe()('the result reaches an http://localhost application', () => {
  let browser: Browser | undefined;
  let sandbox: E2eSandbox;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    hideActionLog();
    browser = await launchChromium();
    sandbox = await startE2eSandbox();
    ({ context, page } = await newPage(browser));
  }, 30_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when beforeAll failed before assigning it
    await sandbox?.stop();
  });

  it('after the right code the browser lands on the demo application, with no CSP violation', async () => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    await signInToForms(page, sandbox, sandbox.user('alice@example.com'));
    await enroll(page, 'US', '201 555 0123');
    await typeCode(page, await deliveredCode(sandbox, '2015550123', 'sms'));
    await page.waitForURL((url) => url.origin === sandbox.urls.demo && url.pathname === '/', { timeout: 5000 });
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'sms' });
    expect(violations).toEqual([]);
  }, 20_000);
});
