/**
 * SMS and voice in Chromium: a new user without the Authy app gets the first code by SMS at once;
 * "Text me a code" and "Call me" deliver a fresh code to the emulator's phone page, and that code
 * signs the user in with the matching method claim.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { browserDescribe, screenshot } from './helpers/browser';
import { askFor, enroll, heading, noticeText, readSignedIn, signInToForms, signOut, typeCode, waitForDemoHome } from './helpers/journey';
import { deliveredCode, readPhone, type E2eSandbox, useBrowserSession } from './helpers/sandbox';

const PHONE = '2015550123';

browserDescribe()('SMS and voice fallbacks in Chromium', () => {
  let sandbox: E2eSandbox;
  let context: BrowserContext;
  let page: Page;
  useBrowserSession((session) => ({ sandbox, context, page } = session));

  it('a new user gets the first code by SMS; "Text me a code" and "Call me" on later logins: each delivered code works', async () => {
    const alice = sandbox.user('alice@example.com');
    await signInToForms(page, sandbox, alice);
    await enroll(page, 'US', '201 555 0123');
    // No Authy app for this new number: the first code is texted at once.
    expect((await readPhone(sandbox, PHONE)).messages.map((m) => m.channel)).toEqual(['sms']);
    const first = await deliveredCode(sandbox, PHONE, 'sms');
    await typeCode(page, first);
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'sms' });

    await signOut(page, sandbox);
    await signInToForms(page, sandbox, alice);
    expect(await page.locator('main').innerText()).toContain('Open the Authy app');
    await askFor(page, 'sms');
    expect(await noticeText(page)).toBe('We sent a code by text message.');
    expect(await page.locator('#notice').getAttribute('role')).toBe('status');
    // After "Text me a code" the page no longer points at the app alone.
    expect(await page.locator('main').innerText()).toContain('We texted a code to your phone.');
    expect(await page.locator('main').innerText()).not.toContain('Open the Authy app on your phone');
    await screenshot(page, 'code-sms-sent');
    const sms = await deliveredCode(sandbox, PHONE, 'sms');
    expect(sms).not.toBe(first);

    // The phone page shows the same message to a person.
    const phonePage = await context.newPage();
    await phonePage.goto(sandbox.urls.phone);
    expect((await phonePage.locator('.messages .code[data-channel=sms]').first().innerText()).replace(/\D/g, '')).toBe(sms);
    await screenshot(phonePage, 'phone-page-sms');
    await phonePage.close();

    await typeCode(page, sms);
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'sms' });

    await signOut(page, sandbox);
    await signInToForms(page, sandbox, alice);
    expect(await heading(page)).toBe('Enter your code');
    await askFor(page, 'call');
    expect(await noticeText(page)).toBe('We are calling your phone with a code.');
    expect(await page.locator('main').innerText()).toContain('We are calling your phone with a code. Enter it here.');
    const call = await deliveredCode(sandbox, PHONE, 'call');
    expect(call).not.toBe(sms);
    await typeCode(page, call);
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'call' });
  }, 40_000);
});
