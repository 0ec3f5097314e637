import { continueAudit, executeAudit } from '../../actions/authy-2fa/src/audit-notes';
import { confirmed } from '../../actions/authy-2fa/src/confirmation';
import type { ContinueFacts } from '../../actions/authy-2fa/src/continue-decision';
import { decideOnContinue } from '../../actions/authy-2fa/src/decide-continue';
import { decideOnExecute, methodUrl, type ExecuteFacts } from '../../actions/authy-2fa/src/decide-execute';
import { DENY } from '../../actions/authy-2fa/src/deny';
import { parseSettings } from '../../lib/action-settings';
import { ACTION_AUDIT_EVENTS } from '../../lib/audit';
import type { EnrollmentState } from '../../lib/enrollment';
import type { ResultOutcome, ResultToken } from '../../lib/token-contract';
import { resultToken } from '../helpers/result-token';

const settings = parseSettings({
  FORMS_URL: 'https://2fa.example.com/2fa',
  SHARED_SECRET: 's'.repeat(32),
  AUTHY_API_KEY: 'k',
  EXEMPT_CLIENT_IDS: 'exempt-app',
  EXEMPT_CONNECTIONS: 'corp-sso',
});
const NOW = Date.parse('2026-11-26T10:00:00Z');
const none: EnrollmentState = { authyId: null, source: 'none', failures: 0, lockedUntilMs: null, enrolledAt: null };
const enrolled: EnrollmentState = {
  authyId: '42',
  source: 'current',
  failures: 2,
  lockedUntilMs: null,
  enrolledAt: '2025-01-01T00:00:00.000Z',
};

function execute(over: Partial<ExecuteFacts> = {}) {
  return decideOnExecute(
    {
      protocol: 'oidc-basic-profile',
      silent: false,
      clientId: 'app',
      connectionName: 'Username-Password-Authentication',
      sessionMethods: ['pwd'],
      enrollment: enrolled,
      hasEmail: true,
      emailVerified: true,
      nowMs: NOW,
      ...over,
    },
    settings,
  );
}

describe('decideOnExecute', () => {
  test('an interactive login is redirected', () => {
    expect(execute()).toEqual({ kind: 'redirect' });
    expect(execute({ protocol: undefined })).toEqual({ kind: 'redirect' });
    expect(execute({ protocol: 'samlp', enrollment: none })).toEqual({ kind: 'redirect' });
  });

  test('refresh-token exchange passes (its login passed 2FA)', () => {
    expect(execute({ protocol: 'oauth2-refresh-token' })).toMatchObject({ kind: 'allow', why: 'refresh-token' });
  });

  test('password grants and other non-interactive flows are denied unless allowed', () => {
    for (const protocol of [
      'oauth2-password',
      'oauth2-resource-owner',
      'oauth2-resource-owner-jwt-bearer',
      'wstrust-usernamemixed',
      'oauth2-token-exchange',
    ]) {
      expect(execute({ protocol })).toEqual({ kind: 'deny', why: 'non-interactive', reason: DENY.nonInteractive });
    }
    const lenient = { ...settings, allowNonInteractive: true };
    expect(
      decideOnExecute(
        {
          protocol: 'oauth2-password',
          silent: false,
          clientId: 'app',
          connectionName: 'c',
          sessionMethods: [],
          enrollment: enrolled,
          hasEmail: true,
          emailVerified: true,
          nowMs: NOW,
        },
        lenient,
      ),
    ).toMatchObject({ kind: 'allow' });
  });

  test('prompt=none passes only with our method in the session', () => {
    expect(execute({ silent: true })).toEqual({ kind: 'deny', why: 'silent', reason: DENY.silent });
    expect(execute({ silent: true, sessionMethods: ['pwd', 'https://evil.example/authy'] })).toEqual({
      kind: 'deny',
      why: 'silent',
      reason: DENY.silent,
    });
    expect(execute({ silent: true, sessionMethods: ['pwd', methodUrl(settings)] })).toMatchObject({
      kind: 'allow',
      why: 'verified-in-session',
    });
  });

  test('exempt clients and connections pass', () => {
    expect(execute({ clientId: 'exempt-app' })).toMatchObject({ kind: 'allow', why: 'exempt-client' });
    expect(execute({ connectionName: 'corp-sso' })).toMatchObject({ kind: 'allow', why: 'exempt-connection' });
  });

  test('a locked user is denied with the time to come back', () => {
    const decision = execute({ enrollment: { ...enrolled, lockedUntilMs: NOW + 60_000 } });
    expect(decision).toEqual({ kind: 'deny', why: 'locked', reason: DENY.locked(new Date(NOW + 60_000), NOW) });
    expect(decision.kind === 'deny' && decision.reason).toBe(
      'Too many wrong codes. Two-step verification is locked until 2026-11-26 10:01 UTC (in 1 minute).',
    );
    const later = execute({ enrollment: { ...enrolled, lockedUntilMs: NOW + 14 * 60_000 + 30_000 } });
    expect(later.kind === 'deny' && later.reason).toContain('UTC (in 15 minutes).');
    expect(execute({ enrollment: { ...enrolled, lockedUntilMs: NOW - 1 } })).toEqual({ kind: 'redirect' });
  });

  test('a user with no enrollment and no email cannot enroll', () => {
    expect(execute({ enrollment: none, hasEmail: false })).toEqual({ kind: 'deny', why: 'no-email', reason: DENY.noEmail });
  });
});

