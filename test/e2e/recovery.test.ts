/**
 * Recovery codes in Chromium, through the whole sandbox (the real bundled Action in the stand-in
 * tenant): the codes shown at enrollment sign in once each ("Lost your phone?"), a used code is
 * refused and counts as a wrong try, all ten used leave none (and no "Lost your phone?"); new codes
 * on request replace the old ones; a new phone after a recovery code replaces the old phone, and
 * with Twilio Verify a new authenticator app replaces the old factor.
 */
import type { Page } from 'playwright-core';
import { screenshot } from './helpers/browser';
import {
  clickAndLoad,
  enroll,
  heading,
  noticeText,
  readDemoError,
  readSignedIn,
  signInToForms,
  signOut,
  typeCode,
  typeWrongCode,
  waitForDemoCallback,
  waitForDemoHome,
  waitForForms,
} from './helpers/journey';
import { appCode, useBrowserSession, wrongCode, type E2eSandbox } from './helpers/sandbox';
import { browserDescribe } from './helpers/browser';
import { appCodeFor, scanKey } from './helpers/qr-scan';

const ALICE = 'alice@example.com';
const ALICE_PHONE = '2015550123';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REFUSED = 'That recovery code is not valid or was already used.';

async function shownCodes(page: Page): Promise<string[]> {
  return (await page.locator('#recovery-codes code').allInnerTexts()).map((code) => code.trim());
}

browserDescribe()('recovery codes in Chromium', () => {
  let sandbox: E2eSandbox;
  let page: Page;
  /** App codes already typed: the emulator, like Authy, takes each code once. */
  let used: Set<string>;
  useBrowserSession((session) => {
    ({ sandbox, page } = session);
    used = new Set();
  });

  async function phoneCode(phone: string): Promise<string> {
    const code = await appCode(sandbox, phone, used);
    used.add(code);
    return code;
  }

  /** Enrolls Alice's phone; returns the ten codes the code page showed. */
  async function enrollAlice(): Promise<string[]> {
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    await enroll(page, 'US', '201 555 0123');
    const codes = await shownCodes(page);
    expect(codes).toHaveLength(10);
    await typeCode(page, await phoneCode(ALICE_PHONE));
    await waitForDemoHome(page, sandbox);
    await signOut(page, sandbox);
    return codes;
  }

  /**
   * Signs Alice in up to the page after a recovery code ("Recovery code entered"). After a denied
   * login the tenant session is still there: "Sign in again" goes straight to the forms server.
   */
  async function useRecoveryCode(code: string, afterDenied = false): Promise<string> {
    if (afterDenied) {
      await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
      await waitForForms(page, sandbox);
    } else {
      await signInToForms(page, sandbox, sandbox.user(ALICE));
    }
    await clickAndLoad(page, page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }));
    expect(await heading(page)).toBe('Use a recovery code');
    await page.locator('#recovery-code').fill(code);
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign in with this code' }));
    expect(await heading(page)).toBe('Recovery code entered');
    return (await page.locator('p[role=status]').innerText()).trim();
  }

  async function continueToApp(): Promise<void> {
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('a recovery code signs in once; used again it is refused and counts as a wrong try', async () => {
    const codes = await enrollAlice();

    // Typed loosely (lower case, spaces for dashes): still the code.
    const left = await useRecoveryCode(codes[3].toLowerCase().replace(/-/g, ' '));
    expect(left).toBe('When you continue, the sign-in checks your code. If it is right, it is used up and you have 9 recovery codes left.');
    await continueToApp();
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'recovery', recovery_codes_left: 9 });
    await signOut(page, sandbox);

    await useRecoveryCode(codes[3]);
    await continueToApp();
    await waitForDemoCallback(page, sandbox);
    expect(await readDemoError(page)).toEqual({ heading: 'Access denied', error: 'access_denied', description: REFUSED });

    // The refused code counted: one wrong code now leaves 3 tries, not 4.
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForForms(page, sandbox);
    await typeWrongCode(page, await wrongCode(sandbox, ALICE_PHONE));
    expect(await noticeText(page)).toBe('That code is not right. 3 tries left, including earlier attempts.');
  }, 90_000);

  it('all ten codes used: none left, and "Lost your phone?" is no longer offered', async () => {
    const codes = await enrollAlice();
    for (const [i, code] of codes.entries()) {
      // The forms server allows 60 requests a minute from one address: half-way, let the minute pass.
      if (i === 5) await sleep(61_000);
      const left = await useRecoveryCode(code);
      expect(left).toContain(`you have ${9 - i} recovery codes left`);
      await continueToApp();
      await waitForDemoHome(page, sandbox);
      expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'recovery', recovery_codes_left: 9 - i });
      await signOut(page, sandbox);
    }
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    expect(await heading(page)).toBe('Enter your code');
    expect(await page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).count()).toBe(0);
    // The way out: new codes, with a code from the phone.
    await clickAndLoad(page, page.getByRole('button', { name: 'Get new recovery codes' }));
    expect(await shownCodes(page)).toHaveLength(10);
  }, 180_000);

  it('new codes on request replace the old ones once a code from the phone is right', async () => {
    const old = await enrollAlice();
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    await clickAndLoad(page, page.getByRole('button', { name: 'Get new recovery codes' }));
    const fresh = await shownCodes(page);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toEqual(old);
    await screenshot(page, 'recovery-codes-new');
    await typeCode(page, await phoneCode(ALICE_PHONE));
    await waitForDemoHome(page, sandbox);
    await signOut(page, sandbox);

    await useRecoveryCode(old[0]);
    await continueToApp();
    await waitForDemoCallback(page, sandbox);
    expect((await readDemoError(page)).description).toBe(REFUSED);

    expect(await useRecoveryCode(fresh[0], true)).toContain('you have 9 recovery codes left');
    await continueToApp();
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toMatchObject({ method: 'recovery', recovery_codes_left: 9 });
  }, 120_000);

  it('a new phone after a recovery code replaces the old one, with new codes', async () => {
    const codes = await enrollAlice();
    await useRecoveryCode(codes[0]);
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up a new phone' }));
    expect(await heading(page)).toBe('Protect your account');
    expect(await page.locator('main').innerText()).toContain('You are setting up a new phone after a recovery code.');
    await enroll(page, 'US', '201 555 0188');
    const fresh = await shownCodes(page);
    expect(fresh).toHaveLength(10);
    await typeCode(page, await phoneCode('2015550188'));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'recovery', recovery_codes_left: 10 });
    await signOut(page, sandbox);

    // The next login asks for the new phone's code; the old codes are gone, the new ones work.
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    await typeCode(page, await phoneCode('2015550188'));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'app' });
    await signOut(page, sandbox);
    await useRecoveryCode(codes[1]);
    await continueToApp();
    await waitForDemoCallback(page, sandbox);
    expect((await readDemoError(page)).description).toBe(REFUSED);
  }, 120_000);
});

