/**
 * The recovery-code pages at 375 px in Chromium: axe-core finds no violation at all (of any
 * impact), nothing scrolls sideways, no Content Security Policy error; "Copy the codes" puts
 * the ten codes on the clipboard and "Download as a text file" saves them. Each page is saved as
 * a screenshot (test-output/screenshots/375-recovery-*.png; the ones in docs/screenshots come from here).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { PHONE, axeViolations, browserDescribe, screenshot, scrollWidth, type AxeViolation } from './helpers/browser';
import { clickAndLoad, enroll, heading, signInToForms, signOut, typeCode, waitForDemoHome } from './helpers/journey';
import { appCode, useBrowserSession, type E2eSandbox } from './helpers/sandbox';

const ALICE = 'alice@example.com';

browserDescribe()('recovery-code pages at 375 px in Chromium', () => {
  let sandbox: E2eSandbox;
  let page: Page;
  let cspErrors: string[];
  const audits: { page: string; violations: AxeViolation[]; scrollWidth: number }[] = [];
  useBrowserSession(
    (session) => {
      ({ sandbox, page } = session);
      cspErrors = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('Content Security Policy')) cspErrors.push(message.text());
      });
    },
    { viewport: PHONE, permissions: ['clipboard-read', 'clipboard-write'], acceptDownloads: true },
  );

  async function audit(name: string): Promise<void> {
    audits.push({ page: name, violations: await axeViolations(page), scrollWidth: await scrollWidth(page) });
    await screenshot(page, `375-${name}`);
  }

  const codes = async () => (await page.locator('#recovery-codes code').allInnerTexts()).map((code) => code.trim());

  it('every page: enrollment with codes, copy and download, the recovery page, its error, the page after it, a new phone', async () => {
    await signInToForms(page, sandbox, sandbox.user(ALICE));
    await enroll(page, 'US', '201 555 0123');
    await audit('recovery-codes-enroll');
    const shown = await codes();
    expect(shown).toHaveLength(10);

    // Copy: the button appears (the clipboard is there) and copies the ten codes, one a line.
    await page.getByRole('button', { name: 'Copy the codes' }).click();
    await page.getByText('The codes are copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown.join('\n'));
    // Download: a text file with the same codes.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download as a text file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('recovery-codes.txt');
    const text = readFileSync(await download.path(), 'utf8');
    expect(text.split('\n').filter((line) => /^[0-9A-Z]{4}-/.test(line))).toEqual(shown);

    await typeCode(page, await appCode(sandbox, '2015550123'));
    await waitForDemoHome(page, sandbox);
    await signOut(page, sandbox);

    await signInToForms(page, sandbox, sandbox.user(ALICE));
    await audit('recovery-code-page');
    await clickAndLoad(page, page.getByRole('button', { name: 'Get new recovery codes' }));
    await audit('recovery-codes-new');
    await clickAndLoad(page, page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }));
    expect(await heading(page)).toBe('Use a recovery code');
    await audit('recovery');
    await page.locator('#recovery-code').fill('1234');
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign in with this code' }));
    expect(await page.locator('#notice[role=alert]').count()).toBe(1);
    await audit('recovery-error');
    await page.locator('#recovery-code').fill(shown[0]);
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign in with this code' }));
    expect(await heading(page)).toBe('Recovery code entered');
    await audit('recovery-done');
    await clickAndLoad(page, page.getByRole('button', { name: 'Set up a new phone' }));
    await audit('recovery-new-phone');
    await enroll(page, 'US', '201 555 0188');
    await audit('recovery-new-phone-code');

    const names = [
      'recovery-codes-enroll',
      'recovery-code-page',
      'recovery-codes-new',
      'recovery',
      'recovery-error',
      'recovery-done',
      'recovery-new-phone',
      'recovery-new-phone-code',
    ];
    expect(audits.map((a) => a.page)).toEqual(names);
    expect(audits.filter((a) => a.violations.length > 0)).toEqual([]);
    expect(audits.filter((a) => a.scrollWidth > PHONE.width)).toEqual([]);
    expect(cspErrors).toEqual([]);
  }, 90_000);
});
