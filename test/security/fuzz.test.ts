/**
 * Property-based fuzzing (fast-check) of everything an attacker can type or send:
 *
 * - every form field of every POST route (arbitrary, unicode and huge strings, arrays,
 *   duplicate keys, odd names such as __proto__, missing or doubled CSRF tokens, raw bodies);
 * - the query of GET /2fa (valid and invalid tokens beside arbitrary state and parameters);
 * - the token parsers (`verifyHs256`, `parseOutboundClaims`, `parseResultClaims`) on arbitrary
 *   strings, values and claims objects signed with the right secret;
 * - the settings parsers (`loadConfig` of the forms server, `parseSettings` of the Action);
 * - the Action's onContinuePostLogin with arbitrary bodies and arbitrary signed claims.
 *
 * Asserted every time: no 5xx and no crash (only the documented error class is ever thrown),
 * never a verified result, never a login allowed unless every check of the contract holds.
 * Authy is a fake that verifies nothing (no network), so thousands of requests run in seconds.
 * Runs per property: see RUNS below (about 9,000 cases in all).
 */
import fc from 'fast-check';
import { SECRET_NAMES } from '../../lib/action-secrets';
import nock from 'nock';
import { ConfigError, loadConfig } from '../../forms-server/config';
import { JwtError, signHs256, verifyHs256, type JwtClaims } from '../../lib/jwt-hs256';
import { ContractError, METHODS, parseOutboundClaims, parseResultClaims } from '../../lib/token-contract';
import { SettingsError, parseSettings } from '../../lib/action-settings';
import { AUTHY_ID, FLOW_COOKIE, SECRET, STATE, Visit, entryUrl, mintOutbound, testEnv, type Page, type TestServer } from '../helpers/forms';
import { FORMS_ORIGIN, Login, SECRETS, SHARED_SECRET, loadBundledAction, makeUser } from '../helpers/action';
import {
  buildSecurityServer,
  expectQuietLogs,
  fakeAuthy,
  pageOf,
  resultOutcomesOf,
  securityLifecycle,
  type FakeAuthy,
} from '../helpers/security-kit';

securityLifecycle();

const RUNS = {
  forms: 700,
  rawBodies: 300,
  entryQuery: 800,
  verifyStrings: 1500,
  outboundClaims: 1000,
  resultClaims: 1500,
  loadConfig: 800,
  parseSettings: 800,
  actionContinue: 1500,
} as const;

// ---------------------------------------------------------------- arbitraries

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.stringMatching(/^[0-9 -]{0,12}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '0',
      '-1',
      '1e9',
      'NaN',
      'true',
      'null',
      '[]',
      '{}',
      'US',
      'DE',
      'sms',
      'call',
      'back',
      'check',
      '+1 201 555 0123',
      '\u0000',
      '\r\n',
      '%00',
      '<script>',
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 2000, maxLength: 9000 }) },
);

const fieldName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('code', 'phone', 'country', 'channel', 'action', 'csrf') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'code[]', 'csrf[]', 'a[b]', 'toString', 'hasOwnProperty'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const ROUTES = ['/2fa/enroll', '/2fa/change-number', '/2fa/verify', '/2fa/send', '/2fa/push', '/2fa/push/check', '/2fa/cancel'] as const;

/** The fields a route's own form sends, with fuzzed values that often pass the format checks. */
const plausibleFields = fc
  .record(
    {
      code: fc.oneof(fc.stringMatching(/^[0-9]{6,8}$/), fc.stringMatching(/^[0-9]{3}[ -][0-9]{4}$/), text),
      phone: fc.oneof(fc.stringMatching(/^[2-9][0-9]{2} ?[0-9]{3} ?[0-9]{4}$/), text),
      country: fc.oneof(fc.constantFrom('US', 'DE', 'GB', 'ES', 'FR'), text),
      channel: fc.oneof(fc.constantFrom('sms', 'call'), text),
      action: fc.oneof(fc.constantFrom('check', 'back'), text),
    },
    { requiredKeys: [] },
  )
  .map((record) => Object.entries<string>(record));

type CsrfMode = 'own' | 'missing' | 'wrong' | 'twice' | 'own-then-wrong' | 'wrong-then-own';

// ---------------------------------------------------------------- the forms server

interface Fuzzed {
  server: TestServer;
  authy: FakeAuthy;
  users: number;
}