browserDescribe()('recovery codes with Twilio Verify in Chromium', () => {
  let sandbox: E2eSandbox;
  let page: Page;
  useBrowserSession((session) => ({ sandbox, page } = session), {}, { provider: 'verify' });

  it('a new authenticator app after a recovery code replaces the old factor, with new codes', async () => {
    const alice = sandbox.user(ALICE);
    await signInToForms(page, sandbox, alice);
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up the app' }));
    const oldKey = await scanKey(page.locator('.qr'));
    const codes = await shownCodes(page);
    expect(codes).toHaveLength(10);
    await typeCode(page, await appCodeFor(oldKey));
    await waitForDemoHome(page, sandbox);
    await signOut(page, sandbox);

    await signInToForms(page, sandbox, alice);
    await clickAndLoad(page, page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }));
    await page.locator('#recovery-code').fill(codes[0]);
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign in with this code' }));
    expect(await heading(page)).toBe('Recovery code entered');
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up a new phone' }));
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up the app' }));
    const newKey = await scanKey(page.locator('.qr'));
    expect(newKey).not.toBe(oldKey);
    const fresh = await shownCodes(page);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => codes.includes(code))).toBe(false);
    const first = await appCodeFor(newKey);
    await typeCode(page, first);
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'recovery', recovery_codes_left: 10 });
    await signOut(page, sandbox);

    // The next login takes the new app's code; the old codes are gone.
    await signInToForms(page, sandbox, alice);
    await typeCode(page, await appCodeFor(newKey, new Set([first])));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'app' });
  }, 120_000);
});
