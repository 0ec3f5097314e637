/**
 * What a person does in the browser, step by step: the demo application's links, the tenant's
 * login form, the forms server's pages. Each step waits for the page it leads to, so a test
 * never reads the previous page by mistake.
 */
import type { Locator, Page } from 'playwright-core';
import type { SeedUser } from '../../../sandbox/tenant/user-store';
import type { E2eSandbox } from './sandbox';

const STEP_TIMEOUT = 10_000;

/** Clicks something that submits a form or follows a link, and waits for the new document. */
export async function clickAndLoad(page: Page, target: Locator): Promise<void> {
  // The URL may not change (POST → 303 → the same /2fa/flow), so wait for the next document's load event.
  const loaded = page.waitForEvent('load', { timeout: STEP_TIMEOUT });
  await target.click();
  await loaded;
}

function onOrigin(origin: string, pathname?: string): (url: URL) => boolean {
  return (url) => url.origin === origin && (pathname === undefined || url.pathname === pathname);
}

export async function waitForDemoHome(page: Page, sandbox: E2eSandbox): Promise<void> {
  await page.waitForURL(onOrigin(sandbox.urls.demo, '/'), { timeout: STEP_TIMEOUT, waitUntil: 'load' });
}

export async function waitForDemoCallback(page: Page, sandbox: E2eSandbox): Promise<void> {
  await page.waitForURL(onOrigin(sandbox.urls.demo, '/callback'), { timeout: STEP_TIMEOUT, waitUntil: 'load' });
}

export async function waitForForms(page: Page, sandbox: E2eSandbox): Promise<void> {
  await page.waitForURL(onOrigin(sandbox.urls.forms, '/2fa/flow'), { timeout: STEP_TIMEOUT, waitUntil: 'load' });
}

export async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').first().innerText()).trim();
}

/** Demo application home → "Sign in" (or another link on it) → the tenant's login form. */
export async function openLoginFromDemo(page: Page, sandbox: E2eSandbox, link = 'Sign in'): Promise<void> {
  await page.goto(`${sandbox.urls.demo}/`);
  await clickAndLoad(page, page.getByRole('link', { name: link, exact: true }));
}

/** Fills the tenant's login form; the Action runs next and the browser lands wherever it sends it. */
export async function submitPassword(page: Page, user: SeedUser): Promise<void> {
  await page.locator('#email').fill(user.email);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Sign in from the demo application up to the forms server (enrollment or code page). */
export async function signInToForms(page: Page, sandbox: E2eSandbox, user: SeedUser, link = 'Sign in'): Promise<void> {
  await openLoginFromDemo(page, sandbox, link);
  await submitPassword(page, user);
  await waitForForms(page, sandbox);
}

/** The enrollment page: country and national number, then "Continue". */
export async function enroll(page: Page, country: string, phone: string): Promise<void> {
  await page.locator('#country').selectOption(country);
  await page.locator('#phone').fill(phone);
  await clickAndLoad(page, page.locator('form[action="/2fa/enroll"] button[type=submit]'));
}

/** Types a code on the code page and presses "Verify"; does not wait for where it leads. */
export async function typeCode(page: Page, code: string): Promise<void> {
  await page.locator('#code').fill(code);
  await page.locator('form[action="/2fa/verify"] button[type=submit]').click();
}

/** A wrong code: the code page comes back with a notice. */
export async function typeWrongCode(page: Page, code: string): Promise<void> {
  await page.locator('#code').fill(code);
  await clickAndLoad(page, page.locator('form[action="/2fa/verify"] button[type=submit]'));
}

/** "Text me a code" / "Call me" on the code page. */
export async function askFor(page: Page, channel: 'sms' | 'call'): Promise<void> {
  await clickAndLoad(page, page.locator(`form[action="/2fa/send"]:has(input[name=channel][value=${channel}]) button`));
}

export async function noticeText(page: Page): Promise<string> {
  return (await page.locator('#notice').innerText()).trim();
}

export interface SignedIn {
  heading: string;
  /** The value of the 2FA claim as the demo application shows it (JSON), or null. */
  secondFactor: unknown;
  claimName: string | null;
}

/** Reads the demo application's signed-in page: who, and the highlighted 2FA claim row. */
export async function readSignedIn(page: Page): Promise<SignedIn> {
  const row = page.locator('tr.highlight');
  const hasRow = (await row.count()) === 1;
  return {
    heading: await heading(page),
    claimName: hasRow ? (await row.locator('th').innerText()).trim() : null,
    secondFactor: hasRow ? JSON.parse(await row.locator('td').innerText()) : null,
  };
}

export interface DemoError {
  heading: string;
  error: string;
  description: string;
}

/** Reads the demo application's sign-in error page (access denied, login required, ...). */
export async function readDemoError(page: Page): Promise<DemoError> {
  const box = page.locator('.error[role=alert]');
  const paragraphs = box.locator('p');
  return {
    heading: await heading(page),
    error: (await paragraphs.nth(0).innerText()).trim(),
    description: (await paragraphs.nth(1).innerText()).trim(),
  };
}

export async function signOut(page: Page, sandbox: E2eSandbox): Promise<void> {
  await page.getByRole('link', { name: 'Sign out' }).click();
  await waitForDemoHome(page, sandbox);
}

/** Every request the browser sends to one origin from now on, to prove a page was (not) visited. */
export function recordRequests(page: Page, origin: string): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === origin) seen.push(`${request.method()} ${url.pathname}`);
  });
  return seen;
}