describe('decideOnExecute: enrollment needs a verified email (REQUIRE_VERIFIED_EMAIL)', () => {
  test('a user not enrolled yet with an unverified email is denied instead of sent to enrollment', () => {
    expect(settings.requireVerifiedEmail).toBe(true);
    expect(execute({ enrollment: none, emailVerified: false })).toEqual({
      kind: 'deny',
      why: 'unverified-email',
      reason: DENY.unverifiedEmail,
    });
    expect(DENY.unverifiedEmail).toBe('Verify your email address before setting up two-step verification.');
    expect(execute({ enrollment: none, emailVerified: true })).toEqual({ kind: 'redirect' });
  });

  test('enrolled users, rule-era ones included, are unaffected', () => {
    expect(execute({ enrollment: enrolled, emailVerified: false })).toEqual({ kind: 'redirect' });
    const legacy: EnrollmentState = { ...none, authyId: '77', source: 'legacy-authyID' };
    expect(execute({ enrollment: legacy, emailVerified: false })).toEqual({ kind: 'redirect' });
  });

  test('REQUIRE_VERIFIED_EMAIL=false lets an unverified user enroll', () => {
    const off = { ...settings, requireVerifiedEmail: false };
    const facts = {
      protocol: 'oidc-basic-profile',
      silent: false,
      clientId: 'app',
      connectionName: 'Username-Password-Authentication',
      sessionMethods: [],
      enrollment: none,
      hasEmail: true,
      emailVerified: false,
      nowMs: NOW,
    };
    expect(decideOnExecute(facts, off)).toEqual({ kind: 'redirect' });
  });

  test('exemptions, refresh tokens and the no-email rule come first', () => {
    expect(execute({ enrollment: none, emailVerified: false, clientId: 'exempt-app' })).toMatchObject({ kind: 'allow' });
    expect(execute({ enrollment: none, emailVerified: false, protocol: 'oauth2-refresh-token' })).toMatchObject({ kind: 'allow' });
    expect(execute({ enrollment: none, emailVerified: false, hasEmail: false })).toMatchObject({ why: 'no-email', reason: DENY.noEmail });
    expect(execute({ enrollment: none, emailVerified: false, silent: true })).toMatchObject({ why: 'silent', reason: DENY.silent });
  });
});

function token(outcome: ResultOutcome, over: Partial<ResultToken> = {}): ResultToken {
  return resultToken(outcome, NOW, over);
}

function facts(over: Partial<ContinueFacts> = {}): ContinueFacts {
  return { userId: 'auth0|1', tenantHost: 'example.eu.auth0.com', enrollment: enrolled, nowMs: NOW, ...over };
}

