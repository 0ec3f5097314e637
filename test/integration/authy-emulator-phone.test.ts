/**
 * The phone page in a real browser (Debian's Chromium through playwright-core): no serious or
 * critical axe-core violation, no horizontal scroll at 375 px, the list refreshes by itself,
 * and Approve works. Listens on 127.0.0.1, port 0. Skips when Chromium is missing, except in CI.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildAuthyEmulator } from '../../sandbox/authy-emulator/app';
import { browserDescribe, launchChromium } from '../e2e/helpers/browser';

const describeBrowser = browserDescribe();

const KEY = 'browser-test-key';
const OUTPUT = join(__dirname, '..', '..', 'test-output', 'authy-emulator');

describeBrowser('phone page in Chromium', () => {
  let app: FastifyInstance | undefined;
  let base: string;
  let browser: Browser | undefined;
  let page: Page;

  const call = async (method: 'GET' | 'POST', path: string, form?: Record<string, string>) => {
    const response = await fetch(base + path, {
      method,
      headers: { 'x-authy-api-key': KEY, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    return (await response.json()) as Record<string, any>;
  };

  beforeAll(async () => {
    app = await buildAuthyEmulator({ apiKey: KEY });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  beforeEach(async () => {
    page = await browser!.newPage({ viewport: { width: 375, height: 800 } });
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when beforeEach failed before assigning it
  afterEach(async () => page?.close());

  it('passes axe with no serious or critical violation and fits 375 px', async () => {
    const { user } = await call('POST', '/protected/json/users/new', {
      'user[email]': 'ada@example.com',
      'user[cellphone]': '2015550123',
      'user[country_code]': '1',
    });
    await call('GET', `/protected/json/sms/${user.id}?force=true`);
    await call('GET', `/protected/json/call/${user.id}?force=true`);
    await call('POST', `/onetouch/json/users/${user.id}/approval_requests`, {
      message: 'Sign in to Demo app',
      'details[Browser]': 'Firefox on Linux',
    });

    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${base}/phone`);
    // evaluate() runs outside the page's CSP, which forbids injected script tags.
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
      return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await page.isVisible('#auto-refresh')).toBe(true);
    expect(errors).toEqual([]);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'phone-375.png'), fullPage: true });
  }, 30_000);

  it('shows a new push request without a reload, and Approve approves it', async () => {
    const { user } = await call('POST', '/protected/json/users/new', {
      'user[email]': 'bob@example.com',
      'user[cellphone]': '2015550177',
      'user[country_code]': '1',
    });
    await page.goto(`${base}/phone`);
    const { approval_request } = await call('POST', `/onetouch/json/users/${user.id}/approval_requests`, { message: 'Approve me' });
    const approve = page.locator(`#approve-${approval_request.uuid}`);
    await approve.waitFor({ state: 'visible', timeout: 8000 });
    await Promise.all([page.waitForEvent('load'), approve.click()]);
    expect(new URL(page.url()).pathname).toBe('/phone');
    expect((await call('GET', `/onetouch/json/approval_requests/${approval_request.uuid}`)).approval_request.status).toBe('approved');
    expect(await page.locator(`#approve-${approval_request.uuid}`).count()).toBe(0);
  }, 30_000);
});
