/**
 * The sandbox started in the test process (`sandbox/start.ts`), on free ports, with a fresh
 * data folder and a 6-second lock, plus readers for the emulator's phone (`/phone.json`).
 * Each test starts its own: the forms server rate-limits per client address and every test
 * comes from 127.0.0.1, so one shared instance would couple the tests' request counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/start';
import type { SeedUser } from '../../../sandbox/tenant/user-store';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { isActionLogLine } from '../../helpers/action-log';
import { launchChromium, newPage } from './browser';

/** LOCK_MINUTES of the Action in the tests: 0.1 minute = 6 seconds. */
export const LOCK_SECONDS = 6;

export interface E2eSandbox extends RunningSandbox {
  user(email: string): SeedUser;
  stop(): Promise<void>;
}

export interface E2eOptions {
  provider?: 'authy' | 'verify';
  /** MOVE_TO_VERIFY (with provider verify). */
  moveToVerify?: boolean;
  /** A data folder to start from (kept by stop(), which removes only a folder it made): a sandbox "restarted" with other settings. */
  dataDir?: string;
  /** REMEMBER_DAYS of the Action and the forms server ("remember this device"); default off. */
  rememberDays?: string;
}

export async function startE2eSandbox(options: E2eOptions = {}): Promise<E2eSandbox> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'authy-2fa-e2e-'));
  const sandbox = await startSandbox({
    ports: { demo: 0, tenant: 0, forms: 0, authy: 0 },
    ...(options.provider === 'verify' ? { provider: 'verify', verifyPort: 0, moveToVerify: options.moveToVerify === true } : {}),
    dataDir,
    lockMinutes: String(LOCK_SECONDS / 60),
    maxFailures: '5',
    ...(options.rememberDays ? { rememberDays: options.rememberDays } : {}),
    log: false,
  });
  return {
    ...sandbox,
    user(email: string): SeedUser {
      const found = sandbox.users.find((u) => u.email === email);
      if (!found) throw new Error(`no seed user ${email}`);
      return found;
    },
    async stop(): Promise<void> {
      await sandbox.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ the phone

export type Channel = 'sms' | 'call';

export interface PhoneMessage {
  channel: Channel;
  code: string;
  at: string;
}

export interface PhoneState {
  authyId: number;
  countryCode: string;
  phone: string;
  appCode: string;
  secondsLeft: number;
  messages: PhoneMessage[];
  pendingApprovals: { uuid: string; message: string }[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`/phone.json: ${what} is not a string`);
  return value;
}

/** Parses one entry of `/phone.json` at the boundary, so the tests work with a real type. */
function parsePhone(raw: unknown): PhoneState {
  if (!isRecord(raw)) throw new Error('/phone.json: phone entry is not an object');
  const messages = Array.isArray(raw.messages) ? raw.messages : [];
  const approvals = Array.isArray(raw.pending_approvals) ? raw.pending_approvals : [];
  return {
    authyId: Number(raw.authy_id),
    countryCode: text(raw.country_code, 'country_code'),
    phone: text(raw.phone, 'phone'),
    appCode: text(raw.app_code, 'app_code'),
    secondsLeft: Number(raw.seconds_left),
    messages: messages.filter(isRecord).map((m) => {
      if (m.channel !== 'sms' && m.channel !== 'call') throw new Error('/phone.json: unknown message channel');
      return { channel: m.channel, code: text(m.code, 'message code'), at: text(m.at, 'message date') };
    }),
    pendingApprovals: approvals
      .filter(isRecord)
      .map((a) => ({ uuid: text(a.uuid, 'approval uuid'), message: text(a.message, 'approval message') })),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The phone with this national number (digits only), as the emulator shows it now. */
export async function readPhone(sandbox: RunningSandbox, nationalNumber: string): Promise<PhoneState> {
  const response = await fetch(`${sandbox.urls.authy}/phone.json`);
  if (!response.ok) throw new Error(`/phone.json answered ${response.status}`);
  const body: unknown = await response.json();
  const phones = isRecord(body) && Array.isArray(body.phones) ? body.phones.map(parsePhone) : [];
  const phone = phones.find((p) => p.phone === nationalNumber);
  if (!phone) throw new Error(`phone ${nationalNumber.slice(-2)} is not on the phone page`);
  return phone;
}

/**
 * The Authy app code to type now. TOTP codes change every period: read it just before typing,
 * and wait for the next one when the current is about to expire or was already used (the
 * emulator, like Authy, refuses a code twice).
 */
export async function appCode(sandbox: RunningSandbox, nationalNumber: string, used: ReadonlySet<string> = new Set()): Promise<string> {
  const deadline = Date.now() + 35_000;
  while (Date.now() < deadline) {
    const phone = await readPhone(sandbox, nationalNumber);
    if (phone.secondsLeft >= 3 && !used.has(phone.appCode)) return phone.appCode;
    await sleep(500);
  }
  throw new Error('no fresh app code within 35 s');
}

/** The newest code delivered by SMS or call. */
export async function deliveredCode(sandbox: RunningSandbox, nationalNumber: string, channel: Channel): Promise<string> {
  const phone = await readPhone(sandbox, nationalNumber);
  const message = phone.messages.find((m) => m.channel === channel);
  if (!message) throw new Error(`no ${channel} message on the phone page`);
  return message.code;
}

/** A well-formed code that is not any code the phone could accept now. */
export async function wrongCode(sandbox: RunningSandbox, nationalNumber: string): Promise<string> {
  const phone = await readPhone(sandbox, nationalNumber);
  const taken = new Set([phone.appCode, ...phone.messages.map((m) => m.code)]);
  for (let n = 0; n < 10; n++) {
    const candidate = String(n).repeat(phone.appCode.length);
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error('no wrong code found');
}

/**
 * The bundled Action logs one audit line per decision through the tenant's console; the tests read
 * pages, not logs, so those lines are dropped. Everything else is still printed.
 */
export function hideActionLog(): void {
  const print = console.log.bind(console);
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    if (isActionLogLine(args[0])) return;
    print(...args);
  });
}

/** What each browser test gets: a fresh sandbox and a fresh browser context with one page. */
export interface BrowserSession {
  sandbox: E2eSandbox;
  context: BrowserContext;
  page: Page;
}

/**
 * Registers the hooks every journey file shares: one Chromium per file, and per test a new
 * sandbox (its own ports, data and rate-limit budget) and a new browser context. `use` receives
 * each test's session.
 */
export function useBrowserSession(
  use: (session: BrowserSession) => void,
  contextOptions: BrowserContextOptions = {},
  sandboxOptions: Parameters<typeof startE2eSandbox>[0] = {},
): void {
  let browser: Browser | undefined;
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    hideActionLog();
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    if (!browser) throw new Error('Chromium did not start');
    const sandbox = await startE2eSandbox(sandboxOptions);
    const { context, page } = await newPage(browser, contextOptions);
    session = { sandbox, context, page };
    use(session);
  });
  afterEach(async () => {
    await session?.context.close();
    await session?.sandbox.stop();
    session = undefined;
  });
}
