/** lib/audit.ts: the event names of every component, the user hash, and the line the Action and the admin tools write. */
import { createHmac, hkdfSync } from 'node:crypto';
import {
  ACTION_AUDIT_EVENTS,
  ADMIN_AUDIT_EVENTS,
  FORMS_SERVER_AUDIT_EVENTS,
  auditJsonLine,
  auditKey,
  auditLine,
  auditRecord,
  userHash,
  type AuditFields,
} from '../../lib/audit';

const SECRET = 'lib-audit-test-shared-secret-0123456789';

test('event names: unique snake_case words in each component; a name two components share means the same thing', () => {
  for (const list of [FORMS_SERVER_AUDIT_EVENTS, ACTION_AUDIT_EVENTS, ADMIN_AUDIT_EVENTS]) {
    expect(new Set(list).size).toBe(list.length);
    for (const event of list) expect(event).toMatch(/^[a-z]+(_[a-z]+)*$/);
  }
  const shared = ACTION_AUDIT_EVENTS.filter((event) => (FORMS_SERVER_AUDIT_EVENTS as readonly string[]).includes(event));
  expect(shared.sort()).toEqual(['enrolled', 'locked', 'verified']);
  for (const event of ADMIN_AUDIT_EVENTS) {
    expect([...FORMS_SERVER_AUDIT_EVENTS, ...ACTION_AUDIT_EVENTS] as readonly string[]).not.toContain(event);
  }
});

test('the key: AUDIT_HASH_KEY as given, else HKDF-SHA256 of SHARED_SECRET with the fixed label; the hash: HMAC-SHA256, 16 bytes hex', () => {
  const derived = auditKey({ auditHashKey: null, sharedSecret: SECRET });
  expect(derived.equals(Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'authy2fa audit user hash v1', 32)))).toBe(true);
  expect(auditKey({ auditHashKey: 'k'.repeat(32), sharedSecret: SECRET }).toString('utf8')).toBe('k'.repeat(32));
  expect(userHash(derived, 'auth0|x')).toBe(createHmac('sha256', derived).update('auth0|x').digest('hex').slice(0, 32));
});

test('the derived key is per shared secret: another secret gives another key, however many secrets came before', () => {
  const first = auditKey({ auditHashKey: null, sharedSecret: SECRET });
  const other = auditKey({ auditHashKey: null, sharedSecret: `${SECRET}-other` });
  expect(other.equals(first)).toBe(false);
  expect(other.equals(Buffer.from(hkdfSync('sha256', `${SECRET}-other`, Buffer.alloc(0), 'authy2fa audit user hash v1', 32)))).toBe(true);
  // More secrets than the process keeps keys for: the first is derived again, the same.
  for (let i = 0; i < 20; i++) auditKey({ auditHashKey: null, sharedSecret: `${SECRET}-${i}` });
  expect(auditKey({ auditHashKey: null, sharedSecret: SECRET }).equals(first)).toBe(true);
});

test('a record: the extra fields, then event, tenant and user, which no field overwrites; without a key, no user', () => {
  const key = auditKey({ auditHashKey: null, sharedSecret: SECRET });
  const subject = { tenant: 't.example', userId: 'auth0|x' };
  expect(auditRecord(key, 'verified', subject, { method: 'sms', user: 'auth0|x', event: 'other' })).toEqual({
    method: 'sms',
    event: 'verified',
    tenant: 't.example',
    user: userHash(key, 'auth0|x'),
  });
  expect(auditRecord(null, 'reset', subject)).toEqual({ event: 'reset', tenant: 't.example' });
  expect(auditRecord(key, 'rate_limited', null)).toEqual({ event: 'rate_limited' });
});

test('a JSON line: source and time first, msg "audit" last, none of them taken from the fields', () => {
  const line = auditJsonLine('action', 1234, { source: 'forged', time: 1, msg: 'x', phase: 'execute', event: 'exempt' });
  expect(line).toBe('{"source":"action","time":1234,"phase":"execute","event":"exempt","msg":"audit"}');
  expect(auditJsonLine('reset-2fa', 5, { event: 'reset', tenant: 't' })).toBe(
    '{"source":"reset-2fa","time":5,"event":"reset","tenant":"t","msg":"audit"}',
  );
});

test('auditLine writes what auditJsonLine writes of auditRecord, for any fields', () => {
  const key = Buffer.alloc(32, 9);
  const subject = { tenant: 't.example', userId: 'auth0|x' };
  const cases: AuditFields[][] = [
    [],
    [{ phase: 'execute' }],
    [{ phase: 'execute' }, { reason: 'misconfigured', setting: 'FORMS_URL' }],
    [{ phase: 'continue' }, { phase: 'other', event: 'x', user: 'u', tenant: 'h', n: 3, ok: true }],
    [
      { source: 's', time: 1, msg: 'm', 2: 'two', 1: 'one' },
      { msg: 'again', z: 'z' },
    ],
    [JSON.parse('{"__proto__": "p", "a": "b"}') as AuditFields],
  ];
  for (const parts of cases) {
    for (const [k, s] of [
      [key, subject],
      [null, subject],
      [key, null],
    ] as const) {
      const merged = parts.reduce<AuditFields>((all, part) => ({ ...all, ...part }), {});
      expect(auditLine('action', 1234, k, 'redirected', s, ...parts)).toBe(
        auditJsonLine('action', 1234, auditRecord(k, 'redirected', s, merged)),
      );
    }
  }
});
