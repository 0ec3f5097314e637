/**
 * Twilio Verify in Chromium, against the whole sandbox started with PROVIDER=verify (the Verify
 * emulator, the stand-in tenant's Action and the forms server configured for Verify): a new user
 * sets up an authenticator app by scanning the QR code (a screenshot decoded by jsQR; the key shown
 * for manual entry is the same), computes the TOTP with lib/totp.ts and is signed in; a second
 * login takes a new code; a wrong code counts. Plus an axe check of the setup pages at 375 px.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { base32Decode, totp } from '../../lib/totp';
import { PHONE, axeViolations, browserDescribe, isBlocking, launchChromium, newPage, scrollWidth, screenshot } from './helpers/browser';
import {
  clickAndLoad,
  heading,
  noticeText,
  readDemoError,
  readSignedIn,
  recordRequests,
  signInToForms,
  signOut,
  typeCode,
  typeWrongCode,
  waitForDemoCallback,
  waitForDemoHome,
  waitForForms,
} from './helpers/journey';
import { appCodeFor, scanKey, scanQr } from './helpers/qr-scan';
import { LOCK_SECONDS, hideActionLog, startE2eSandbox, type E2eSandbox } from './helpers/sandbox';

interface PhoneFactor {
  factor_sid: string;
  friendly_name: string;
  status: string;
  code: string;
}

async function factors(sandbox: E2eSandbox): Promise<PhoneFactor[]> {
  const response = await fetch(`${sandbox.verify?.url ?? ''}/phone.json`);
  const body = (await response.json()) as { factors: PhoneFactor[] };
  return body.factors;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets up the authenticator app of a new user from the scanned QR code and signs in; returns the app's key and the codes used. */
async function enrollWithApp(page: Page, sandbox: E2eSandbox, email: string): Promise<{ secret: string; used: Set<string> }> {
  await signInToForms(page, sandbox, sandbox.user(email));
  await clickAndLoad(page, page.getByRole('button', { name: 'Set up the app' }));
  const secret = await scanKey(page.locator('.qr'));
  const used = new Set([await appCodeFor(secret)]);
  await typeCode(page, [...used][0]);
  await waitForDemoHome(page, sandbox);
  await signOut(page, sandbox);
  return { secret, used };
}