const verifiedApp: ResultOutcome = { kind: 'verified', method: 'app', authyId: '42', enrolledNow: false, approvalUuid: null };

describe('decideOnContinue', () => {
  test('a verified enrolled user is allowed, counter reset, enrolled_at kept', () => {
    expect(decideOnContinue(token(verifiedApp), facts(), settings)).toEqual({
      kind: 'allow',
      method: 'app',
      enrolledNow: false,
      store: { v: 1, authy_id: '42', enrolled_at: '2025-01-01T00:00:00.000Z', failures: 0, last_method: 'app' },
      confirm: { statusOf: null, requireRegistered: false, approval: null },
    });
  });

  test('a first enrollment asks Authy to confirm the user', () => {
    const decision = decideOnContinue(token({ ...verifiedApp, enrolledNow: true }), facts({ enrollment: none }), settings);
    expect(decision).toMatchObject({
      kind: 'allow',
      confirm: { statusOf: '42', requireRegistered: true },
      store: { authy_id: '42', enrolled_at: new Date(NOW).toISOString() },
    });
  });

  test('the claims validateToken does not check are checked here', () => {
    const deny = (why: string) => ({ kind: 'deny', why, reason: DENY.invalidResult, store: null });
    expect(decideOnContinue(token(verifiedApp, { issuer: 'https://evil.example' }), facts(), settings)).toEqual(deny('issuer'));
    expect(decideOnContinue(token(verifiedApp, { audience: 'other.auth0.com' }), facts(), settings)).toEqual(deny('audience'));
    expect(decideOnContinue(token(verifiedApp, { userId: 'auth0|2' }), facts(), settings)).toEqual(deny('subject'));
    const old = Math.floor(NOW / 1000) - 600;
    expect(decideOnContinue(token(verifiedApp, { issuedAtSec: old, expiresAtSec: old + 120 }), facts(), settings)).toEqual(deny('too-old'));
    const future = Math.floor(NOW / 1000) + 600;
    expect(decideOnContinue(token(verifiedApp, { issuedAtSec: future, expiresAtSec: future + 120 }), facts(), settings)).toEqual(
      deny('issued-in-future'),
    );
    expect(decideOnContinue(token(verifiedApp, { expiresAtSec: Math.floor(NOW / 1000) + 3600 }), facts(), settings)).toEqual(
      deny('lifetime'),
    );
  });

  test('an Authy id other than the stored one is denied', () => {
    expect(decideOnContinue(token({ ...verifiedApp, authyId: '99' }), facts(), settings)).toEqual({
      kind: 'deny',
      why: 'other-device',
      reason: DENY.otherDevice,
      store: null,
    });
  });

  test('"enrolled now" must agree with what is stored', () => {
    expect(decideOnContinue(token({ ...verifiedApp, enrolledNow: true }), facts(), settings)).toMatchObject({
      kind: 'deny',
      why: 'enrollment-mismatch',
      reason: DENY.invalidResult,
    });
    expect(decideOnContinue(token(verifiedApp), facts({ enrollment: none }), settings)).toMatchObject({
      kind: 'deny',
      why: 'enrollment-mismatch',
      reason: DENY.invalidResult,
    });
  });
});

