/**
 * Forged tokens, both directions.
 *
 * Outbound (Auth0 → forms server, GET /2fa): `alg: none`, HS/RS confusion, other algorithms,
 * another secret, an untrusted issuer or continue host, expired, not yet valid, malformed claims
 * and malformed JWTs. Each gets the 400 page, starts no visit, sets no cookie, touches no counter
 * and asks Authy nothing; the token never reaches a log line. A re-spelled signature of a used
 * link (base64url has four spellings of the same last byte) opens no second visit.
 *
 * Result (forms server → the Action's onContinuePostLogin, in the sandbox's faithful runtime):
 * another secret, issuer, audience, subject (another user's result) or state, expired, too long
 * lived, issued in the future, replayed into a second login, a verified result for another
 * Authy id, an enrollment result for an enrolled user. Each is denied (never allowed), the
 * handler never throws, and nothing is stored or recorded.
 */
import { generateKeyPairSync, createHmac, createSign } from 'node:crypto';
import {
  AUTHY_ID,
  OTHER_SECRET,
  SECRET,
  SECOND_TENANT_HOST,
  STATE,
  T0,
  TENANT_HOST,
  UNTRUSTED_HOST,
  USER,
  Visit,
  alertsOf,
  entryUrl,
  expectRefusalPage,
  headingOf,
  mintOutbound,
  rawJwt,
  setCookieHeaders,
  type Page,
} from '../helpers/forms';
import { FORMS_ORIGIN, Login, SHARED_SECRET, loadBundledAction, makeUser } from '../helpers/action';
import { signHs256, type JwtClaims } from '../../lib/jwt-hs256';
import { outboundPayload, signResultToken, type ResultOutcome } from '../../lib/token-contract';
import { seal } from '../../lib/seal';
import { buildSecurityServer, storeSizes, expectQuietLogs, pageOf, resultOutcomesOf, securityLifecycle } from '../helpers/security-kit';

securityLifecycle();

const BAD_LINK = /^This sign-in link is not valid or has expired\. Go back to the application and sign in again\.$/;
const NOW_SEC = Math.floor(T0 / 1000);

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const hmac = (secret: string | Buffer, data: string) => createHmac('sha256', secret).update(data).digest('base64url');

/** Valid outbound claims, as Auth0's encodeToken would make them at T0. */
function claims(over: JwtClaims = {}): JwtClaims {
  return {
    ...outboundPayload({
      continueHost: TENANT_HOST,
      authyId: AUTHY_ID,
      sealedEmail: null,
      failures: 0,
      maxFailures: 5,
      lockSeconds: 900,
      locale: '',
    }),
    iat: NOW_SEC,
    sub: USER,
    iss: TENANT_HOST,
    exp: NOW_SEC + 600,
    ip: '203.0.113.7',
    ...over,
  };
}

/** A token with any header, signed by HMAC-SHA256 with `key` over the exact segments. */
function hmacToken(header: Record<string, unknown>, body: JwtClaims, key: string | Buffer = SECRET): string {
  const head = `${b64(header)}.${b64(body)}`;
  return `${head}.${hmac(key, head)}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function rs256(body: JwtClaims): string {
  const head = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(body)}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(rsa.privateKey).toString('base64url')}`;
}