browserDescribe()('Twilio Verify in Chromium', () => {
  let browser: Browser | undefined;
  let sandbox: E2eSandbox;
  let context: BrowserContext | undefined;
  let page: Page;
  let cspErrors: string[];

  beforeAll(async () => {
    hideActionLog();
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    sandbox = await startE2eSandbox({ provider: 'verify' });
    if (!browser) throw new Error('Chromium did not start');
    ({ context, page } = await newPage(browser, { viewport: PHONE }));
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

  it('a new user sets up an authenticator app from the scanned QR code, signs in; a second login takes a new code; a wrong code counts', async () => {
    const alice = sandbox.user('alice@example.com');
    await signInToForms(page, sandbox, alice);
    expect(await heading(page)).toBe('Set up an authenticator app');
    const setup = await axeViolations(page);
    await screenshot(page, '375-verify-setup');
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up the app' }));

    // The key for manual entry, and the QR code beside it (an inline SVG that renders under the page's CSP).
    const secret = (await page.locator('#secret').innerText()).replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{26,}$/);
    const qr = page.locator('.qr[role=img] svg');
    expect(await qr.count()).toBe(1);
    const box = await qr.boundingBox();
    expect(box ? box.width : 0).toBeGreaterThan(100);
    // The emulator's factor is this user's new, unverified one, and its current code is the key's.
    const factor = (await factors(sandbox)).at(0);
    expect(factor).toMatchObject({ status: 'unverified', friendly_name: 'localhost' });
    // Read just before: the code of now, or of the step that just ended.
    const now = Date.now();
    expect([now, now - 30_000].map((at) => totp(base32Decode(secret), at, 6, 30))).toContain(factor?.code);
    // Scanned as a phone would (a screenshot decoded by jsQR): the otpauth URI Twilio returned, with the key shown beside it.
    const uri = `otpauth://totp/Sandbox:localhost?secret=${secret}&issuer=Sandbox&algorithm=SHA1&digits=6&period=30`;
    const scanned = await scanQr(page.locator('.qr'));
    expect(scanned).toBe(uri);
    const scannedSecret = new URL(scanned).searchParams.get('secret') ?? '';
    expect(scannedSecret).toBe(secret);
    const qrPage = await axeViolations(page);
    const width = await scrollWidth(page);
    await screenshot(page, '375-verify-qr');

    const used = new Set<string>();
    // The app set up from the scan gives the first code.
    const first = await appCodeFor(scannedSecret);
    used.add(first);
    await typeCode(page, first);
    await waitForDemoHome(page, sandbox);
    const signedIn = await readSignedIn(page);
    expect(signedIn.secondFactor).toEqual({ provider: 'verify', method: 'app' });
    expect((await factors(sandbox))[0]?.status).toBe('verified');

    // Second login: the code page (no QR, no key), a wrong code counts, then a new code signs in.
    await signOut(page, sandbox);
    await signInToForms(page, sandbox, alice);
    expect(await heading(page)).toBe('Enter your code');
    expect(await page.locator('.qr').count()).toBe(0);
    expect(await page.locator('form[action="/2fa/send"]').count()).toBe(0);
    await typeWrongCode(page, first === '000000' ? '111111' : '000000');
    expect(await noticeText(page)).toContain('4 tries left');
    const codePage = await axeViolations(page);
    await screenshot(page, '375-verify-code-error');
    await typeCode(page, await appCodeFor(secret, used));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'app' });

    expect([...setup, ...qrPage, ...codePage].filter(isBlocking)).toEqual([]);
    expect(width).toBeLessThanOrEqual(PHONE.width);
    expect(cspErrors).toEqual([]);
  }, 90_000);

  it('five wrong codes lock the Verify user: locked page, access denied, refused during the lock, then a right code signs in', async () => {
    const { secret, used } = await enrollWithApp(page, sandbox, 'bob@example.com');
    await signInToForms(page, sandbox, sandbox.user('bob@example.com'));
    expect(await heading(page)).toBe('Enter your code');
    const wrong = (): string => {
      const right = totp(base32Decode(secret), Date.now(), 6, 30);
      return right === '000000' ? '111111' : '000000';
    };
    for (const left of [4, 3, 2, 1]) {
      await typeWrongCode(page, wrong());
      expect(await noticeText(page)).toMatch(new RegExp(`${left} tr(y|ies) left`));
    }
    await typeWrongCode(page, wrong());
    const lockEndsBy = Date.now() + (LOCK_SECONDS + 1) * 1000;
    expect(await heading(page)).toBe('Too many wrong codes');
    await page.getByRole('button', { name: 'Back to the application' }).click();
    await waitForDemoCallback(page, sandbox);
    expect(await readDemoError(page)).toMatchObject({
      error: 'access_denied',
      description: expect.stringMatching(/^Too many wrong codes/),
    });

    // During the lock the Action refuses by itself: no visit to the forms server.
    const formsRequests = recordRequests(page, sandbox.urls.forms);
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForDemoCallback(page, sandbox);
    expect(Date.now()).toBeLessThan(lockEndsBy);
    expect((await readDemoError(page)).error).toBe('access_denied');
    expect(formsRequests).toEqual([]);

    await sleep(Math.max(0, lockEndsBy - Date.now()) + 500);
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForForms(page, sandbox);
    expect(await heading(page)).toBe('Enter your code');
    await typeCode(page, await appCodeFor(secret, used));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'app' });
  }, 90_000);

  it('Cancel on the Verify code page ends the login with access_denied, and the factor stays for the next login', async () => {
    const { secret, used } = await enrollWithApp(page, sandbox, 'alice@example.com');
    await signInToForms(page, sandbox, sandbox.user('alice@example.com'));
    await page.getByRole('button', { name: 'Cancel and go back' }).click();
    await waitForDemoCallback(page, sandbox);
    expect(await readDemoError(page)).toMatchObject({ error: 'access_denied', description: expect.stringMatching(/cancelled/) });
    await clickAndLoad(page, page.getByRole('link', { name: 'Sign in again' }));
    await waitForForms(page, sandbox);
    expect(await heading(page)).toBe('Enter your code');
    await typeCode(page, await appCodeFor(secret, used));
    await waitForDemoHome(page, sandbox);
    expect((await factors(sandbox)).map((f) => f.status)).toEqual(['verified']);
  }, 60_000);
});
