/**
 * MOVE_TO_VERIFY, piece by piece: the setting, the token contract's claims (move_to_verify out;
 * from_authy_id and from_method back), the visit machine (the Authy step passed, the same visit
 * goes on as a Verify enrollment whose result names it), and the Action's decision (only the user
 * it asked to move, only a new factor Twilio must confirm, and a record that keeps the Authy id).
 */
import { decideOnContinue } from '../../actions/authy-2fa/src/decide-continue';
import { movesToVerify } from '../../actions/authy-2fa/src/decide-execute';
import { next } from '../../forms-server/visit/machine';
import { stepOf, type Visit, type VisitStart } from '../../forms-server/visit/visit';
import { parseSettings } from '../../lib/action-settings';
import { verifyHs256 } from '../../lib/jwt-hs256';
import type { EnrollmentState } from '../../lib/enrollment';
import {
  ContractError,
  outboundPayload,
  parseOutboundClaims,
  parseResultClaims,
  signResultToken,
  type ResultOutcome,
  type ResultToken,
} from '../../lib/token-contract';
import { testVisit } from '../helpers/visit-start';

const YF = 'YF' + 'a'.repeat(32);
const YC = 'YC' + 'b'.repeat(32);
const NOW = Date.parse('2026-11-26T10:00:00Z');
const NOW_SEC = Math.floor(NOW / 1000);
const BASE = { FORMS_URL: 'https://2fa.example.com/2fa', SHARED_SECRET: 's'.repeat(32), AUTHY_API_KEY: 'k' };
const VERIFY = {
  PROVIDER: 'verify',
  VERIFY_SERVICE_SID: 'VA' + 'c'.repeat(32),
  TWILIO_ACCOUNT_SID: 'AC' + 'd'.repeat(32),
  TWILIO_AUTH_TOKEN: 't',
  VERIFY_IDENTITY_KEY: 'k'.repeat(32),
};
const moving = parseSettings({ ...BASE, ...VERIFY, MOVE_TO_VERIFY: 'true' });
const notMoving = parseSettings({ ...BASE, ...VERIFY });
const onAuthy: EnrollmentState = {
  authyId: '42',
  source: 'current',
  failures: 1,
  lockedUntilMs: null,
  enrolledAt: '2024-01-01T00:00:00.000Z',
};
const onVerify: EnrollmentState = { ...onAuthy, authyId: null, provider: 'verify', verifyFactorSid: YF };
const notEnrolled: EnrollmentState = { authyId: null, source: 'none', failures: 0, lockedUntilMs: null, enrolledAt: null };

describe('the MOVE_TO_VERIFY setting', () => {
  it('is off by default, and needs PROVIDER=verify', () => {
    expect(notMoving.moveToVerify).toBe(false);
    expect(moving.moveToVerify).toBe(true);
    expect(() => parseSettings({ ...BASE, MOVE_TO_VERIFY: 'true' })).toThrow('MOVE_TO_VERIFY needs PROVIDER=verify');
  });

  it('asks only users enrolled with Authy to move', () => {
    expect(movesToVerify(onAuthy, moving)).toBe(true);
    expect(movesToVerify(onAuthy, notMoving)).toBe(false);
    expect(movesToVerify(onVerify, moving)).toBe(false);
    expect(movesToVerify(notEnrolled, moving)).toBe(false);
  });
});