async function fuzzServer(): Promise<Fuzzed> {
  const authy = fakeAuthy();
  const server = await buildSecurityServer({ env: { RATE_LIMIT_PER_MINUTE: '100000', LOG_LEVEL: 'info' }, deps: { authy } });
  return { server, authy, users: 0 };
}

/** A fresh visit of a fresh user at the enrollment or the code step. */
async function freshVisit(f: Fuzzed, step: 'enroll' | 'code'): Promise<Visit> {
  f.users += 1;
  const visit = new Visit(f.server.app);
  await visit.start(
    step === 'enroll' ? mintOutbound({ sub: `auth0|fuzz-${f.users}` }) : mintOutbound({ authyId: AUTHY_ID, sub: `auth0|fuzz-${f.users}` }),
  );
  return visit;
}

function withCsrf(body: URLSearchParams, mode: CsrfMode, own: string): URLSearchParams {
  const wrong = `${own.slice(0, -1)}${own.endsWith('A') ? 'B' : 'A'}`;
  const values: Record<CsrfMode, string[]> = {
    own: [own],
    missing: [],
    wrong: [wrong],
    twice: [own, own],
    'own-then-wrong': [own, wrong],
    'wrong-then-own': [wrong, own],
  };
  for (const value of values[mode]) body.append('csrf', value);
  return body;
}

/** Posts, and follows a 303 once; every answer < 500; the pages seen. */
async function postAndFollow(
  f: Fuzzed,
  visit: Visit,
  route: string,
  payload: string,
  contentType = 'application/x-www-form-urlencoded',
): Promise<Page[]> {
  const answer = pageOf(
    await f.server.app.inject({
      method: 'POST',
      url: route,
      headers: { 'content-type': contentType, cookie: `${FLOW_COOKIE}=${visit.cookie ?? ''}` },
      payload,
    }),
  );
  const pages = [answer];
  if (answer.statusCode === 303) {
    if (answer.headers.location !== '/2fa/flow') throw new Error(`redirect to ${String(answer.headers.location)}`);
    pages.push(await visit.show());
  }
  return pages;
}

function expectSafe(f: Fuzzed, pages: readonly Page[]): void {
  for (const page of pages) {
    if (page.statusCode >= 500) throw new Error(`answered ${page.statusCode}`);
    const verified = resultOutcomesOf(page.body, f.server.clock.ms).filter((o) => o.kind === 'verified');
    if (verified.length > 0) throw new Error('a verified result');
  }
}

function expectNoBugLines(f: Fuzzed): void {
  expect(f.server.logs.filter((line) => /"level":50|unexpected error|"statusCode":5\d\d/.test(line))).toEqual([]);
}

