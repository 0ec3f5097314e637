/**
 * Every page of the login at 375 px wide in Chromium: axe-core finds no serious or critical
 * violation, nothing scrolls sideways, and no Content Security Policy violation is reported.
 * Each page is also saved as a screenshot (test-output/screenshots/375-*.png); the counts per
 * impact go to test-output/axe-summary.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  PHONE,
  axeViolations,
  browserDescribe,
  isBlocking,
  launchChromium,
  newPage,
  overflowing,
  screenshot,
  scrollWidth,
  type AxeViolation,
} from './helpers/browser';
import {
  askFor,
  clickAndLoad,
  enroll,
  heading,
  openLoginFromDemo,
  signInToForms,
  signOut,
  submitPassword,
  typeCode,
  typeWrongCode,
  waitForDemoCallback,
  waitForDemoHome,
  waitForForms,
} from './helpers/journey';
import { appCode, deliveredCode, hideActionLog, startE2eSandbox, wrongCode, type E2eSandbox } from './helpers/sandbox';

interface PageAudit {
  page: string;
  violations: AxeViolation[];
  scrollWidth: number;
  /** Elements reaching past the 375 px viewport. */
  overflowing: string[];
}

const SUMMARY = join(__dirname, '..', '..', 'test-output', 'axe-summary.json');

