/** Audit lines: the keyed user hash, its key (AUDIT_HASH_KEY or derived from SHARED_SECRET), and what a line holds. */
import { createHmac, hkdfSync } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { AUDIT_EVENTS, AUDIT_KEY_LABEL, auditKey, createAuditLog, subjectOfKey, userHash } from '../../forms-server/audit';
import { loadConfig } from '../../forms-server/config';

const BASE = {
  SHARED_SECRET: 'forms-server-test-shared-secret-0123456789',
  FORMS_PUBLIC_URL: 'https://2fa.example.com/2fa',
  TRUSTED_TENANTS: 'https://tenant.example.auth0.com',
  AUTHY_API_KEY: 'authy-key',
};

/** A logger that keeps what `info` was given, as pino would write it (fields, then msg). */
function logger(): { log: FastifyBaseLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = { info: (fields: Record<string, unknown>, msg: string) => lines.push({ ...fields, msg }) };
  return { log: log as unknown as FastifyBaseLogger, lines };
}

test('the default key is HKDF-SHA256 of SHARED_SECRET with the fixed label, 32 bytes', () => {
  const key = auditKey(loadConfig(BASE));
  const expected = Buffer.from(hkdfSync('sha256', BASE.SHARED_SECRET, Buffer.alloc(0), 'authy2fa audit user hash v1', 32));
  expect(AUDIT_KEY_LABEL).toBe('authy2fa audit user hash v1');
  expect(key.equals(expected)).toBe(true);
  // Not the secret itself, and another secret gives another key.
  expect(key.toString('utf8')).not.toContain(BASE.SHARED_SECRET);
  expect(auditKey(loadConfig({ ...BASE, SHARED_SECRET: 'another-shared-secret-that-is-long-enough!!' })).equals(key)).toBe(false);
});

test('AUDIT_HASH_KEY, when set, is the key', () => {
  const config = loadConfig({ ...BASE, AUDIT_HASH_KEY: 'audit-hash-key-0123456789abcdef-0123' });
  expect(auditKey(config).toString('utf8')).toBe('audit-hash-key-0123456789abcdef-0123');
});

test('the user hash is HMAC-SHA256 of the user id, its first 16 bytes in hex; stable per user, different between users and keys', () => {
  const key = auditKey(loadConfig(BASE));
  const hash = userHash(key, 'auth0|alice');
  expect(hash).toBe(createHmac('sha256', key).update('auth0|alice').digest('hex').slice(0, 32));
  expect(hash).toMatch(/^[0-9a-f]{32}$/);
  expect(userHash(key, 'auth0|alice')).toBe(hash);
  expect(userHash(key, 'auth0|bob')).not.toBe(hash);
  expect(userHash(Buffer.from('x'.repeat(32)), 'auth0|alice')).not.toBe(hash);
});

test('a line: msg audit, the event, the tenant, the hashed user and the extra fields, and nothing else of the user', () => {
  const { log, lines } = logger();
  const key = auditKey(loadConfig(BASE));
  const audit = createAuditLog(key);
  audit(log, 'code_wrong', { tenant: 'tenant.example.auth0.com', userId: 'auth0|alice' }, { channel: 'sms', failures: 2 });
  audit(log, 'rate_limited', null);
  expect(lines[0]).toMatchObject({
    msg: 'audit',
    event: 'code_wrong',
    tenant: 'tenant.example.auth0.com',
    user: userHash(key, 'auth0|alice'),
    channel: 'sms',
    failures: 2,
  });
  expect(JSON.stringify(lines)).not.toContain('alice');
  expect(lines[1]).toMatchObject({ msg: 'audit', event: 'rate_limited' });
  expect(lines[1]).not.toHaveProperty('user');
});

test('an extra field cannot overwrite the event, tenant or user', () => {
  const { log, lines } = logger();
  const key = auditKey(loadConfig(BASE));
  createAuditLog(key)(log, 'locked', { tenant: 't.example', userId: 'u' }, { event: 'x', user: 'y', tenant: 'z' });
  expect(lines[0]).toMatchObject({ event: 'locked', tenant: 't.example', user: userHash(key, 'u') });
});

test('the user key splits at its first bar: the tenant host, then the user id (which may hold bars)', () => {
  expect(subjectOfKey('tenant.example.auth0.com|auth0|abc')).toEqual({ tenant: 'tenant.example.auth0.com', userId: 'auth0|abc' });
});

test('event names are unique snake_case words', () => {
  expect(new Set(AUDIT_EVENTS).size).toBe(AUDIT_EVENTS.length);
  for (const event of AUDIT_EVENTS) expect(event).toMatch(/^[a-z]+(_[a-z]+)*$/);
});
