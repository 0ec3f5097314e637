/**
 * Wrong codes in Chromium: the tries-left notices count down, a right code still signs in;
 * five wrong codes lock the user (the Action is set to a 6-second lock), the application is
 * told access_denied, every login during the lock is refused, and after it the user gets in.
 */
import type { Page } from 'playwright-core';
import { browserDescribe, screenshot } from './helpers/browser';
import {
  clickAndLoad,
  enroll,
  heading,
  noticeText,
  readDemoError,
  readSignedIn,
  recordRequests,
  signInToForms,
  typeCode,
  typeWrongCode,
  waitForDemoCallback,
  waitForDemoHome,
  waitForForms,
} from './helpers/journey';
import { LOCK_SECONDS, deliveredCode, wrongCode, type E2eSandbox, useBrowserSession } from './helpers/sandbox';

const LOCKED_REASON =
  /^Too many wrong codes\. Two-step verification is locked until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in \d+ minutes?\)\.$/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

browserDescribe()('wrong codes and the lock in Chromium', () => {
  let sandbox: E2eSandbox;
  let page: Page;
  useBrowserSession((session) => ({ sandbox, page } = session));

  it('two wrong codes show "4 tries left" then "3 tries left"; the right code then signs in', async () => {
    await signInToForms(page, sandbox, sandbox.user('alice@example.com'));
    await enroll(page, 'US', '201 555 0123');

    await typeWrongCode(page, await wrongCode(sandbox, '2015550123'));
    expect(await noticeText(page)).toBe('That code is not right. 4 tries left.');
    expect(await page.locator('#code').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#notice').getAttribute('role')).toBe('alert');

    await typeWrongCode(page, await wrongCode(sandbox, '2015550123'));
    expect(await noticeText(page)).toBe('That code is not right. 3 tries left.');
    await screenshot(page, 'code-wrong');

    await typeCode(page, await deliveredCode(sandbox, '2015550123', 'sms'));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'sms' });
  }, 40_000);

  it('five wrong codes lock: locked page, access denied, logins refused during the lock, then allowed again', async () => {
    const bob = sandbox.user('bob@example.com');
    await signInToForms(page, sandbox, bob);
    await enroll(page, 'US', '201 555 0177');

    for (const left of [4, 3, 2, 1]) {
      await typeWrongCode(page, await wrongCode(sandbox, '2015550177'));
      // Singular or plural: the wording of "1 try left" is checked on its own below.
      expect(await noticeText(page)).toMatch(new RegExp(`^That code is not right\\. ${left} tr(y|ies) left\\.$`));
    }
    await typeWrongCode(page, await wrongCode(sandbox, '2015550177'));
    // The forms server rounds the lock's end up to the second.
    const lockEndsBy = Date.now() + (LOCK_SECONDS + 1) * 1000;
    expect(await heading(page)).toBe('Too many wrong codes');
    expect(await page.locator('[role=alert]').innerText()).toMatch(/locked until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in \d+ minutes?\)\./);
    expect(await page.locator('#code').count()).toBe(0);
    await screenshot(page, 'locked');

    await page.getByRole('button', { name: 'Back to the application' }).click();
    await waitForDemoCallback(page, sandbox);
    const denied = await readDemoError(page);
    expect(denied.heading).toBe('Access denied');
    expect(denied.error).toBe('access_denied');
    expect(denied.description).toMatch(LOCKED_REASON);
    await screenshot(page, 'demo-locked');

    // During the lock the Action refuses the login itself: the browser never reaches the forms server.
    const formsRequests = recordRequests(page, sandbox.urls.forms);
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForDemoCallback(page, sandbox);
    expect(Date.now()).toBeLessThan(lockEndsBy);
    const refused = await readDemoError(page);
    expect(refused.error).toBe('access_denied');
    expect(refused.description).toMatch(LOCKED_REASON);
    expect(formsRequests).toEqual([]);

    await sleep(Math.max(0, lockEndsBy - Date.now()) + 500);
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForForms(page, sandbox);
    // The number was never confirmed, so the user enrolls again; the counter starts afresh.
    expect(await heading(page)).toBe('Protect your account');
    await enroll(page, 'US', '201 555 0177');
    await typeWrongCode(page, await wrongCode(sandbox, '2015550177'));
    expect(await noticeText(page)).toBe('That code is not right. 4 tries left.');
    await typeCode(page, await deliveredCode(sandbox, '2015550177', 'sms'));
    await waitForDemoHome(page, sandbox);
    const signedIn = await readSignedIn(page);
    expect(signedIn.heading).toBe('Signed in as Bob Example');
    expect(signedIn.secondFactor).toEqual({ provider: 'authy', method: 'sms' });
  }, 60_000);

  // The last try is singular in every language (Intl.PluralRules picks the catalogue's form).
  test('the last try is worded in the singular: "1 try left"', async () => {
    await signInToForms(page, sandbox, sandbox.user('carol@example.com'));
    await enroll(page, 'US', '201 555 0188');
    for (let n = 0; n < 4; n++) await typeWrongCode(page, await wrongCode(sandbox, '2015550188'));
    expect(await noticeText(page)).toBe('That code is not right. 1 try left.');
  }, 40_000);
});
