/**
 * MOVE_TO_VERIFY in Chromium: a user enrolled with Authy (in a sandbox run with the Authy
 * provider) signs in after the tenant has switched to Verify with MOVE_TO_VERIFY: the code page is
 * still Authy's, and the right Authy code leads, in the same login, to setting up an authenticator
 * app with Verify (the QR code scanned); the user is signed in with Verify, their record names
 * Verify and keeps the Authy id for `migrate-to-verify --remove-from-authy`, and the next login
 * asks for the authenticator app's code only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PHONE, axeViolations, browserDescribe, isBlocking, launchChromium, newPage, screenshot } from './helpers/browser';
import {
  clickAndLoad,
  enroll,
  heading,
  noticeText,
  readSignedIn,
  signInToForms,
  signOut,
  typeCode,
  waitForDemoHome,
} from './helpers/journey';
import { appCodeFor, scanKey } from './helpers/qr-scan';
import { appCode, deliveredCode, hideActionLog, startE2eSandbox, type E2eSandbox } from './helpers/sandbox';

const ALICE = 'alice@example.com';
const ALICE_PHONE = '2015550123';

function storedRecord(dataDir: string, userId: string): Record<string, unknown> {
  const saved = JSON.parse(readFileSync(join(dataDir, 'users.json'), 'utf8')) as {
    users: Partial<Record<string, { app_metadata?: { authy_2fa?: Record<string, unknown> } }>>;
  };
  return saved.users[userId]?.app_metadata?.authy_2fa ?? {};
}

browserDescribe()('moving an Authy user to Verify at their next login (MOVE_TO_VERIFY), in Chromium', () => {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let sandbox: E2eSandbox | undefined;
  let dataDir: string;
  let page: Page;

  beforeAll(async () => {
    hideActionLog();
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'authy-2fa-move-'));
    if (!browser) throw new Error('Chromium did not start');
    ({ context, page } = await newPage(browser, { viewport: PHONE }));
  });
  afterEach(async () => {
    await context?.close();
    await sandbox?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the Authy code, then the authenticator app set up with Verify in the same login; later logins use Verify only', async () => {
    // Before the switch: Alice enrolls with Authy.
    sandbox = await startE2eSandbox({ dataDir });
    const used = new Set<string>();
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    await enroll(page, 'US', '201 555 0123');
    // A new number has no Authy app yet: the first code comes by SMS.
    const authyCode = await deliveredCode(sandbox, ALICE_PHONE, 'sms');
    used.add(authyCode);
    await typeCode(page, authyCode);
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'authy', method: 'sms' });
    await signOut(page, sandbox);
    await sandbox.stop();
    const userId = sandbox.user(ALICE).user_id;
    const authyId = storedRecord(dataDir, userId).authy_id;
    expect(authyId).toEqual(expect.any(String));

    // The tenant switches to Verify and moves Authy users.
    sandbox = await startE2eSandbox({ dataDir, provider: 'verify', moveToVerify: true });
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    expect(await heading(page)).toBe('Enter your code');
    expect(await page.locator('form[action="/2fa/send"]').count()).toBeGreaterThan(0);
    await typeCode(page, await appCode(sandbox, ALICE_PHONE, used));

    // Same visit: the authenticator app setup, saying why.
    expect(await heading(page)).toBe('Set up an authenticator app');
    expect(await noticeText(page)).toContain('your account now uses an authenticator app instead of Authy');
    const moving = await axeViolations(page);
    await screenshot(page, '375-move-to-verify');
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up the app' }));
    const secret = await scanKey(page.locator('.qr'));
    const first = await appCodeFor(secret);
    await typeCode(page, first);
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'app' });
    const record = storedRecord(dataDir, userId);
    expect(record).toMatchObject({ provider: 'verify', authy_id: authyId, failures: 0, last_method: 'app' });
    expect(record.verify_factor_sid).toMatch(/^YF[0-9a-f]{32}$/);
    expect(Date.parse(String(record.verify_migrated_at))).toBeGreaterThan(Date.now() - 120_000);

    // Next login: the authenticator app only (no SMS or call, no Authy).
    await signOut(page, sandbox);
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    expect(await heading(page)).toBe('Enter your code');
    expect(await page.locator('form[action="/2fa/send"]').count()).toBe(0);
    expect(await page.locator('.qr').count()).toBe(0);
    await typeCode(page, await appCodeFor(secret, new Set([first])));
    await waitForDemoHome(page, sandbox);
    expect((await readSignedIn(page)).secondFactor).toEqual({ provider: 'verify', method: 'app' });
    expect(moving.filter(isBlocking)).toEqual([]);
  }, 150_000);
});
