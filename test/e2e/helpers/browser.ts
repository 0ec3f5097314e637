/**
 * Debian's Chromium through playwright-core (never a downloaded browser). Without
 * /usr/bin/chromium the suites skip with one line saying how to install it, except in CI,
 * where a missing browser fails the run. CHROMIUM_PATH points at another Chromium-based
 * browser already on the machine (e.g. a CI runner's preinstalled Chrome).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const INSTALL_HINT = 'apt-get install -y chromium';

export const SCREENSHOTS = join(__dirname, '..', '..', '..', 'test-output', 'screenshots');

/** `describe` when Chromium is there, `describe.skip` otherwise; throws in CI without it. */
export function browserDescribe(): jest.Describe {
  if (existsSync(CHROMIUM)) return describe;
  if (process.env.CI === 'true') {
    throw new Error(`End-to-end tests need Chromium at ${CHROMIUM} in CI: ${INSTALL_HINT}`);
  }
  if (firstToSay())
    process.stderr.write(`Skipping the browser tests: Chromium not found at ${CHROMIUM}; install it with "${INSTALL_HINT}".\n`);
  return describe.skip;
}

/**
 * One line per run, not one per test file: test files run in separate workers (or module
 * registries), so they agree through a marker file named after the process that started them.
 */
function firstToSay(): boolean {
  const marker = join(tmpdir(), `authy-2fa-e2e-no-chromium-${process.ppid}`);
  try {
    if (Date.now() - statSync(marker).mtimeMs < 10 * 60_000) return false;
    rmSync(marker, { force: true });
  } catch {
    // No marker yet.
  }
  try {
    writeFileSync(marker, '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export const DESKTOP = { width: 800, height: 900 } as const;
export const PHONE = { width: 375, height: 812 } as const;

/** One context per test, so that no cookie or session leaks from one scenario to the next. */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US', ...options });
  const page = await context.newPage();
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string;
  nodes: number;
}

/** Runs axe-core in the page. evaluate() runs outside the page's CSP, which forbids injected script tags. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    type AxeResult = { violations: { id: string; impact: string | null; nodes: unknown[] }[] };
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<AxeResult> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? 'unknown', nodes: v.nodes.length }));
  });
}

export const isBlocking = (v: AxeViolation): boolean => v.impact === 'serious' || v.impact === 'critical';

/** Width of the laid-out document: more than the viewport means a horizontal scroll bar. */
export function scrollWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

/**
 * Elements whose box reaches past the right edge of the viewport (text that does not wrap, a
 * cell wider than the screen), even where an ancestor hides the overflow: "tag.class" of each.
 */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      .map((element) => {
        const classes = (element.getAttribute('class') ?? '').trim();
        return `${element.tagName.toLowerCase()}${classes ? `.${classes.split(/\s+/).join('.')}` : ''}`;
      });
  });
}