describe('fuzzing the forms server', () => {
  test(`every POST route, every field (${RUNS.forms} runs)`, async () => {
    const f = await fuzzServer();
    const codes: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.constantFrom<'enroll' | 'code'>('enroll', 'code'),
        fc.tuple(plausibleFields, fc.array(fc.tuple(fieldName, text), { maxLength: 6 })).map(([own, extra]) => [...own, ...extra]),
        fc.constantFrom<CsrfMode>('own', 'own', 'own', 'missing', 'wrong', 'twice', 'own-then-wrong', 'wrong-then-own'),
        async (route, step, fields, mode) => {
          const visit = await freshVisit(f, step);
          const body = withCsrf(new URLSearchParams(fields.filter(([name]) => name !== 'csrf')), mode, visit.csrf ?? '');
          for (const [name, value] of fields)
            if (name === 'code' && /^[0-9]{6,8}$/.test(value.replace(/[\s-]/g, ''))) codes.push(value.replace(/[\s-]/g, ''));
          expectSafe(f, await postAndFollow(f, visit, route, body.toString()));
        },
      ),
      { numRuns: RUNS.forms },
    );
    expectNoBugLines(f);
    expectQuietLogs(f.server.logs, codes);
    // The fake verified nothing, so nothing could have been verified; but codes did reach it.
    expect(f.authy.calls.verifyToken).toBeGreaterThan(0);
  }, 60_000);

  test(`raw bodies of any bytes and type (${RUNS.rawBodies} runs)`, async () => {
    const f = await fuzzServer();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 9000 }), fc.json({ maxDepth: 3 })),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/json',
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded; charset=utf-16',
        ),
        fc.boolean(),
        async (route, raw, type, withOwnCsrf) => {
          const visit = await freshVisit(f, 'code');
          const payload = withOwnCsrf && type.startsWith('application/x-www') ? `${raw}&csrf=${visit.csrf ?? ''}` : raw;
          expectSafe(f, await postAndFollow(f, visit, route, payload, type));
        },
      ),
      { numRuns: RUNS.rawBodies },
    );
    expectNoBugLines(f);
  }, 60_000);

  test(`the query of GET /2fa (${RUNS.entryQuery} runs)`, async () => {
    const f = await fuzzServer();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // A valid token beside arbitrary state and extra parameters.
          fc.tuple(text, fc.array(fc.tuple(fieldName, text), { maxLength: 4 })).map(([state, extra]) => {
            const query = new URLSearchParams([
              ['state', state],
              ['session_token', mintOutbound({ authyId: AUTHY_ID, sub: `auth0|q-${state.length}` })],
              ...extra,
            ]);
            return `/2fa?${query.toString()}`;
          }),
          // Arbitrary parameters, sometimes doubled, sometimes named like the real ones.
          fc
            .array(fc.tuple(fc.constantFrom('state', 'session_token', 'state[]', 'session_token[0]', 'x'), text), { maxLength: 5 })
            .map((pairs) => `/2fa?${new URLSearchParams(pairs).toString()}`),
          // A raw query string.
          fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((raw) => `/2fa?${raw.replace(/[#\s]/g, '')}`),
          // A valid link with its token cut or altered at a random place.
          fc.tuple(fc.nat(), fc.string({ maxLength: 3 })).map(([at, insert]) => {
            const token = mintOutbound({ authyId: AUTHY_ID });
            const cut = at % token.length;
            return entryUrl(`${token.slice(0, cut)}${insert}${token.slice(cut + 1)}`, STATE);
          }),
        ),
        async (url) => {
          const page = pageOf(await f.server.app.inject({ method: 'GET', url }));
          if (page.statusCode >= 500) throw new Error(`answered ${page.statusCode}`);
          if (page.statusCode === 303 && page.headers.location !== '/2fa/flow') throw new Error('redirected elsewhere');
          if (![303, 400, 409].includes(page.statusCode)) throw new Error(`answered ${page.statusCode}`);
          expectSafe(f, [page]);
        },
      ),
      { numRuns: RUNS.entryQuery },
    );
    expectNoBugLines(f);
  }, 60_000);
});

// ---------------------------------------------------------------- token parsers

/** Runs `work`; a throw of anything but the documented classes fails the property. */
function onlyThrows<T>(work: () => T, ...classes: Array<new (...args: never[]) => Error>): T | null {
  try {
    return work();
  } catch (error) {
    if (classes.some((c) => error instanceof c)) return null;
    throw error;
  }
}

const NOW = 1_900_000_000;

/** Claims near a valid outbound or result token: every key valid, broken or missing, at random. */
function nearClaims(valid: JwtClaims): fc.Arbitrary<JwtClaims> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, value] of Object.entries(valid)) {
    model[key] = fc.oneof(
      { weight: 6, arbitrary: fc.constant(value) },
      { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
      { weight: 1, arbitrary: text },
    );
  }
  return fc
    .tuple(fc.record(model, { requiredKeys: [] }), fc.dictionary(fieldName, fc.anything({ maxDepth: 1 }), { maxKeys: 2 }))
    .map(([near, extra]) => ({ ...extra, ...near }));
}

const validOutbound: JwtClaims = {
  v: 1,
  sub: 'auth0|fuzz',
  iss: 'tenant.example.auth0.com',
  iat: NOW,
  exp: NOW + 600,
  continue_host: 'tenant.example.auth0.com',
  authy_id: '1234',
  failures: 0,
  max_failures: 5,
  lock_seconds: 900,
  locale: 'en',
  nonce: 'abc',
};

const validResult: JwtClaims = {
  v: 1,
  iss: 'https://2fa.example.com',
  aud: 'tenant.example.auth0.com',
  sub: 'auth0|fuzz',
  state: 'state-1',
  iat: NOW,
  exp: NOW + 120,
  jti: '6f1d2c3b-0000-4000-8000-000000000001',
  result: 'verified',
  method: 'app',
  authy_id: '1234',
  enrolled: false,
  failures: 0,
};

