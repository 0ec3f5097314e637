import { signHs256, verifyHs256 } from '../../lib/jwt-hs256';
import {
  ContractError,
  outboundPayload,
  parseOutboundClaims,
  parseResultClaims,
  signResultToken,
  RESULT_TTL_SECONDS,
} from '../../lib/token-contract';

const secret = 'contract-secret-contract-secret-123456';
const now = 1_800_000_000;

const base = { continueHost: 'example.eu.auth0.com', failures: 1, maxFailures: 5, lockSeconds: 900, locale: 'de' };

describe('outbound token (Action → forms server)', () => {
  test('payload keys become claims the forms server reads back', () => {
    const claims = {
      sub: 'auth0|1',
      iss: 'example.eu.auth0.com',
      exp: now + 600,
      ip: '203.0.113.9',
      ...outboundPayload({ ...base, authyId: '42', sealedEmail: null }),
    };
    expect(parseOutboundClaims(claims)).toEqual({
      userId: 'auth0|1',
      tenantIssuer: 'example.eu.auth0.com',
      expiresAtSec: now + 600,
      continueHost: 'example.eu.auth0.com',
      authyId: '42',
      sealedEmail: null,
      failures: 1,
      maxFailures: 5,
      lockSeconds: 900,
      locale: 'de',
    });
  });

  test('carries no readable email', () => {
    const payload = outboundPayload({ ...base, authyId: null, sealedEmail: 'A'.repeat(60) });
    expect(JSON.stringify(payload)).not.toContain('@');
  });

  test('refuses missing or malformed claims', () => {
    const good = {
      sub: 'auth0|1',
      iss: 'example.eu.auth0.com',
      exp: now + 600,
      ...outboundPayload({ ...base, authyId: '42', sealedEmail: null }),
    };
    for (const [key, value] of [
      ['v', 2],
      ['sub', ''],
      ['iss', 'https://evil.example/path'],
      ['continue_host', 'evil.example/x'],
      ['authy_id', 'abc'],
      ['failures', -1],
      ['max_failures', 0],
      ['locale', '<script>'],
    ] as const) {
      expect(() => parseOutboundClaims({ ...good, [key]: value })).toThrow(ContractError);
    }
    const unenrolled: Record<string, unknown> = { ...good };
    delete unenrolled.authy_id;
    expect(() => parseOutboundClaims(unenrolled)).toThrow(/sealed_email/);
  });
});

describe('result token (forms server → /continue)', () => {
  const context = {
    formsOrigin: 'https://2fa.example.com',
    audience: 'example.eu.auth0.com',
    userId: 'auth0|1',
    state: 'st-1',
    secret,
    nowSec: now,
  };

  test('a verified result round-trips with every claim the Action checks', () => {
    const token = signResultToken({ kind: 'verified', method: 'sms', authyId: '42', enrolledNow: true, approvalUuid: null }, context);
    const claims = verifyHs256(token, secret, { nowSec: now });
    expect(claims).toMatchObject({
      iss: 'https://2fa.example.com',
      aud: 'example.eu.auth0.com',
      sub: 'auth0|1',
      state: 'st-1',
      iat: now,
      exp: now + RESULT_TTL_SECONDS,
    });
    expect(parseResultClaims(claims)).toMatchObject({ outcome: { kind: 'verified', method: 'sms', authyId: '42', enrolledNow: true } });
  });

  test('locked and cancelled results carry the counter', () => {
    const locked = parseResultClaims(
      verifyHs256(signResultToken({ kind: 'locked', failures: 5, lockedUntilSec: now + 900 }, context), secret, { nowSec: now }),
    );
    expect(locked.outcome).toEqual({ kind: 'locked', failures: 5, lockedUntilSec: now + 900 });
    const cancelled = parseResultClaims(verifyHs256(signResultToken({ kind: 'cancelled', failures: 2 }, context), secret, { nowSec: now }));
    expect(cancelled.outcome).toEqual({ kind: 'cancelled', failures: 2 });
  });

  test('refuses results that break the contract', () => {
    const claims = verifyHs256(
      signResultToken(
        { kind: 'verified', method: 'push', authyId: '42', enrolledNow: false, approvalUuid: 'a1b2c3d4-0000-1111-2222-333344445555' },
        context,
      ),
      secret,
      { nowSec: now },
    );
    expect(() => parseResultClaims({ ...claims, result: 'allow' })).toThrow(ContractError);
    expect(() => parseResultClaims({ ...claims, method: 'email' })).toThrow(ContractError);
    expect(() => parseResultClaims({ ...claims, approval_uuid: undefined })).toThrow(/approval_uuid/);
    expect(() => parseResultClaims({ ...claims, enrolled: 'yes' })).toThrow(ContractError);
    expect(() => parseResultClaims({ ...claims, authy_id: undefined })).toThrow(ContractError);
    expect(() => parseResultClaims(verifyHs256(signHs256({ ...claims, v: undefined }, secret), secret, { nowSec: now }))).toThrow(
      ContractError,
    );
  });
});