browserDescribe()('accessibility and 375 px layout in Chromium', () => {
  let browser: Browser | undefined;
  let sandbox: E2eSandbox;
  let context: BrowserContext | undefined;
  let page: Page;
  let cspErrors: string[];
  const audits: PageAudit[] = [];

  beforeAll(async () => {
    hideActionLog();
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    const byPage = audits.map((a) => ({
      page: a.page,
      scrollWidth: a.scrollWidth,
      impacts: a.violations.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v.impact]: (acc[v.impact] ?? 0) + 1 }), {}),
      violations: a.violations,
    }));
    if (audits.length === 0) return;
    mkdirSync(join(SUMMARY, '..'), { recursive: true });
    writeFileSync(SUMMARY, `${JSON.stringify(byPage, null, 2)}\n`);
  });
  beforeEach(async () => {
    sandbox = await startE2eSandbox();
    ({ context, page } = await newPage(browser!, { viewport: PHONE }));
    cspErrors = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) cspErrors.push(message.text());
    });
  });
  afterEach(async () => {
    await context?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when beforeEach failed before assigning it
    await sandbox?.stop();
  });

  /** Audits the page as it is now and saves its screenshot; the assertions come at the end of each test. */
  async function audit(name: string, target: Page = page): Promise<void> {
    audits.push({
      page: name,
      violations: await axeViolations(target),
      scrollWidth: await scrollWidth(target),
      overflowing: await overflowing(target),
    });
    await screenshot(target, `375-${name}`);
  }

  function expectAllPass(names: string[]): void {
    const mine = audits.filter((a) => names.includes(a.page));
    expect(mine.map((a) => a.page).sort()).toEqual([...names].sort());
    expect(
      mine.filter((a) => a.violations.some(isBlocking)).map((a) => ({ page: a.page, violations: a.violations.filter(isBlocking) })),
    ).toEqual([]);
    expect(mine.filter((a) => a.scrollWidth > PHONE.width).map((a) => ({ page: a.page, scrollWidth: a.scrollWidth }))).toEqual([]);
    expect(mine.filter((a) => a.overflowing.length > 0).map((a) => ({ page: a.page, overflowing: a.overflowing }))).toEqual([]);
    expect(cspErrors).toEqual([]);
  }

  it('a new user: demo home, login, enrollment (also with an error), code page (with an error, after an SMS), done, signed in', async () => {
    // Keep the done page on screen: its script would post it to /continue at once.
    await page.route(`${sandbox.urls.forms}/2fa/static/continue.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: '' }),
    );

    await page.goto(`${sandbox.urls.demo}/`);
    await audit('demo-home');
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in', exact: true }));
    await audit('tenant-login');
    // The demo users' emails are never broken mid-word: each stays on one line.
    const brokenEmails = await page
      .locator('main code')
      .evaluateAll((codes) => codes.filter((c) => c.textContent.includes('@') && c.getClientRects().length > 1).map((c) => c.textContent));
    expect(brokenEmails).toEqual([]);
    expect(await page.locator('main code', { hasText: '@' }).count()).toBe(3);
    await submitPassword(page, sandbox.user('alice@example.com'));
    await waitForForms(page, sandbox);
    await audit('enroll');

    await enroll(page, 'US', '555 12');
    expect(await page.locator('#notice[role=alert]').count()).toBe(1);
    await audit('enroll-error');

    await enroll(page, 'US', '201 555 0123');
    // No Authy app yet: the first code was texted, and the page says so.
    expect(await page.locator('main').innerText()).toContain('We texted a code to your phone.');
    await audit('code-sms-sent');
    await typeWrongCode(page, await wrongCode(sandbox, '2015550123'));
    expect(await page.locator('#notice[role=alert]').innerText()).toContain('4 tries left');
    await audit('code-error');

    await typeCode(page, await deliveredCode(sandbox, '2015550123', 'sms'));
    await page.waitForSelector('form#continue');
    expect(await heading(page)).toBe('Signing you in…');
    await audit('done');
    await page.locator('form#continue button').click();
    await waitForDemoHome(page, sandbox);
    await audit('demo-signed-in');
    // After a refresh the claim is longer (method refresh, login_method): it still wraps at 375 px.
    await clickAndLoad(page, page.getByRole('button', { name: 'Refresh tokens' }));
    await audit('demo-refreshed');

    const pages = [
      'demo-home',
      'tenant-login',
      'enroll',
      'enroll-error',
      'code-sms-sent',
      'code-error',
      'done',
      'demo-signed-in',
      'demo-refreshed',
    ];
    expectAllPass(pages);
    // The changed ones (login list, SMS wording, claim table): no violation of any impact.
    const changed = ['tenant-login', 'code-sms-sent', 'demo-signed-in', 'demo-refreshed'];
    expect(audits.filter((a) => changed.includes(a.page)).flatMap((a) => a.violations)).toEqual([]);
  }, 40_000);

  it('an enrolled user: code page, push, locked, access denied; a bad link; the phone page', async () => {
    const bob = sandbox.user('bob@example.com');
    await signInToForms(page, sandbox, bob);
    await enroll(page, 'US', '201 555 0144');
    await typeCode(page, await appCode(sandbox, '2015550144'));
    await waitForDemoHome(page, sandbox);
    await signOut(page, sandbox);

    await openLoginFromDemo(page, sandbox);
    await submitPassword(page, bob);
    await waitForForms(page, sandbox);
    await audit('code-enrolled');
    await askFor(page, 'sms');
    expect(await page.locator('#notice[role=status]').count()).toBe(1);
    await audit('code-sms-asked');
    await clickAndLoad(page, page.getByRole('button', { name: 'Send a request to my Authy app' }));
    await audit('push');
    // Its two buttons keep apart.
    const [check, back] = await Promise.all(
      ['I approved it', 'Enter a code instead'].map((name) => page.getByRole('button', { name }).boundingBox()),
    );
    expect((back?.y ?? 0) - ((check?.y ?? 0) + (check?.height ?? 0))).toBeGreaterThanOrEqual(8);
    await clickAndLoad(page, page.getByRole('button', { name: 'Enter a code instead' }));

    // The withdrawn push counted as one failure: four wrong codes reach the limit of five.
    for (let n = 0; n < 4; n++) await typeWrongCode(page, await wrongCode(sandbox, '2015550144'));
    expect(await heading(page)).toBe('Too many wrong codes');
    await audit('locked');
    await page.getByRole('button', { name: 'Back to the application' }).click();
    await waitForDemoCallback(page, sandbox);
    await audit('demo-access-denied');

    // A link that was not signed by the Action: the forms server's error page.
    await page.goto(`${sandbox.urls.forms}/2fa?state=abc&session_token=not-a-token`);
    expect(await heading(page)).toBe('Something went wrong');
    await audit('error-bad-link');

    await page.goto(sandbox.urls.phone);
    await audit('phone');

    expectAllPass(['code-enrolled', 'code-sms-asked', 'push', 'locked', 'demo-access-denied', 'error-bad-link', 'phone']);
  }, 40_000);

  it('the ways on: the tenant after Back, a used link, a page with nothing known, earlier attempts, an approved push', async () => {
    let link = '';
    page.on('request', (request) => {
      if (request.url().startsWith(`${sandbox.urls.forms}/2fa?`)) link = request.url();
    });
    const alice = sandbox.user('alice@example.com');
    await signInToForms(page, sandbox, alice);
    await enroll(page, 'US', '201 555 0123');
    await typeCode(page, await deliveredCode(sandbox, '2015550123', 'sms'));
    await waitForDemoHome(page, sandbox);
    await page.goBack();
    await page.waitForURL((url) => url.origin === sandbox.urls.tenant);
    expect(await heading(page)).toBe('Sign-in already finished');
    await audit('tenant-finished');

    const other = await newPage(browser!, { viewport: PHONE });
    await other.page.goto(link);
    expect(await heading(other.page)).toBe('This link was already used');
    await audit('error-link-used', other.page);
    await other.page.goto(`${sandbox.urls.forms}/2fa/flow`);
    await audit('error-close-tab', other.page);
    await other.context.close();

    await page.goto(`${sandbox.urls.demo}/`);
    await signOut(page, sandbox);
    await signInToForms(page, sandbox, alice);
    await typeWrongCode(page, await wrongCode(sandbox, '2015550123'));
    await clickAndLoad(page, page.getByRole('button', { name: 'Cancel and go back' }));
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForForms(page, sandbox);
    expect(await page.locator('#tries').count()).toBe(1);
    await audit('code-earlier-attempts');

    await clickAndLoad(page, page.getByRole('button', { name: 'Send a request to my Authy app' }));
    const phonePage = await context!.newPage();
    await phonePage.goto(sandbox.urls.phone);
    await clickAndLoad(phonePage, phonePage.locator('button.approve').first());
    expect(await phonePage.locator('.answered').count()).toBe(1);
    await audit('phone-approved', phonePage);

    const changed = ['tenant-finished', 'error-link-used', 'error-close-tab', 'code-earlier-attempts', 'phone-approved'];
    expectAllPass(changed);
    // New and changed pages: no violation of any impact, not only none serious.
    expect(audits.filter((a) => changed.includes(a.page)).flatMap((a) => a.violations)).toEqual([]);
  }, 60_000);

  it('Cancel: the "Sign-in cancelled" page', async () => {
    await page.route(`${sandbox.urls.forms}/2fa/static/continue.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: '' }),
    );
    await signInToForms(page, sandbox, sandbox.user('carol@example.com'));
    await clickAndLoad(page, page.getByRole('button', { name: 'Cancel and go back' }));
    expect(await heading(page)).toBe('Sign-in cancelled');
    await audit('cancelled');
    expectAllPass(['cancelled']);
  }, 30_000);

  it('the audit itself is live: a page made with violations fails it', async () => {
    await page.setContent(
      '<!doctype html><html><body><img src="data:,"><input type="text">' +
        '<p style="color:#ccc;background:#fff">low contrast</p></body></html>',
    );
    const found = await axeViolations(page);
    expect(found.filter(isBlocking).map((v) => v.id)).toEqual(expect.arrayContaining(['image-alt', 'label', 'color-contrast']));
    await page.setViewportSize({ width: PHONE.width, height: PHONE.height });
    await page.setContent('<!doctype html><html><body><div style="width:600px">wide</div></body></html>');
    expect(await scrollWidth(page)).toBeGreaterThan(PHONE.width);
  });
});
