/**
 * Shared set-up of the attacker's tests (test/security): the lifecycle (no network, every
 * Authy interceptor cleaned, servers closed, nothing unexpected reached Authy), a slow
 * counting Authy made with nock, a fake Authy client for the fuzzers, and page and log checks
 * that every case ends with: the result tokens a page carries, and log lines that hold no
 * token, code, phone number, email or secret.
 */
import nock from 'nock';
import { AuthyError, type AuthyClient } from '../../lib/authy-client';
import type { ResultOutcome } from '../../lib/token-contract';
import {
  AUTHY_ID,
  AUTHY_KEY,
  EMAIL,
  OTHER_SECRET,
  SECRET,
  authy,
  authyReplies,
  buildTestServer,
  closeTestServers,
  MemoryStore,
  decodeResult,
  watchUnmatched,
  type Page,
  type TestServer,
} from './forms';

// ---------------------------------------------------------------- lifecycle

const built: TestServer[] = [];

/**
 * `buildTestServer`, remembered: after each test, the log lines of every server it built are
 * checked for tokens, emails and secrets (expectQuietLogs), whatever else the test checks.
 */
export async function buildSecurityServer(options: Parameters<typeof buildTestServer>[0] = {}): Promise<TestServer> {
  const server = await buildTestServer(options);
  built.push(server);
  return server;
}

/** The record counts of a test server's in-memory store. */
export function storeSizes(server: TestServer): MemoryStore['sizes'] {
  if (!(server.store instanceof MemoryStore)) throw new Error('not a MemoryStore');
  return server.store.sizes;
}

export interface SecurityLifecycle {
  /** Requests that reached nock and matched no interceptor, in the current test. */
  readonly unmatched: string[];
}

/**
 * No network (except 127.0.0.1 and localhost when `allowLoopback`), and after each test: no
 * request reached nock unmatched, every interceptor removed, every test server closed.
 * Interceptors may be left unused on purpose (a race decides how many calls get through).
 */
export function securityLifecycle(options: { allowLoopback?: boolean } = {}): SecurityLifecycle {
  let watch: ReturnType<typeof watchUnmatched> = { list: [], stop: () => undefined };
  beforeAll(() => {
    nock.disableNetConnect();
    if (options.allowLoopback) nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host));
  });
  afterAll(() => {
    nock.enableNetConnect();
  });
  beforeEach(() => {
    watch = watchUnmatched();
  });
  afterEach(async () => {
    watch.stop();
    nock.abortPendingRequests();
    nock.cleanAll();
    await closeTestServers();
    for (const server of built.splice(0)) expectQuietLogs(server.logs);
    expect(unexpected(watch.list)).toEqual([]);
  });
  // Requests to loopback servers (the sandbox, real sockets) pass through nock unmatched by design.
  const unexpected = (list: string[]) => list.filter((line) => !/^\S+ https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(line));
  return {
    get unmatched() {
      return unexpected(watch.list);
    },
  };
}

// ---------------------------------------------------------------- a slow Authy, counted

export interface SlowVerify {
  /** Verify calls that reached Authy so far. */
  readonly calls: number;
  /** The most verify calls Authy had in flight at once. */
  readonly maxInFlight: number;
  /** The codes Authy was asked to check, in order of arrival. */
  readonly codes: string[];
}

/**
 * `GET /protected/json/verify/{code}/{authyId}?force=true`, answered after `delayMs`: 200
 * "Token is valid." for the codes in `right`, 401 / 60020 for every other one. Persistent:
 * every call is answered and counted, however many arrive.
 */