describe('the token contract', () => {
  const base = { continueHost: 'example.eu.auth0.com', failures: 0, maxFailures: 5, lockSeconds: 900, locale: '', sealedEmail: null };
  const envelope = { sub: 'auth0|1', iss: 'example.eu.auth0.com', exp: NOW_SEC + 600 };

  it('carries move_to_verify for an Authy user only', () => {
    const payload = outboundPayload({ ...base, authyId: '42', moveToVerify: true });
    expect(payload.move_to_verify).toBe(true);
    expect(parseOutboundClaims({ ...envelope, ...payload }).moveToVerify).toBe(true);
    expect(parseOutboundClaims({ ...envelope, ...outboundPayload({ ...base, authyId: '42' }) })).not.toHaveProperty('moveToVerify');
    expect(() => outboundPayload({ ...base, authyId: null, provider: 'verify', moveToVerify: true })).toThrow(RangeError);
    const verifyUser = outboundPayload({ ...base, authyId: null, provider: 'verify', verifyFactorSid: YF });
    expect(() => parseOutboundClaims({ ...envelope, ...verifyUser, move_to_verify: true })).toThrow(ContractError);
    expect(() => parseOutboundClaims({ ...envelope, ...payload, move_to_verify: 'yes' })).toThrow(ContractError);
  });

  const context = {
    formsOrigin: 'https://2fa.example.com',
    audience: 'example.eu.auth0.com',
    userId: 'auth0|1',
    state: 's',
    secret: 's'.repeat(32),
    nowSec: NOW_SEC,
  };
  const claimsOf = (outcome: ResultOutcome) => verifyHs256(signResultToken(outcome, context), context.secret, { nowSec: NOW_SEC });
  const moved: ResultOutcome = {
    kind: 'verify-verified',
    method: 'app',
    enrolledNow: true,
    result: { kind: 'enrollment', id: YF },
    fromAuthy: { authyId: '42', method: 'sms' },
  };

  it('says in the result which Authy step the move passed, and reads it back', () => {
    const claims = claimsOf(moved);
    expect(claims).toMatchObject({ provider: 'verify', result_kind: 'enrollment', result_id: YF, from_authy_id: '42', from_method: 'sms' });
    expect(claims).not.toHaveProperty('authy_id');
    expect(parseResultClaims(claims).outcome).toEqual(moved);
  });

  it('refuses a move that breaks the contract', () => {
    const claims = claimsOf(moved);
    for (const bad of [{ from_method: 'fax' }, { from_method: undefined }, { from_authy_id: 'abc' }]) {
      expect(() => parseResultClaims({ ...claims, ...bad })).toThrow(ContractError);
    }
    expect(() => parseResultClaims({ ...claims, from_authy_id: undefined })).toThrow(/from_method needs from_authy_id/);
    const code = claimsOf({ kind: 'verify-verified', method: 'app', enrolledNow: false, result: { kind: 'code', id: YC } });
    expect(() => parseResultClaims({ ...code, from_authy_id: '42', from_method: 'app' })).toThrow(/ends with an enrollment/);
    expect(() => signResultToken({ ...moved, enrolledNow: false, result: { kind: 'code', id: YC } }, context)).toThrow(RangeError);
  });
});

describe('the visit', () => {
  const visit = (overrides: Partial<VisitStart> = {}): Visit =>
    testVisit(NOW, { authyId: '42', email: null, moveToVerify: true, ...overrides });

  it('after the right Authy code goes on as a Verify enrollment, which ends with a result naming the Authy step', () => {
    const start = visit();
    expect(stepOf(start)).toBe('code');
    const passed = next({ ...start, channel: 'sms' }, { type: 'codeRight', authyId: '42' }, NOW).visit;
    expect(passed.outcome).toBeNull();
    expect(passed).toMatchObject({ provider: 'verify', verifyFactorSid: null, movedFromAuthy: { authyId: '42', method: 'sms' } });
    expect(passed.notice).toEqual({ key: 'moveToVerify', kind: 'info' });
    expect(stepOf(passed)).toBe('enroll');
    expect(next(passed, { type: 'enroll', country: 'US', phone: '' }, NOW).effects).toEqual([{ type: 'createFactor' }]);

    const created = next(passed, { type: 'factorCreated', factorSid: YF, uri: 'otpauth://totp/x?secret=ABC', secret: 'ABC' }, NOW).visit;
    expect(stepOf(created)).toBe('code');
    const done = next(created, { type: 'verifyApproved', result: { kind: 'enrollment', id: YF } }, NOW).visit;
    expect(done.outcome).toEqual({
      kind: 'verify-verified',
      method: 'app',
      enrolledNow: true,
      result: { kind: 'enrollment', id: YF },
      fromAuthy: { authyId: '42', method: 'sms' },
    });
  });

  it('after an approved push moves the same way', () => {
    const pushing = { ...visit(), push: { uuid: 'uuid-1', reservationId: 'r1' }, pushes: 1 };
    const passed = next(pushing, { type: 'pushApproved', uuid: 'uuid-1' }, NOW).visit;
    expect(passed).toMatchObject({ provider: 'verify', push: null, movedFromAuthy: { authyId: '42', method: 'push' } });
  });

  it('ends as before when the Action did not ask for the move, or the user is not enrolled with Authy', () => {
    const plain = next(visit({ moveToVerify: undefined }), { type: 'codeRight', authyId: '42' }, NOW).visit;
    expect(plain.outcome).toMatchObject({ kind: 'verified', authyId: '42' });
    expect(visit({ authyId: null, email: 'a@example.com' })).not.toHaveProperty('moveToVerify');
  });
});

