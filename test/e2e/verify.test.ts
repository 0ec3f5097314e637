/**
 * Twilio Verify in Chromium, against the whole sandbox started with PROVIDER=verify (the Verify
 * emulator, the stand-in tenant's Action and the forms server configured for Verify): a new user
 * sets up an authenticator app by reading the key shown for manual entry (the QR code beside it
 * encodes the same otpauth URI), computes the TOTP with lib/totp.ts and is signed in; a second
 * login takes a new code; a wrong code counts. Plus an axe check of the setup pages at 375 px.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpQrSvg } from '../../lib/providers/qr';
import { base32Decode, secondsLeft, totp } from '../../lib/totp';
import { PHONE, axeViolations, browserDescribe, isBlocking, launchChromium, newPage, scrollWidth, screenshot } from './helpers/browser';
import {
  clickAndLoad,
  heading,
  noticeText,
  readSignedIn,
  signInToForms,
  signOut,
  typeCode,
  typeWrongCode,
  waitForDemoHome,
} from './helpers/journey';
import { hideActionLog, startE2eSandbox, type E2eSandbox } from './helpers/sandbox';

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

/** The code an authenticator app shows now for this key, waiting for the next step when it is about to change or was used. */
async function appCodeFor(secret: string, used: ReadonlySet<string> = new Set()): Promise<string> {
  for (;;) {
    const now = Date.now();
    const code = totp(base32Decode(secret), now, 6, 30);
    if (secondsLeft(now, 30) >= 3 && !used.has(code)) return code;
    await sleep(500);
  }
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

  it('a new user sets up an authenticator app from the key on the page, signs in; a second login takes a new code; a wrong code counts', async () => {
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
    // The QR code draws exactly the otpauth URI Twilio returned (the same drawing of the same text).
    const uri = `otpauth://totp/Sandbox:localhost?secret=${secret}&issuer=Sandbox&algorithm=SHA1&digits=6&period=30`;
    const expected = await totpQrSvg(uri);
    const modules = (svg: string) => [...svg.matchAll(/ d="([^"]+)"/g)].map((m) => m[1]);
    expect(modules(await page.locator('.qr').innerHTML())).toEqual(modules(expected));
    expect(await qr.getAttribute('viewBox')).toBe(/viewBox="([^"]+)"/.exec(expected)?.[1]);
    const qrPage = await axeViolations(page);
    const width = await scrollWidth(page);
    await screenshot(page, '375-verify-qr');

    const used = new Set<string>();
    const first = await appCodeFor(secret);
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
});
