/**
 * The sandbox (stand-in tenant running the real bundled Action, the production forms server,
 * the Authy emulator) for the attacker's tests, driven over plain HTTP (security-http.ts):
 * sign in at the tenant as the demo application would, walk the forms server's pages, post the
 * result back to /continue, exchange the code and read the ID token. Quiet: the sandbox logs
 * nothing, and the Action's decision lines are dropped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_CLIENT_ID, loadOrCreateSecrets, startSandbox, type RunningSandbox } from '../../sandbox/start';
import type { LocalSecrets } from '../../sandbox/local-secrets';
import { isActionLogLine } from './action-log';
import { HttpBrowser, formOf, type HttpAnswer } from './security-http';
import { alertsOf, headingOf } from './forms';

export interface SecuritySandbox {
  sandbox: RunningSandbox;
  secrets: LocalSecrets;
  stop(): Promise<void>;
}

/** Starts the sandbox on free ports with a fresh data folder. */
export async function startSecuritySandbox(options: { maxFailures?: string; lockMinutes?: string } = {}): Promise<SecuritySandbox> {
  const dataDir = mkdtempSync(join(tmpdir(), 'authy-2fa-security-'));
  const sandbox = await startSandbox({
    ports: { demo: 0, tenant: 0, forms: 0, authy: 0 },
    dataDir,
    maxFailures: options.maxFailures ?? '5',
    lockMinutes: options.lockMinutes ?? '1',
    log: false,
  });
  return {
    sandbox,
    secrets: loadOrCreateSecrets(dataDir),
    async stop() {
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Drops the bundled Action's audit lines (it logs one per decision, as in Auth0's logs). */
export function hideActionLog(): void {
  const print = console.log.bind(console);
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    if (isActionLogLine(args[0])) return;
    print(...args);
  });
}

// ---------------------------------------------------------------- the emulator's controls and phone

const control = new HttpBrowser();

async function emulatorJson(
  env: SecuritySandbox,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const answer = await control.request(method, `${env.sandbox.urls.authy}${path}`, {
    headers: { 'x-authy-api-key': env.secrets.authyApiKey, accept: 'application/json' },
    ...(body !== undefined ? { json: body } : {}),
  });
  return JSON.parse(answer.body) as Record<string, unknown>;
}

/** Queues a fault for the next `count` Authy calls (the emulator's own fault injection). */
export async function queueFault(
  env: SecuritySandbox,
  fault: { kind: string; count?: number; delay_ms?: number; status?: number },
): Promise<void> {
  const answer = await emulatorJson(env, 'POST', '/__emulator/faults', fault);
  if (answer.success !== true) throw new Error(`fault refused: ${String(answer.message)}`);
}

/** The calls the queued faults still apply to, in all. */
export async function faultsRemaining(env: SecuritySandbox): Promise<number> {
  const answer = await emulatorJson(env, 'GET', '/__emulator/faults');
  const faults = Array.isArray(answer.faults) ? (answer.faults as Array<{ remaining?: unknown }>) : [];
  return faults.reduce((sum, f) => sum + (typeof f.remaining === 'number' ? f.remaining : 0), 0);
}

export async function clearFaults(env: SecuritySandbox): Promise<void> {
  await emulatorJson(env, 'DELETE', '/__emulator/faults');
}

interface PhoneEntry {
  phone: string;
  app_code: string;
  seconds_left: number;
  messages: Array<{ channel: string; code: string }>;
}

async function phone(env: SecuritySandbox, nationalNumber: string): Promise<PhoneEntry> {
  const answer = await control.get(`${env.sandbox.urls.authy}/phone.json`);
  const phones = (JSON.parse(answer.body) as { phones: PhoneEntry[] }).phones;
  const found = phones.find((p) => p.phone === nationalNumber);
  if (!found) throw new Error('phone not on the phone page');
  return found;
}