describe("the Action's decision on the result", () => {
  const token = (outcome: ResultOutcome): ResultToken => ({
    issuer: 'https://2fa.example.com',
    audience: 'example.eu.auth0.com',
    userId: 'auth0|1',
    state: 's',
    issuedAtSec: NOW_SEC,
    expiresAtSec: NOW_SEC + 120,
    id: '00000000-0000-0000-0000-000000000000',
    outcome,
  });
  const facts = (enrollment: EnrollmentState) => ({ userId: 'auth0|1', tenantHost: 'example.eu.auth0.com', enrollment, nowMs: NOW });
  const moved: ResultOutcome = {
    kind: 'verify-verified',
    method: 'app',
    enrolledNow: true,
    result: { kind: 'enrollment', id: YF },
    fromAuthy: { authyId: '42', method: 'app' },
  };

  it('lets the moved user through once Twilio confirms the new factor, as a Verify user who keeps the Authy id', () => {
    const decision = decideOnContinue(token(moved), facts(onAuthy), moving);
    expect(decision.kind).toBe('allow');
    if (decision.kind !== 'allow') return;
    expect(decision.store).toEqual({
      v: 1,
      provider: 'verify',
      verify_factor_sid: YF,
      authy_id: '42',
      verify_migrated_at: new Date(NOW).toISOString(),
      enrolled_at: new Date(NOW).toISOString(),
      failures: 0,
      last_method: 'app',
    });
    expect(decision.confirm.verify).toMatchObject({ factorSid: YF, approved: { method: 'app', result: { kind: 'enrollment', id: YF } } });
  });

  it('denies a move it did not ask for, of another Authy id, of a Verify user, or while locked', () => {
    expect(decideOnContinue(token(moved), facts(onAuthy), notMoving)).toMatchObject({ kind: 'deny', why: 'enrollment-mismatch' });
    expect(decideOnContinue(token(moved), facts(onVerify), moving)).toMatchObject({ kind: 'deny', why: 'enrollment-mismatch' });
    expect(decideOnContinue(token(moved), facts({ ...onAuthy, authyId: '43' }), moving)).toMatchObject({
      kind: 'deny',
      why: 'other-device',
    });
    const locked = { ...onAuthy, lockedUntilMs: NOW + 60_000 };
    expect(decideOnContinue(token(moved), facts(locked), moving)).toMatchObject({ kind: 'deny', why: 'locked-meanwhile' });
  });

  it('still denies a plain Verify result for an Authy user, and still accepts their Authy result', () => {
    const plainVerify: ResultOutcome = {
      kind: 'verify-verified',
      method: 'app',
      enrolledNow: true,
      result: { kind: 'enrollment', id: YF },
    };
    expect(decideOnContinue(token(plainVerify), facts(onAuthy), moving)).toMatchObject({ kind: 'deny', why: 'other-device' });
    const authy: ResultOutcome = { kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null };
    expect(decideOnContinue(token(authy), facts(onAuthy), moving)).toMatchObject({ kind: 'allow', store: { authy_id: '42' } });
  });
});