describe('outbound tokens to the forms server: forged or broken ones start nothing', () => {
  const forgeries: Array<[string, () => string]> = [
    ['alg none, no signature', () => rawJwt({ alg: 'none', typ: 'JWT' }, claims())],
    ['alg none, with the real signature', () => rawJwt({ alg: 'none', typ: 'JWT' }, claims(), signHs256(claims(), SECRET).split('.')[2])],
    ['alg "None"', () => rawJwt({ alg: 'None' }, claims())],
    ['alg "hs256" (lower case) signed with the secret', () => hmacToken({ alg: 'hs256' }, claims())],
    ['alg HS512 signed with the secret (as HS256)', () => hmacToken({ alg: 'HS512', typ: 'JWT' }, claims())],
    ['no alg at all, signed with the secret', () => hmacToken({ typ: 'JWT' }, claims())],
    ['RS256 signed with the RSA private key', () => rs256(claims())],
    [
      'RS256 header, HMAC with the public key as the secret (alg confusion)',
      () => hmacToken({ alg: 'RS256', typ: 'JWT' }, claims(), publicPem),
    ],
    ['HS256, HMAC with the public key as the secret', () => hmacToken({ alg: 'HS256', typ: 'JWT' }, claims(), publicPem)],
    ['RS256 header, HMAC with the shared secret', () => hmacToken({ alg: 'RS256', typ: 'JWT' }, claims())],
    [
      'HS256 with a kid pointing at an empty key, signed with an empty key',
      () => hmacToken({ alg: 'HS256', kid: '../../../../dev/null' }, claims(), ''),
    ],
    ['HS256 with an embedded jwk', () => hmacToken({ alg: 'HS256', jwk: { kty: 'oct', k: b64('attacker') } }, claims(), 'attacker')],
    ['signed with another secret', () => mintOutbound({ authyId: AUTHY_ID, secret: OTHER_SECRET })],
    [
      'signature of another token',
      () => `${mintOutbound({ authyId: AUTHY_ID }).split('.').slice(0, 2).join('.')}.${mintOutbound({ authyId: '999' }).split('.')[2]}`,
    ],
    [
      'a claim changed after signing (sub)',
      () => {
        const [header, , signature] = mintOutbound({ authyId: AUTHY_ID }).split('.');
        return `${header}.${b64(claims({ sub: 'auth0|victim' }))}.${signature}`;
      },
    ],
    ['issued by an untrusted tenant', () => mintOutbound({ authyId: AUTHY_ID, iss: UNTRUSTED_HOST })],
    ['issuer with a scheme', () => mintOutbound({ authyId: AUTHY_ID, iss: `https://${TENANT_HOST}` })],
    ['issuer with a trailing dot', () => mintOutbound({ authyId: AUTHY_ID, iss: `${TENANT_HOST}.` })],
    ['continue host untrusted', () => mintOutbound({ authyId: AUTHY_ID, continueHost: UNTRUSTED_HOST })],
    ['continue host trusted with a port', () => mintOutbound({ authyId: AUTHY_ID, continueHost: `${TENANT_HOST}:8443` })],
    ['continue host trusted with a trailing dot', () => mintOutbound({ authyId: AUTHY_ID, continueHost: `${TENANT_HOST}.` })],
    ['continue host that ends like a trusted one', () => mintOutbound({ authyId: AUTHY_ID, continueHost: `evil-${TENANT_HOST}` })],
    ['continue host with a path', () => mintOutbound({ authyId: AUTHY_ID, continueHost: `${UNTRUSTED_HOST}/continue` })],
    ['no expiry', () => hmacToken({ alg: 'HS256' }, claims({ exp: undefined }))],
    ['expiry as text', () => hmacToken({ alg: 'HS256' }, claims({ exp: String(NOW_SEC + 600) }))],
    ['issued in the future', () => mintOutbound({ authyId: AUTHY_ID, at: T0 + 3600_000 })],
    ['not valid before an hour from now (nbf)', () => mintOutbound({ authyId: AUTHY_ID, claims: { nbf: NOW_SEC + 3600 } })],
    ['nbf as text', () => mintOutbound({ authyId: AUTHY_ID, claims: { nbf: 'now' } })],
    ['iat as text', () => mintOutbound({ authyId: AUTHY_ID, claims: { iat: 'yesterday' } })],
    ['contract version missing', () => mintOutbound({ authyId: AUTHY_ID, claims: { v: undefined } })],
    ['contract version "1" as text', () => mintOutbound({ authyId: AUTHY_ID, claims: { v: '1' } })],
    ['subject missing', () => mintOutbound({ authyId: AUTHY_ID, claims: { sub: undefined } })],
    ['subject with a space', () => mintOutbound({ authyId: AUTHY_ID, sub: 'auth0|a b' })],
    ['subject of 201 characters', () => mintOutbound({ authyId: AUTHY_ID, sub: `auth0|${'x'.repeat(195)}` })],
    ['subject as a number', () => mintOutbound({ authyId: AUTHY_ID, claims: { sub: 42 } })],
    ['failures negative', () => mintOutbound({ authyId: AUTHY_ID, failures: -1 })],
    ['failures fractional', () => mintOutbound({ authyId: AUTHY_ID, failures: 0.5 })],
    ['failures as text', () => mintOutbound({ authyId: AUTHY_ID, claims: { failures: '0' } })],
    ['max_failures 0', () => mintOutbound({ authyId: AUTHY_ID, maxFailures: 0 })],
    ['max_failures 101', () => mintOutbound({ authyId: AUTHY_ID, maxFailures: 101 })],
    ['lock_seconds 0', () => mintOutbound({ authyId: AUTHY_ID, lockSeconds: 0 })],
    ['locale with markup', () => mintOutbound({ authyId: AUTHY_ID, locale: '<script>' })],
    ['locale with an underscore', () => mintOutbound({ authyId: AUTHY_ID, locale: 'en_US' })],
    ['Authy id as an object', () => mintOutbound({ claims: { authy_id: { $ne: null }, sealed_email: undefined } })],
    ['Authy id with a path', () => mintOutbound({ claims: { authy_id: '1234/../5678', sealed_email: undefined } })],
    ['not enrolled and no sealed email', () => mintOutbound({ claims: { sealed_email: undefined } })],
    ['sealed email sealed with another secret', () => mintOutbound({ sealSecret: OTHER_SECRET })],
    [
      'sealed email altered',
      () => {
        const sealed = seal('ada@example.com', SECRET);
        const altered = `${sealed.slice(0, 20)}${sealed[20] === 'A' ? 'B' : 'A'}${sealed.slice(21)}`;
        return mintOutbound({ claims: { sealed_email: altered } });
      },
    ],
    [
      'claims are an array',
      () => {
        const head = `${b64({ alg: 'HS256' })}.${b64([claims()])}`;
        return `${head}.${hmac(SECRET, head)}`;
      },
    ],
    [
      'claims are not JSON',
      () => {
        const head = `${b64({ alg: 'HS256' })}.${b64('{"sub":')}`;
        return `${head}.${hmac(SECRET, head)}`;
      },
    ],
    [
      'header is not JSON',
      () => {
        const head = `${b64('{alg:HS256}')}.${b64(claims())}`;
        return `${head}.${hmac(SECRET, head)}`;
      },
    ],
    ['two parts', () => mintOutbound({ authyId: AUTHY_ID }).split('.').slice(0, 2).join('.')],
    ['four parts', () => `${mintOutbound({ authyId: AUTHY_ID })}.x`],
    [
      'standard base64 with padding in the signature',
      () => {
        const token = mintOutbound({ authyId: AUTHY_ID });
        const [h, b, s] = token.split('.');
        return `${h}.${b}.${Buffer.from(s, 'base64url').toString('base64')}`;
      },
    ],
    ['over 8 kB', () => mintOutbound({ authyId: AUTHY_ID, claims: { pad: 'x'.repeat(9000) } })],
  ];

  test.each(forgeries)('%s: the 400 page, no visit, no cookie, no counter', async (_name, make) => {
    const server = await buildSecurityServer();
    const token = make();
    const page = pageOf(await server.app.inject({ method: 'GET', url: entryUrl(token) }));
    expectRefusalPage(page, 400, BAD_LINK);
    expect(setCookieHeaders(page)).toEqual([]);
    expect(storeSizes(server)).toEqual({ visits: 0, links: 0, counters: 0, holds: 0 });
    expectQuietLogs(server.logs, [token, ...token.split('.').filter((part) => part.length >= 16)]);
  });

  test('expired: its own 400 page that starts nothing; the way on cancels that login, letting no one in', async () => {
    const server = await buildSecurityServer();
    const token = mintOutbound({ authyId: AUTHY_ID, at: T0 - 601_000 - 10_000 });
    const page = pageOf(await server.app.inject({ method: 'GET', url: entryUrl(token) }));
    expect(page.statusCode).toBe(400);
    expect(alertsOf(page.body).join(' ')).toMatch(/^This sign-in link has expired/);
    expect(resultOutcomesOf(page.body, server.clock.ms)).toEqual([{ kind: 'cancelled', failures: 0 }]);
    expect(setCookieHeaders(page)).toEqual([]);
    expect(storeSizes(server)).toEqual({ visits: 0, links: 0, counters: 0, holds: 0 });
    expectQuietLogs(server.logs, [token, ...token.split('.').filter((part) => part.length >= 16)]);
  });

  test('a result token sent as a link (the other direction): the 400 page', async () => {
    const server = await buildSecurityServer();
    const result = signResultToken(
      { kind: 'verified', method: 'app', authyId: AUTHY_ID, enrolledNow: false, approvalUuid: null },
      { formsOrigin: 'https://2fa.example.com', audience: TENANT_HOST, userId: USER, state: STATE, secret: SECRET, nowSec: NOW_SEC },
    );
    const page = pageOf(await server.app.inject({ method: 'GET', url: entryUrl(result) }));
    expectRefusalPage(page, 400, BAD_LINK);
    expect(storeSizes(server).visits).toBe(0);
  });

  test('the signature spelled another way (same bytes) opens no second visit of a used link', async () => {
    const server = await buildSecurityServer();
    const token = mintOutbound();
    const first = new Visit(server.app);
    expect(headingOf((await first.start(token)).body)).toBe('Protect your account');
    const [header, body, signature = ''] = token.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes in 43 characters: the last character's two low bits are padding, ignored when decoded.
    const base = alphabet.indexOf(signature.slice(-1)) & ~3;
    const spellings = [0, 1, 2, 3].map((low) => `${signature.slice(0, -1)}${alphabet[base + low]}`).filter((s) => s !== signature);
    expect(spellings).toHaveLength(3);
    const pages: Page[] = [];
    for (const spelling of spellings) pages.push(await new Visit(server.app).start(`${header}.${body}.${spelling}`));
    // Refused before the link is even looked up: a signature must be spelled the one standard way.
    for (const page of pages) {
      expect(page.statusCode).toBe(400);
      expect(alertsOf(page.body)).toEqual(['This sign-in link is not valid or has expired. Go back to the application and sign in again.']);
      expect(setCookieHeaders(page)).toEqual([]);
    }
    expect(storeSizes(server).visits).toBe(1);
  });

  test('a trusted second tenant as the continue host is kept exactly: the visit goes back there, nowhere else', async () => {
    const server = await buildSecurityServer();
    const visit = new Visit(server.app);
    await visit.start(mintOutbound({ authyId: AUTHY_ID, continueHost: SECOND_TENANT_HOST.toUpperCase() }));
    const done = await visit.post('/2fa/cancel');
    expect(/<form[^>]*action="([^"]*)"/.exec(done.body)?.[1]).toBe(`https://${SECOND_TENANT_HOST}/continue`);
  });
});

