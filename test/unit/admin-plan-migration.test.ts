import { decideMigration, previousValues, untrustedAuthyFields, addToPlan, emptyPlan } from '../../scripts/admin/plan-migration';

const NOW = '2025-06-02T10:00:00.000Z';
const user = (app_metadata: Record<string, unknown> = {}, user_metadata: Record<string, unknown> = {}) => ({ app_metadata, user_metadata });

describe('decideMigration', () => {
  it('migrates app_metadata.authyID (number) and removes the key', () => {
    expect(decideMigration(user({ authyID: 1234567, roles: ['a'] }), NOW)).toEqual({
      kind: 'migrate',
      source: 'legacy-authyID',
      patch: { authy_2fa: { v: 1, authy_id: '1234567', enrolled_at: NOW, failures: 0 }, authyID: null },
      previous: { authy_2fa: null, authyID: 1234567 },
    });
  });

  it('migrates app_metadata.mfa of provider authy and removes it', () => {
    const d = decideMigration(user({ mfa: { provider: 'authy', payload: { id: '2345678' } } }), NOW);
    expect(d).toMatchObject({ kind: 'migrate', source: 'legacy-mfa', patch: { mfa: null, authy_2fa: { authy_id: '2345678' } } });
  });

  it('keeps failures and an existing lock when the current key holds counters but no id', () => {
    const d = decideMigration(
      user({ authyID: '1234567', authy_2fa: { v: 1, failures: 2, locked_until: '2025-06-02T11:00:00.000Z' } }),
      NOW,
    );
    expect(d).toMatchObject({ kind: 'migrate', patch: { authy_2fa: { failures: 2, locked_until: '2025-06-02T11:00:00.000Z' } } });
    if (d.kind === 'migrate') expect(d.previous.authy_2fa).toEqual({ v: 1, failures: 2, locked_until: '2025-06-02T11:00:00.000Z' });
  });

  it('only removes leftover rule-era keys of a user already in the current shape', () => {
    const d = decideMigration(user({ authy_2fa: { v: 1, authy_id: '7', failures: 0 }, authyID: 7 }), NOW);
    expect(d).toMatchObject({ kind: 'migrate', source: 'current', patch: { authyID: null } });
  });

  it('leaves a current enrollment alone', () => {
    expect(decideMigration(user({ authy_2fa: { v: 1, authy_id: '7', failures: 0 } }), NOW)).toEqual({ kind: 'current' });
  });

  it('never trusts user_metadata: lists the user for re-enrollment', () => {
    const d = decideMigration(user({}, { authy_id: '5678901', AuthyID: 3, phone: '+15555550123' }), NOW);
    expect(d).toMatchObject({ kind: 'reenroll', fields: ['user_metadata.AuthyID', 'user_metadata.authy_id'] });
    expect(JSON.stringify(d)).not.toContain('+1555');
  });

  it('migrates from app_metadata even if user_metadata also has an id', () => {
    expect(decideMigration(user({ authyID: 1 }, { authy_id: '999' }), NOW).kind).toBe('migrate');
  });

  it('lists a rule-era key without a valid id and changes nothing', () => {
    expect(decideMigration(user({ authyID: 'abc' }), NOW)).toMatchObject({ kind: 'invalid-legacy', fields: ['app_metadata.authyID'] });
    expect(decideMigration(user({ mfa: { provider: 'authy', payload: {} } }), NOW)).toMatchObject({
      kind: 'invalid-legacy',
      fields: ['app_metadata.mfa'],
    });
  });

  it('ignores another provider in app_metadata.mfa', () => {
    expect(decideMigration(user({ mfa: { provider: 'duo', payload: { id: '1' } } }), NOW)).toEqual({ kind: 'none' });
  });
});

describe('previousValues', () => {
  it('records each patched key, null for an absent one', () => {
    expect(previousValues({ a: 1, b: { c: 2 }, z: 0 }, { a: null, b: 3, d: 4 })).toEqual({ a: 1, b: { c: 2 }, d: null });
  });
});

describe('untrustedAuthyFields', () => {
  it('finds authy-named keys and provider:"authy" objects', () => {
    expect(untrustedAuthyFields({ mfa: { provider: 'Authy' }, color: 'red' })).toEqual(['user_metadata.mfa']);
    expect(untrustedAuthyFields({ color: 'red' })).toEqual([]);
  });
});

describe('addToPlan', () => {
  it('sorts users into the plan', () => {
    const plan = emptyPlan();
    addToPlan(plan, { user_id: 'a|1', email: null, connection: 'db', app_metadata: { authyID: 1 }, user_metadata: {} }, NOW);
    addToPlan(plan, { user_id: 'a|2', email: null, connection: 'db', app_metadata: {}, user_metadata: {} }, NOW);
    addToPlan(
      plan,
      {
        user_id: 'a|3',
        email: null,
        connection: null,
        app_metadata: { authy_2fa: { v: 1, authy_id: '3', failures: 0 } },
        user_metadata: {},
      },
      NOW,
    );
    expect(plan).toMatchObject({ scanned: 3, current: 1, none: 1, reenroll: [], invalid: [] });
    expect(plan.migrate.map((m) => m.user_id)).toEqual(['a|1']);
  });
});