export function slowVerify(options: { delayMs: number; right?: readonly string[]; authyId?: string }): SlowVerify {
  const authyId = options.authyId ?? AUTHY_ID;
  const right = new Set(options.right ?? []);
  const codes: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  authy()
    .persist()
    .get(new RegExp(`^/protected/json/verify/[0-9]{6,8}/${authyId}$`))
    .query({ force: 'true' })
    .delay(options.delayMs)
    .reply((uri) => {
      const code = /\/verify\/([0-9]+)\//.exec(uri)?.[1] ?? '';
      codes.push(code);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // The answer leaves after the delay; count it out of flight then.
      setTimeout(() => {
        inFlight -= 1;
      }, options.delayMs);
      return right.has(code) ? [200, authyReplies.tokenValid] : [401, authyReplies.tokenInvalid];
    });
  return {
    get calls() {
      return codes.length;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    codes,
  };
}

// ---------------------------------------------------------------- a fake Authy client (fuzzing)

export interface FakeAuthy extends AuthyClient {
  readonly calls: Record<string, number>;
}

/**
 * An Authy that never verifies anything: every code is wrong, every number is refused, SMS
 * and calls "sent", approval requests created and then denied. No network, no delay: for the
 * fuzzers, which need thousands of requests per second.
 */
export function fakeAuthy(): FakeAuthy {
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  return {
    calls,
    async registerUser() {
      count('registerUser');
      throw new AuthyError('INVALID_PHONE', 'the phone number is not valid', 400, '60027');
    },
    async verifyToken() {
      count('verifyToken');
      throw new AuthyError('WRONG_CODE', 'the code is not valid', 401, '60020');
    },
    async requestSms() {
      count('requestSms');
    },
    async requestCall() {
      count('requestCall');
    },
    async userStatus(authyId) {
      count('userStatus');
      return { authyId, registered: true, confirmed: true, accountDisabled: false, devices: [], maskedPhone: null };
    },
    async removeUser() {
      count('removeUser');
    },
    async createApprovalRequest() {
      count('createApprovalRequest');
      return { uuid: '0b1c2d3e-0000-4000-8000-00000000f00d' };
    },
    async approvalStatus(uuid) {
      count('approvalStatus');
      return { uuid, status: 'denied', authyId: AUTHY_ID };
    },
  };
}

// ---------------------------------------------------------------- pages

export function pageOf(response: { statusCode: number; headers: Page['headers']; body: string }): Page {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every `session_token` a page carries (hidden fields of forms that go to /continue). */
export function resultTokensOf(html: string): string[] {
  return [...html.matchAll(/name="session_token" value="([^"]*)"/g)].map((m) => decodeEntities(m[1]));
}

/** The outcomes of every result token on the page, verified with the shared secret as the Action would. */
export function resultOutcomesOf(html: string, nowMs: number, secret = SECRET): ResultOutcome[] {
  return resultTokensOf(html).map((token) => decodeResult(token, nowMs, secret).outcome);
}

/** No page carries a verified result. */
export function expectNoVerifiedResult(pages: readonly Page[], nowMs: number, secret = SECRET): void {
  const verified = pages.flatMap((page) => resultOutcomesOf(page.body, nowMs, secret)).filter((o) => o.kind === 'verified');
  expect(verified).toEqual([]);
}

/** Every `action="…"` of every form of the page. */
export function formActionsOf(html: string): string[] {
  return [...html.matchAll(/<form\b[^>]*\baction="([^"]*)"/g)].map((m) => decodeEntities(m[1]));
}

// ---------------------------------------------------------------- logs

/** Texts that must never reach a log line, whatever the test: the shared secrets and the Authy key. */
export const ALWAYS_SECRET: readonly string[] = [SECRET, OTHER_SECRET, AUTHY_KEY, EMAIL];

/** A code or number only counts as a whole number: "1000000" is not in `"responseTime":1.1000000`. */
function found(line: string, needle: string): boolean {
  if (!/^[0-9]+$/.test(needle)) return line.includes(needle);
  return new RegExp(`(?<![0-9.])${needle}(?![0-9])`).test(line);
}

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/;
const EMAIL_LIKE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+/;

/**
 * No log line holds any of `secrets` (tokens, codes, phone numbers, emails, CSRF tokens, visit
 * ids, the shared secret and the Authy key), anything shaped like a JWT or an email address.
 * Short values (under 6 characters) are skipped: they would match timestamps.
 */
export function expectQuietLogs(logs: readonly string[], secrets: Iterable<string | null | undefined> = []): void {
  const needles = [...new Set([...ALWAYS_SECRET, ...secrets])].filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const leaks: string[] = [];
  for (const line of logs) {
    if (JWT_LIKE.test(line)) leaks.push(`JWT-like text in: ${line.slice(0, 200)}`);
    if (EMAIL_LIKE.test(line)) leaks.push(`email-like text in: ${line.slice(0, 200)}`);
    for (const needle of needles) if (found(line, needle)) leaks.push(`"${needle.slice(0, 12)}…" in: ${line.slice(0, 200)}`);
  }
  expect(leaks).toEqual([]);
}

/** The values a test's pages and browsers handled that must stay out of the logs. */
export function pageSecrets(pages: readonly Page[]): string[] {
  const out: string[] = [];
  for (const page of pages) {
    out.push(...resultTokensOf(page.body));
    const csrf = /name="csrf" value="([^"]*)"/.exec(page.body)?.[1];
    if (csrf) out.push(csrf);
  }
  return out;
}

/**
 * Resolves once `guess` is in flight at the provider (`reached()` went up) or already
 * answered (refused before reaching it), so that the next step of an attack starts only then.
 */
export async function untilInFlight(guess: Promise<unknown>, reached: () => number | Promise<number>, pollMs = 1): Promise<void> {
  const before = await reached();
  const state = { answered: false };
  void guess.then(
    () => (state.answered = true),
    () => (state.answered = true),
  );
  while (!state.answered && (await reached()) === before) await sleep(pollMs);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