describe('decideOnContinue: cancel, lock and push', () => {
  test('cancel keeps the counter and denies', () => {
    expect(decideOnContinue(token({ kind: 'cancelled', failures: 3 }), facts(), settings)).toMatchObject({
      kind: 'deny',
      reason: DENY.cancelled,
      store: { failures: 3, authy_id: '42' },
    });
    // A result can never lower the stored counter.
    expect(decideOnContinue(token({ kind: 'cancelled', failures: 0 }), facts(), settings)).toMatchObject({ store: { failures: 2 } });
  });

  test('a lock is stored and bounded by our own setting', () => {
    const until = Math.floor(NOW / 1000) + 900;
    expect(decideOnContinue(token({ kind: 'locked', failures: 5, lockedUntilSec: until }), facts(), settings)).toMatchObject({
      kind: 'deny',
      store: { failures: 5, locked_until: new Date(until * 1000).toISOString() },
    });
    const forever = Math.floor(NOW / 1000) + 10 * 365 * 86400;
    expect(decideOnContinue(token({ kind: 'locked', failures: 5, lockedUntilSec: forever }), facts(), settings)).toMatchObject({
      store: { locked_until: new Date(NOW + 900_000).toISOString() },
    });
  });

  test('push needs the approval confirmed by Authy', () => {
    const push: ResultOutcome = {
      kind: 'verified',
      method: 'push',
      authyId: '42',
      enrolledNow: false,
      approvalUuid: 'abcdef01-2345-6789-abcd-ef0123456789',
    };
    const decision = decideOnContinue(token(push), facts(), settings);
    expect(decision).toMatchObject({
      kind: 'allow',
      confirm: { approval: { uuid: 'abcdef01-2345-6789-abcd-ef0123456789', authyId: '42' } },
    });
  });
});

describe('confirmed', () => {
  const status = { statusOf: '42', requireRegistered: true, approval: null };
  test('status must exist, be enabled and (for app codes) registered', () => {
    expect(confirmed(status, { status: { exists: true, registered: true, disabled: false }, approval: null })).toBe(true);
    expect(confirmed(status, { status: null, approval: null })).toBe(false);
    expect(confirmed(status, { status: { exists: true, registered: true, disabled: true }, approval: null })).toBe(false);
    expect(confirmed(status, { status: { exists: true, registered: false, disabled: false }, approval: null })).toBe(false);
    expect(
      confirmed({ ...status, requireRegistered: false }, { status: { exists: true, registered: false, disabled: false }, approval: null }),
    ).toBe(true);
  });
  test('approval must be approved by the same user', () => {
    const push = { statusOf: null, requireRegistered: false, approval: { uuid: 'u', authyId: '42' } };
    expect(confirmed(push, { status: null, approval: { status: 'approved', authyId: '42' } })).toBe(true);
    expect(confirmed(push, { status: null, approval: { status: 'pending', authyId: '42' } })).toBe(false);
    expect(confirmed(push, { status: null, approval: { status: 'approved', authyId: '7' } })).toBe(false);
    expect(confirmed(push, { status: null, approval: null })).toBe(false);
  });
});

