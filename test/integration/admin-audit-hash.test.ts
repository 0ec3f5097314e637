/**
 * npm run audit-hash: the `user` field of a user's audit lines, computed with the configured key
 * exactly as the forms server, the Action and the admin tools compute it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, hkdfSync } from 'node:crypto';
import { auditKey as formsServerAuditKey, userHash as formsServerUserHash } from '../../forms-server/audit';
import type { CliDeps } from '../../scripts/admin/cli';
import { main } from '../../scripts/audit-hash';
import { AUDIT_HASH_KEY, AUDIT_SHARED_SECRET } from '../fixtures/admin/audit';
import { captureStreams } from '../fixtures/admin/fake-tenant';

async function run(argv: string[], env: CliDeps['env'], extra: Partial<CliDeps> = {}) {
  const io = captureStreams();
  const code = await main({ argv, env, stdout: io.stdout, stderr: io.stderr, ...extra });
  return { code, out: io.out(), err: io.err() };
}

test('prints the hash the forms server writes for the user id (key derived from SHARED_SECRET), and says which variable it used', async () => {
  const { code, out, err } = await run(['auth0|ana'], { SHARED_SECRET: AUDIT_SHARED_SECRET });
  expect(code).toBe(0);
  const formsServer = formsServerUserHash(formsServerAuditKey({ auditHashKey: null, sharedSecret: AUDIT_SHARED_SECRET }), 'auth0|ana');
  expect(out).toBe(`${formsServer}\n`);
  // The documented recipe, by hand.
  const key = Buffer.from(hkdfSync('sha256', AUDIT_SHARED_SECRET, Buffer.alloc(0), 'authy2fa audit user hash v1', 32));
  expect(out.trim()).toBe(createHmac('sha256', key).update('auth0|ana').digest('hex').slice(0, 32));
  expect(err).toBe('settings: the environment only\nkey: SHARED_SECRET (derived)\n');
  expect(err).not.toContain(AUDIT_SHARED_SECRET);
});

test('AUDIT_HASH_KEY wins over SHARED_SECRET; several ids give one hash per line, in order', async () => {
  const { code, out, err } = await run(['auth0|ana', 'google-oauth2|123'], { SHARED_SECRET: AUDIT_SHARED_SECRET, AUDIT_HASH_KEY });
  expect(code).toBe(0);
  const key = Buffer.from(AUDIT_HASH_KEY, 'utf8');
  expect(out).toBe(`${formsServerUserHash(key, 'auth0|ana')}\n${formsServerUserHash(key, 'google-oauth2|123')}\n`);
  expect(err).toContain('key: AUDIT_HASH_KEY');
});

test('reads .env.<name> with --env, as the other tools do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-hash-env-'));
  try {
    writeFileSync(join(dir, '.env.prod'), `AUTHY2FA_SHARED_SECRET=${AUDIT_SHARED_SECRET}\n`);
    const { code, out } = await run(['auth0|ana', '--env', 'prod'], {}, { cwd: dir, processEnv: {} });
    expect(code).toBe(0);
    expect(out.trim()).toBe(
      formsServerUserHash(formsServerAuditKey({ auditHashKey: null, sharedSecret: AUDIT_SHARED_SECRET }), 'auth0|ana'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refuses an email, no id, a short key, and no key at all (exit 2), printing no hash', async () => {
  const email = await run(['ana@example.com'], { SHARED_SECRET: AUDIT_SHARED_SECRET });
  expect(email.code).toBe(2);
  expect(email.err).toContain('looks like an email');
  expect((await run([], { SHARED_SECRET: AUDIT_SHARED_SECRET })).code).toBe(2);
  const short = await run(['auth0|ana'], { AUDIT_HASH_KEY: 'too-short-key' });
  expect(short.code).toBe(2);
  expect(short.err).toContain('AUDIT_HASH_KEY must be at least 32 bytes');
  const none = await run(['auth0|ana'], {});
  expect(none.code).toBe(2);
  expect(none.err).toContain('none of AUDIT_HASH_KEY');
  for (const answer of [email, short, none]) expect(answer.out).toBe('');
});