describe('fuzzing the token parsers', () => {
  test(`verifyHs256 on any string or value throws only JwtError (${RUNS.verifyStrings} runs)`, () => {
    const good = signHs256(validOutbound, SECRET);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.array(fc.string({ unit: 'binary-ascii', maxLength: 40 }), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')),
          fc
            .tuple(fc.nat(), fc.string({ unit: 'binary-ascii', maxLength: 2 }))
            .map(([at, insert]) => `${good.slice(0, at % good.length)}${insert}${good.slice((at % good.length) + 1)}`),
        ),
        (token) => {
          const claims = onlyThrows(() => verifyHs256(token, SECRET, { nowSec: NOW }), JwtError);
          // Anything accepted is the one good token's claims (a re-spelled last signature character included).
          if (claims !== null) expect(claims).toEqual(validOutbound);
        },
      ),
      { numRuns: RUNS.verifyStrings },
    );
  });

  test(`verifyHs256 + parseOutboundClaims on claims signed with the right secret (${RUNS.outboundClaims} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(nearClaims(validOutbound), fc.object({ maxDepth: 2 }) as fc.Arbitrary<JwtClaims>), (claims) => {
        const verified = onlyThrows(() => verifyHs256(signHs256(claims, SECRET), SECRET, { nowSec: NOW }), JwtError);
        if (verified === null) return;
        const outbound = onlyThrows(() => parseOutboundClaims(verified), ContractError);
        if (outbound === null) return;
        // Accepted: every field is what the contract allows.
        expect(outbound.userId).toMatch(/^[^\s]{1,200}$/);
        expect(outbound.tenantIssuer).toMatch(/^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$/i);
        expect(outbound.continueHost).toMatch(/^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$/i);
        expect(Number.isInteger(outbound.maxFailures) && outbound.maxFailures >= 1 && outbound.maxFailures <= 100).toBe(true);
        expect(Number.isInteger(outbound.failures) && outbound.failures >= 0).toBe(true);
        expect(outbound.authyId !== null || outbound.sealedEmail !== null).toBe(true);
        expect(outbound.locale).toMatch(/^([a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*)?$/);
      }),
      { numRuns: RUNS.outboundClaims },
    );
  });

  test(`parseResultClaims on any claims: ContractError or a result exactly as the claims say (${RUNS.resultClaims} runs)`, () => {
    fc.assert(
      fc.property(fc.oneof(nearClaims(validResult), fc.object({ maxDepth: 2 }) as fc.Arbitrary<JwtClaims>), (claims) => {
        const token = onlyThrows(() => parseResultClaims(claims), ContractError);
        if (token === null) return;
        // A success with Twilio Verify is its own outcome kind; every other kind is the claim as it is.
        const verifySuccess = claims.result === 'verified' && claims.provider === 'verify';
        expect(token.outcome.kind).toBe(verifySuccess ? 'verify-verified' : claims.result);
        if (token.outcome.kind === 'verify-verified') expect(['enrollment', 'code']).toContain(token.outcome.result.kind);
        if (token.outcome.kind === 'verified') {
          expect(claims.result).toBe('verified');
          expect(METHODS).toContain(claims.method);
          expect(typeof claims.enrolled).toBe('boolean');
          expect(token.outcome.authyId).toMatch(/^[0-9]{1,15}$/);
          if (claims.method === 'push') expect(token.outcome.approvalUuid).toMatch(/^[0-9a-fA-F-]{8,64}$/);
        }
      }),
      { numRuns: RUNS.resultClaims },
    );
  });
});

// ---------------------------------------------------------------- settings parsers

const FORMS_KEYS = [
  'SHARED_SECRET',
  'FORMS_PUBLIC_URL',
  'TRUSTED_TENANTS',
  'AUTHY_API_KEY',
  'AUTHY_API_URL',
  'AUTHY_TIMEOUT_MS',
  'FORMS_HOST',
  'FORMS_PORT',
  'RATE_LIMIT_PER_MINUTE',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'VISIT_CAPACITY',
  'REQUEST_TIMEOUT_MS',
  'CONNECTION_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'MAX_HEADER_BYTES',
];
/** Every secret the Action reads, from the one list (new settings are fuzzed as they are added). */
const ACTION_KEYS: readonly string[] = SECRET_NAMES;

const settingValue = fc.oneof(
  text,
  fc.constantFrom(
    '0',
    '1',
    '500',
    '65536',
    '100000000',
    ' 10 ',
    '1.5',
    '-5',
    'http://localhost',
    'https://x',
    'https://a.example.com/',
    'redis://127.0.0.1:6379',
    'true',
    'false',
    'TRUE',
    '0.0.0.0/0',
    '::1',
  ),
);

describe('fuzzing the settings parsers', () => {
  test(`loadConfig: a config, or a ConfigError naming a setting (${RUNS.loadConfig} runs)`, () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...FORMS_KEYS), fc.option(settingValue, { nil: undefined }), { maxKeys: 5 }),
        fc.boolean(),
        (changes, fromValid) => {
          const env = fromValid ? testEnv(changes) : changes;
          try {
            const config = loadConfig(env);
            expect(Buffer.byteLength(config.sharedSecret)).toBeGreaterThanOrEqual(32);
            expect(config.trustedTenants.length).toBeGreaterThan(0);
            expect(config.trustProxy === false || Array.isArray(config.trustProxy)).toBe(true);
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            expect(FORMS_KEYS).toContain(error.setting);
            expect(error.message).toContain(error.setting);
          }
        },
      ),
      { numRuns: RUNS.loadConfig },
    );
  });

  test(`parseSettings (the Action's): settings, or a SettingsError naming a secret (${RUNS.parseSettings} runs)`, () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...ACTION_KEYS), fc.oneof(settingValue, fc.anything({ maxDepth: 1 })), { maxKeys: 5 }),
        fc.boolean(),
        (changes, fromValid) => {
          const secrets = fromValid ? { ...SECRETS, ...changes } : changes;
          try {
            const settings = parseSettings(secrets);
            expect(
              settings.formsUrl.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(settings.formsUrl.hostname),
            ).toBe(true);
            expect(settings.maxFailures).toBeGreaterThanOrEqual(1);
            expect(Buffer.byteLength(settings.sharedSecret)).toBeGreaterThanOrEqual(32);
          } catch (error) {
            if (!(error instanceof SettingsError)) throw error;
            expect(ACTION_KEYS).toContain(error.setting);
          }
        },
      ),
      { numRuns: RUNS.parseSettings },
    );
  });
});

