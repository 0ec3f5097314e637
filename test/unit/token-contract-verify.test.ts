/** The token contract's provider claims: absent = Authy, Verify's factor, Verify results (result_kind, result_id); strict parsing. */
import { verifyHs256 } from '../../lib/jwt-hs256';
import {
  ContractError,
  outboundPayload,
  parseOutboundClaims,
  parseResultClaims,
  signResultToken,
  tokenProvider,
  type ResultOutcome,
} from '../../lib/token-contract';

const secret = 'contract-secret-contract-secret-123456';
const now = 1_800_000_000;
const YF = 'YF' + '0123456789abcdef'.repeat(2);
const YC = 'YC' + 'fedcba9876543210'.repeat(2);
const VE = 'VE' + '00112233445566778899aabbccddeeff';
const base = { continueHost: 'example.eu.auth0.com', failures: 0, maxFailures: 5, lockSeconds: 900, locale: '' };
const envelope = { sub: 'auth0|1', iss: 'example.eu.auth0.com', exp: now + 600 };
const context = {
  formsOrigin: 'https://2fa.example.com',
  audience: 'example.eu.auth0.com',
  userId: 'auth0|1',
  state: 's',
  secret,
  nowSec: now,
};

const claimsOf = (outcome: ResultOutcome) => verifyHs256(signResultToken(outcome, context), secret, { nowSec: now });

describe('outbound token: provider', () => {
  test('absent means Authy; an Authy payload is what it was before Verify', () => {
    const payload = outboundPayload({ ...base, authyId: '42', sealedEmail: null });
    expect(payload).not.toHaveProperty('provider');
    const token = parseOutboundClaims({ ...envelope, ...payload });
    expect(tokenProvider(token)).toBe('authy');
    expect(token).not.toHaveProperty('verifyFactorSid');
  });

  test('an enrolled Verify user carries the factor SID; a new Verify user only the provider', () => {
    const enrolled = parseOutboundClaims({
      ...envelope,
      ...outboundPayload({ ...base, authyId: null, provider: 'verify', verifyFactorSid: YF, sealedEmail: null }),
    });
    expect(enrolled).toMatchObject({ provider: 'verify', verifyFactorSid: YF, authyId: null });
    const fresh = parseOutboundClaims({
      ...envelope,
      ...outboundPayload({ ...base, authyId: null, provider: 'verify', sealedEmail: 'A'.repeat(60) }),
    });
    expect(tokenProvider(fresh)).toBe('verify');
    expect(fresh).not.toHaveProperty('verifyFactorSid');
  });

  test('refuses an unknown provider, a malformed factor, and claims of the other provider', () => {
    const good = {
      ...envelope,
      ...outboundPayload({ ...base, authyId: null, provider: 'verify', verifyFactorSid: YF, sealedEmail: null }),
    };
    expect(parseOutboundClaims(good).provider).toBe('verify');
    for (const bad of [
      { provider: 'duo' },
      { provider: 1 },
      { provider: 'Verify' },
      { verify_factor_sid: 'YF123' },
      { verify_factor_sid: YC },
      { authy_id: '42' },
    ]) {
      expect(() => parseOutboundClaims({ ...good, ...bad })).toThrow(ContractError);
    }
    const authy = { ...envelope, ...outboundPayload({ ...base, authyId: '42', sealedEmail: null }) };
    expect(() => parseOutboundClaims({ ...authy, verify_factor_sid: YF })).toThrow(/Verify factor/);
    expect(() => parseOutboundClaims({ ...authy, provider: 'authy' })).not.toThrow();
  });
});

describe('result token: provider', () => {
  test('an Authy result now says provider authy; without the claim it is still Authy', () => {
    const claims = claimsOf({ kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null });
    expect(claims.provider).toBe('authy');
    expect(parseResultClaims({ ...claims, provider: undefined }).outcome).toMatchObject({ kind: 'verified', authyId: '42' });
  });

  test('a Verify enrollment names the factor, a Verify code the challenge', () => {
    const enrolled = claimsOf({ kind: 'verify-verified', method: 'app', enrolledNow: true, result: { kind: 'enrollment', id: YF } });
    expect(enrolled).toMatchObject({ result: 'verified', provider: 'verify', result_kind: 'enrollment', result_id: YF, enrolled: true });
    expect(enrolled).not.toHaveProperty('authy_id');
    expect(parseResultClaims(enrolled).outcome).toEqual({
      kind: 'verify-verified',
      method: 'app',
      enrolledNow: true,
      result: { kind: 'enrollment', id: YF },
    });
    const code = claimsOf({ kind: 'verify-verified', method: 'app', enrolledNow: false, result: { kind: 'code', id: YC } });
    expect(parseResultClaims(code).outcome).toMatchObject({ kind: 'verify-verified', result: { kind: 'code', id: YC } });
    const sms = claimsOf({ kind: 'verify-verified', method: 'sms', enrolledNow: false, result: { kind: 'code', id: VE } });
    expect(parseResultClaims(sms).outcome).toMatchObject({ method: 'sms', result: { id: VE } });
  });

  test('refuses a Verify result that breaks the contract', () => {
    const good = claimsOf({ kind: 'verify-verified', method: 'app', enrolledNow: false, result: { kind: 'code', id: YC } });
    for (const bad of [
      { provider: 'twilio' },
      { result_kind: 'push' },
      { result_kind: undefined },
      { result_kind: 'enrollment' }, // not enrolled now
      { result_id: YF }, // a code names a challenge
      { result_id: VE },
      { result_id: 'YC1' },
      { result_id: undefined },
      { method: 'push' },
      { authy_id: '42' },
      { approval_uuid: 'a1b2c3d4-0000-1111-2222-333344445555' },
      { enrolled: 'no' },
    ]) {
      expect(() => parseResultClaims({ ...good, ...bad })).toThrow(ContractError);
    }
    const enrolled = claimsOf({ kind: 'verify-verified', method: 'app', enrolledNow: true, result: { kind: 'enrollment', id: YF } });
    expect(() => parseResultClaims({ ...enrolled, result_id: YC })).toThrow(ContractError);
    expect(() => parseResultClaims({ ...enrolled, enrolled: false })).toThrow(/result_kind/);
    const authy = claimsOf({ kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null });
    expect(() => parseResultClaims({ ...authy, result_id: YC })).toThrow(ContractError);
    expect(() => parseResultClaims({ ...authy, provider: 'verify' })).toThrow(ContractError);
  });
});