// ---------------------------------------------------------------- the other direction: results to the Action

describe('result tokens to the Action: forged ones are denied, never allowed, and nothing throws', () => {
  const action = loadBundledAction();
  const AUDIENCE = 'localhost';
  const enrolled = () =>
    makeUser({ app_metadata: { authy_2fa: { v: 1, authy_id: '1234', enrolled_at: '2026-01-01T00:00:00.000Z', failures: 2 } } });
  const verified = (over: Partial<Extract<ResultOutcome, { kind: 'verified' }>> = {}): ResultOutcome => ({
    kind: 'verified',
    method: 'app',
    authyId: '1234',
    enrolledNow: false,
    approvalUuid: null,
    ...over,
  });

  interface ResultOver {
    secret?: string;
    iss?: string;
    aud?: string;
    sub?: string;
    state?: string;
    nowSec?: number;
    outcome?: ResultOutcome;
  }

  function result(login: Login, over: ResultOver = {}): string {
    return signResultToken(over.outcome ?? verified(), {
      formsOrigin: over.iss ?? FORMS_ORIGIN,
      audience: over.aud ?? AUDIENCE,
      userId: over.sub ?? login.user.user_id,
      state: over.state ?? login.transaction.state,
      secret: over.secret ?? SHARED_SECRET,
      nowSec: over.nowSec ?? Math.floor(Date.now() / 1000),
    });
  }

  /** Claims of a valid verified result, to re-sign with changes. */
  function rawResult(login: Login, over: JwtClaims = {}): string {
    const now = Math.floor(Date.now() / 1000);
    return signHs256(
      {
        v: 1,
        iss: FORMS_ORIGIN,
        aud: AUDIENCE,
        sub: login.user.user_id,
        state: login.transaction.state,
        iat: now,
        exp: now + 120,
        jti: '6f1d2c3b-0000-4000-8000-000000000001',
        result: 'verified',
        method: 'app',
        authy_id: '1234',
        enrolled: false,
        failures: 0,
        ...over,
      },
      SHARED_SECRET,
    );
  }

  async function resumed(user = enrolled()): Promise<Login> {
    const login = new Login(action, user);
    expect((await login.execute()).kind).toBe('redirect');
    return login;
  }

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, (login: Login) => string, (() => ReturnType<typeof makeUser>)?]> = [
    ['signed with another secret', (l) => result(l, { secret: 'another-secret-another-secret-0123456789abc' })],
    ['signed with the forms server test secret (another deployment)', (l) => result(l, { secret: SECRET })],
    ['issuer another origin', (l) => result(l, { iss: 'https://evil.example.net' })],
    ['issuer over http', (l) => result(l, { iss: 'http://2fa.example.com' })],
    ['audience another tenant', (l) => result(l, { aud: 'other-tenant.auth0.com' })],
    ["subject another user (another user's result)", (l) => result(l, { sub: 'auth0|mallory' })],
    ['state of another login', (l) => result(l, { state: 'state-of-another-login' })],
    ['expired', (l) => result(l, { nowSec: now() - 3600 })],
    ['issued two hours in the future', (l) => result(l, { nowSec: now() + 7200 })],
    ['lives an hour (exp - iat over 120 s)', (l) => rawResult(l, { exp: now() + 3600 })],
    ['alg none', (l) => `${b64({ alg: 'none', typ: 'JWT' })}.${rawResult(l).split('.')[1]}.`],
    [
      'RS256 header, HMAC with the public key',
      (l) => hmacToken({ alg: 'RS256' }, JSON.parse(Buffer.from(rawResult(l).split('.')[1] ?? '', 'base64url').toString()), publicPem),
    ],
    ['verified for another Authy id', (l) => result(l, { outcome: verified({ authyId: '999' }) })],
    [
      'an enrollment (enrolled now) for a user already enrolled, with another Authy id',
      (l) => result(l, { outcome: verified({ authyId: '999', enrolledNow: true }) }),
    ],
    ['an enrollment for a user already enrolled, same Authy id', (l) => result(l, { outcome: verified({ enrolledNow: true }) })],
    ['a push result without its approval id', (l) => rawResult(l, { method: 'push' })],
    ['an unknown method', (l) => rawResult(l, { method: 'telepathy' })],
    ['an unknown result', (l) => rawResult(l, { result: 'allowed' })],
    [
      'result "verified" as the claim of an outbound token',
      (l) =>
        signHs256(
          { sub: l.user.user_id, iss: 'localhost:3001', exp: now() + 600, state: l.transaction.state, v: 1, result: 'verified' },
          SHARED_SECRET,
        ),
    ],
    ['garbage', () => 'not.a.token'],
    ['empty', () => ''],
    [
      'verified but not "enrolled now" for a user who is not enrolled',
      (l) => result(l, { outcome: verified({ authyId: '555' }) }),
      () => makeUser(),
    ],
  ];

  // Every row with three values: jest would take a missing third one for a `done` callback.
  const rows = cases.map(([name, make, user]) => [name, make, user ?? null] as const);
  test.each(rows)('%s: denied', async (_name, make, user) => {
    const login = await resumed(user ? user() : enrolled());
    const before = structuredClone(login.user.app_metadata);
    const outcome = await login.continueWith({ state: login.transaction.state, session_token: make(login) });
    expect(outcome.kind).toBe('deny');
    expect(outcome.result.recordedMethods).toEqual([]);
    expect(outcome.result.idTokenClaims).toEqual({});
    expect(login.user.app_metadata).toEqual(before);
  });

  test('a verified result replayed into a second login of the same user: denied', async () => {
    const first = await resumed();
    const token = result(first);
    expect((await first.continueWith({ state: first.transaction.state, session_token: token })).kind).toBe('allow');
    const second = await resumed(first.user);
    // With the second login's state beside it (the state claim inside still names the first).
    const outcome = await second.continueWith({ state: second.transaction.state, session_token: token });
    expect(outcome.kind).toBe('deny');
    expect(outcome.result.idTokenClaims).toEqual({});
  });

  test("a verified result of another user's login, in this user's login: denied", async () => {
    const victim = await resumed(
      makeUser({ user_id: 'auth0|victim', app_metadata: { authy_2fa: { v: 1, authy_id: '4321', failures: 0 } } }),
    );
    const attacker = await resumed();
    const victimsResult = result(victim, { outcome: verified({ authyId: '4321' }) });
    const outcome = await attacker.continueWith({ state: attacker.transaction.state, session_token: victimsResult });
    expect(outcome.kind).toBe('deny');
  });

  test('a locked result cannot shorten a lock or unlock: it is stored as a lock of at least our own length', async () => {
    const login = await resumed();
    const outcome = await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, { outcome: { kind: 'locked', failures: 0, lockedUntilSec: now() - 10 } }),
    });
    expect(outcome.kind).toBe('deny');
    const stored = login.user.app_metadata.authy_2fa as { failures: number; locked_until: string };
    expect(stored.failures).toBe(2);
    expect(Date.parse(stored.locked_until)).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  test('a cancelled result cannot lower the counter', async () => {
    const login = await resumed();
    await login.continueWith({
      state: login.transaction.state,
      session_token: result(login, { outcome: { kind: 'cancelled', failures: 0 } }),
    });
    expect((login.user.app_metadata.authy_2fa as { failures: number }).failures).toBe(2);
  });
});