// ---------------------------------------------------------------- the Action

describe('fuzzing the Action', () => {
  const action = loadBundledAction();
  const user = () => makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '1234', failures: 0 } } });

  test(`onContinuePostLogin never allows a login unless every check holds, and never throws (${RUNS.actionContinue} runs)`, async () => {
    // What the Action may ask Authy: push approvals stay pending, enrollments are unknown users.
    nock('https://api.authy.com')
      .persist()
      .get(/^\/onetouch\/json\/approval_requests\/.+$/)
      .reply(200, (uri) => ({
        approval_request: { status: 'pending', uuid: uri.split('/').pop(), _authy_id: 1234 },
        success: true,
      }));
    nock('https://api.authy.com')
      .persist()
      .get(/^\/protected\/json\/users\/.+\/status$/)
      .reply(404, { message: 'User not found.', success: false, errors: { message: 'User not found.' }, error_code: '60026' });
    const now = Math.floor(Date.now() / 1000);
    const valid = (login: Login): JwtClaims => ({
      ...validResult,
      iss: FORMS_ORIGIN,
      aud: 'localhost',
      sub: login.user.user_id,
      state: login.transaction.state,
      iat: now,
      exp: now + 120,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: nearClaims(validResult).map((claims) => ({ kind: 'claims' as const, claims })) },
          { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }).map((body) => ({ kind: 'body' as const, body })) },
          { weight: 1, arbitrary: text.map((token) => ({ kind: 'token' as const, token })) },
        ),
        async (input) => {
          const login = new Login(action, user());
          await login.execute();
          let body: Record<string, unknown>;
          let claims: JwtClaims | null = null;
          if (input.kind === 'claims') {
            // The fuzzed claims over a valid result of this login: the fields it keeps are this login's.
            const base = valid(login);
            claims = Object.fromEntries(Object.entries({ ...input.claims }).map(([k, v]) => [k, v === validResult[k] ? base[k] : v]));
            body = { state: login.transaction.state, session_token: signHs256(claims, SHARED_SECRET) };
          } else if (input.kind === 'token') {
            body = { state: login.transaction.state, session_token: input.token };
          } else {
            body =
              typeof input.body === 'object' && input.body !== null && !Array.isArray(input.body)
                ? (input.body as Record<string, unknown>)
                : { session_token: input.body };
          }
          const outcome = await login.continueWith(body);
          expect(['allow', 'deny']).toContain(outcome.kind);
          if (outcome.kind === 'allow') {
            const c = claims ?? {};
            const b = valid(login);
            for (const key of ['v', 'iss', 'aud', 'sub', 'state', 'result', 'authy_id', 'enrolled'])
              expect([key, c[key]]).toEqual([key, b[key]]);
            expect(['app', 'sms', 'call']).toContain(c.method);
          }
        },
      ),
      { numRuns: RUNS.actionContinue },
    );
  }, 60_000);
});