/** The Authy app code to type now: never one in `used`, never one about to change. */
export async function appCode(env: SecuritySandbox, nationalNumber: string, used: ReadonlySet<string> = new Set()): Promise<string> {
  const deadline = Date.now() + 35_000;
  while (Date.now() < deadline) {
    const entry = await phone(env, nationalNumber);
    if (entry.seconds_left >= 4 && !used.has(entry.app_code)) return entry.app_code;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('no fresh app code within 35 s');
}

/** The newest code the phone received by SMS. */
export async function smsCode(env: SecuritySandbox, nationalNumber: string): Promise<string> {
  const message = (await phone(env, nationalNumber)).messages.find((m) => m.channel === 'sms');
  if (!message) throw new Error('no SMS on the phone page');
  return message.code;
}

/** A well-formed code of the app's length that is not the phone's code now, numbered `n`. */
export async function wrongCodes(env: SecuritySandbox, nationalNumber: string, count: number): Promise<string[]> {
  const entry = await phone(env, nationalNumber);
  const codes: string[] = [];
  for (let n = 0; codes.length < count; n += 1) {
    const candidate = String(1_000_000 + n * 7919).slice(0, entry.app_code.length);
    if (candidate !== entry.app_code && !codes.includes(candidate)) codes.push(candidate);
  }
  return codes;
}

// ---------------------------------------------------------------- a login, hop by hop

export interface LoginEnd {
  /** The application's callback, as the tenant sent the browser there. */
  callback: URL;
  /** The ID token's claims when the tenant issued a code and it was exchanged. */
  idTokenClaims: Record<string, unknown> | null;
}

export class SandboxLogin {
  readonly browser: HttpBrowser;
  /** The last page of the forms server this browser showed. */
  page: HttpAnswer | null = null;

  constructor(
    readonly env: SecuritySandbox,
    localAddress: string,
  ) {
    this.browser = new HttpBrowser(localAddress);
  }

  get callbackUrl(): string {
    return `${this.env.sandbox.urls.demo}/callback`;
  }

  /** Password login at the tenant; returns the Action's redirect to the forms server (not yet followed). */
  async signIn(email: string, password: string): Promise<string> {
    const { tenant, forms } = this.env.sandbox.urls;
    const authorize = new URL(`${tenant}/authorize`);
    authorize.search = new URLSearchParams({
      client_id: DEMO_CLIENT_ID,
      redirect_uri: this.callbackUrl,
      response_type: 'code',
      scope: 'openid profile email',
      state: `app-${Math.random().toString(36).slice(2)}`,
      nonce: `n-${Math.random().toString(36).slice(2)}`,
    }).toString();
    const loginPage = await this.browser.get(authorize.href);
    const form = formOf(loginPage.body, /^\/login$/);
    if (!form) throw new Error(`no login form (status ${loginPage.status})`);
    const answer = await this.browser.post(`${tenant}/login`, { ...form.fields, email, password });
    const location = answer.headers.location;
    if (answer.status !== 302 || typeof location !== 'string' || !location.startsWith(`${forms}/2fa?`)) {
      throw new Error(`the Action did not redirect to the forms server (status ${answer.status})`);
    }
    return location;
  }

  /** Opens the forms server's link and follows to its first page. */
  async open(link: string): Promise<HttpAnswer> {
    this.page = await this.browser.follow(await this.browser.get(link));
    return this.page;
  }

  /** Posts a form of the current page (its CSRF token and hidden fields) and follows to the next page. */
  async submit(action: string, fields: Record<string, string> = {}): Promise<HttpAnswer> {
    const form = formOf(this.page?.body ?? '', new RegExp(`^${action.replace(/[/]/g, '\\/')}$`));
    if (!form) {
      const body = this.page?.body ?? '';
      const shown = `status ${this.page?.status ?? 0}, heading "${headingOf(body)}", alerts ${JSON.stringify(alertsOf(body))}`;
      throw new Error(`no form ${action} on the page (${shown})`);
    }
    const answer = await this.browser.post(`${this.env.sandbox.urls.forms}${action}`, { ...form.fields, ...fields });
    this.page = await this.browser.follow(answer);
    return this.page;
  }

  /** The current page's form to the tenant's /continue, or null. */
  continueForm(): { action: string; fields: Record<string, string> } | null {
    return formOf(this.page?.body ?? '', /\/continue$/);
  }

  /** Posts the result to the tenant's /continue; exchanges the code when the Action allowed the login. */
  async finish(): Promise<LoginEnd> {
    const form = this.continueForm();
    if (!form) throw new Error('no /continue form on the page');
    const answer = await this.browser.post(form.action, form.fields);
    const location = answer.headers.location;
    if (answer.status !== 302 || typeof location !== 'string') throw new Error(`/continue answered ${answer.status}`);
    const callback = new URL(location);
    const code = callback.searchParams.get('code');
    return { callback, idTokenClaims: code ? await this.exchange(code) : null };
  }

  private async exchange(code: string): Promise<Record<string, unknown>> {
    const answer = await this.browser.post(`${this.env.sandbox.urls.tenant}/oauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.callbackUrl,
      client_id: DEMO_CLIENT_ID,
      client_secret: this.env.secrets.clientSecret,
    });
    const idToken = (JSON.parse(answer.body) as { id_token?: string }).id_token ?? '';
    return JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  }
}