describe('the audit line of each decision', () => {
  const executeFacts = (over: Partial<ExecuteFacts> = {}): ExecuteFacts => ({
    protocol: 'oidc-basic-profile',
    silent: false,
    clientId: 'app',
    connectionName: 'Username-Password-Authentication',
    sessionMethods: ['pwd'],
    enrollment: enrolled,
    hasEmail: true,
    emailVerified: true,
    nowMs: NOW,
    ...over,
  });
  const lenient = { ...settings, allowNonInteractive: true };
  const auditOf = (over: Partial<ExecuteFacts> = {}, config = settings) => {
    const f = executeFacts(over);
    return executeAudit(decideOnExecute(f, config), f);
  };

  test('at the start of a login: redirect, exemptions, session, denials', () => {
    expect(auditOf()).toEqual({ event: 'redirected', fields: { enrolled: true } });
    expect(auditOf({ enrollment: none })).toEqual({ event: 'redirected', fields: { enrolled: false } });
    expect(auditOf({ protocol: 'oauth2-refresh-token' })).toEqual({ event: 'exempt', fields: { reason: 'refresh_token' } });
    expect(auditOf({ clientId: 'exempt-app' })).toEqual({ event: 'exempt', fields: { reason: 'client' } });
    expect(auditOf({ connectionName: 'corp-sso' })).toEqual({ event: 'exempt', fields: { reason: 'connection' } });
    expect(auditOf({ protocol: 'oauth2-password' }, lenient)).toEqual({ event: 'exempt', fields: { reason: 'non_interactive' } });
    expect(auditOf({ sessionMethods: [methodUrl(settings)] })).toEqual({ event: 'session_reused', fields: {} });
    expect(auditOf({ protocol: 'oauth2-password' })).toEqual({ event: 'non_interactive_denied', fields: { protocol: 'oauth2-password' } });
    expect(auditOf({ protocol: 'Weird Protocol <x>' })).toEqual({ event: 'non_interactive_denied', fields: { protocol: 'other' } });
    expect(auditOf({ enrollment: none, emailVerified: false })).toEqual({ event: 'verified_email_required', fields: {} });
    expect(auditOf({ enrollment: none, hasEmail: false })).toEqual({ event: 'login_denied', fields: { reason: 'no_email' } });
    expect(auditOf({ silent: true })).toEqual({ event: 'login_denied', fields: { reason: 'silent' } });
    expect(auditOf({ enrollment: { ...enrolled, lockedUntilMs: NOW + 60_500 } })).toEqual({
      event: 'login_denied',
      fields: { reason: 'locked', locked_until: Math.floor((NOW + 60_500) / 1000) },
    });
  });

  test('on a result: verified or enrolled with the method, cancelled, locked, refused with a reason', () => {
    expect(continueAudit(decideOnContinue(token(verifiedApp), facts(), settings))).toEqual({
      event: 'verified',
      fields: { method: 'app' },
    });
    const enrolling = decideOnContinue(token({ ...verifiedApp, method: 'sms', enrolledNow: true }), facts({ enrollment: none }), settings);
    expect(continueAudit(enrolling)).toEqual({ event: 'enrolled', fields: { method: 'sms' } });
    expect(continueAudit(decideOnContinue(token({ kind: 'cancelled', failures: 3 }), facts(), settings))).toEqual({
      event: 'login_denied',
      fields: { reason: 'cancelled', failures: 3 },
    });
    const until = Math.floor(NOW / 1000) + 900;
    expect(continueAudit(decideOnContinue(token({ kind: 'locked', failures: 5, lockedUntilSec: until }), facts(), settings))).toEqual({
      event: 'locked',
      fields: { failures: 5, locked_until: until },
    });
    const refused = (t: ResultToken, f = facts()) => continueAudit(decideOnContinue(t, f, settings));
    expect(refused(token(verifiedApp, { issuer: 'https://evil.example' }))).toEqual({
      event: 'result_refused',
      fields: { reason: 'issuer' },
    });
    expect(refused(token(verifiedApp, { userId: 'auth0|2' }))).toEqual({ event: 'result_refused', fields: { reason: 'subject' } });
    const old = Math.floor(NOW / 1000) - 600;
    expect(refused(token(verifiedApp, { issuedAtSec: old, expiresAtSec: old + 120 }))).toEqual({
      event: 'result_refused',
      fields: { reason: 'too_old' },
    });
    expect(refused(token({ ...verifiedApp, authyId: '99' }))).toEqual({ event: 'result_refused', fields: { reason: 'other_device' } });
    expect(refused(token({ ...verifiedApp, enrolledNow: true }))).toEqual({
      event: 'result_refused',
      fields: { reason: 'enrollment_mismatch' },
    });
    expect(refused(token(verifiedApp), facts({ enrollment: { ...enrolled, lockedUntilMs: NOW + 1000 } }))).toEqual({
      event: 'result_refused',
      fields: { reason: 'locked_meanwhile' },
    });
  });

  test("every event is one of the Action's names, every code snake_case", () => {
    const notes = [
      auditOf(),
      auditOf({ protocol: 'oauth2-refresh-token' }),
      auditOf({ silent: true }),
      auditOf({ protocol: 'oauth2-password' }),
      continueAudit(decideOnContinue(token({ kind: 'cancelled', failures: 1 }), facts(), settings)),
      continueAudit(decideOnContinue(token(verifiedApp, { audience: 'x.example' }), facts(), settings)),
    ];
    for (const note of notes) {
      expect(ACTION_AUDIT_EVENTS).toContain(note.event);
      if (typeof note.fields.reason === 'string') expect(note.fields.reason).toMatch(/^[a-z]+(_[a-z]+)*$/);
    }
  });
});
