/**
 * migrate-to-verify's pure parts: who is a candidate, the exported seed's check, the record
 * written, the --remove-from-authy decision, and the strict reading of Authy's seed export.
 */
import { parseSeedExport } from '../../scripts/admin/authy-export';
import {
  checkExportedSeed,
  classifyForVerify,
  currentCode,
  removalDecision,
  verifyMigrationPatch,
  type ExportedSeed,
} from '../../scripts/admin/plan-verify-migration';
import { base32Encode, totp } from '../../lib/totp';

const NOW = Date.parse('2025-06-02T10:00:00.000Z');
const SEED = Buffer.from('12345678901234567890');
const SECRET = base32Encode(SEED, { padding: false });
const FACTOR = 'YF0123456789abcdef0123456789abcdef';

function seed(otp: string, parameters: ExportedSeed['parameters'] = { digits: 6, periodSeconds: 30, algorithm: 'sha1' }): ExportedSeed {
  return { secret: SECRET, otp, parameters };
}

describe('classifyForVerify', () => {
  it('takes Authy records (provider absent or authy) with an authy_id', () => {
    expect(classifyForVerify({ authy_2fa: { v: 1, authy_id: '1234567', failures: 0 } })).toEqual({ kind: 'authy', authyId: '1234567' });
    expect(classifyForVerify({ authy_2fa: { v: 1, provider: 'authy', authy_id: 42, failures: 0 } })).toEqual({
      kind: 'authy',
      authyId: '42',
    });
  });
  it('skips Verify, legacy, unenrolled and unknown records', () => {
    expect(classifyForVerify({ authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: FACTOR, failures: 0 } }).kind).toBe('verify');
    expect(classifyForVerify({ authyID: 1234567 }).kind).toBe('legacy');
    expect(classifyForVerify({}).kind).toBe('none');
    expect(classifyForVerify({ authy_2fa: { v: 1, failures: 0 } }).kind).toBe('none');
    expect(classifyForVerify({ authy_2fa: { v: 1, provider: 'duo', authy_id: '1', failures: 0 } }).kind).toBe('invalid');
    expect(classifyForVerify({ authy_2fa: { v: 1, authy_id: 'abc', failures: 0 } }).kind).toBe('invalid');
  });
});

describe('checkExportedSeed', () => {
  it('accepts the code of the current step and of one step either side', () => {
    for (const offset of [-30_000, 0, 30_000]) {
      expect(checkExportedSeed(seed(totp(SEED, NOW + offset, 6, 30)), NOW)).toEqual({ ok: true });
    }
  });
  it('refuses a code two steps away, other parameters, a short seed or unsupported parameters', () => {
    expect(checkExportedSeed(seed(totp(SEED, NOW + 60_000, 6, 30)), NOW).ok).toBe(false);
    expect(checkExportedSeed(seed(totp(SEED, NOW, 6, 30, 'sha256')), NOW).ok).toBe(false);
    expect(checkExportedSeed({ ...seed(totp(SEED, NOW, 6, 30)), secret: 'AAAAAAAA' }, NOW).ok).toBe(false);
    const authyNative = seed(totp(SEED, NOW, 7, 10), { digits: 7, periodSeconds: 10, algorithm: 'sha1' });
    expect(checkExportedSeed(authyNative, NOW)).toEqual({ ok: false, reason: expect.stringContaining('does not support') });
    expect(checkExportedSeed(seed('1234567'), NOW).ok).toBe(false);
  });
  it('computes the current code with the seed parameters', () => {
    const params = { digits: 8, periodSeconds: 60, algorithm: 'sha512' as const };
    expect(currentCode(seed('00000000', params), NOW)).toBe(totp(SEED, NOW, 8, 60, 'sha512'));
  });
});

describe('verifyMigrationPatch', () => {
  it('keeps every field and authy_id, and names Verify', () => {
    const record = { v: 1, authy_id: '1234567', enrolled_at: '2024-01-01T00:00:00.000Z', failures: 2, last_method: 'sms' };
    expect(verifyMigrationPatch({ authy_2fa: record, roles: ['a'] }, FACTOR, '2025-06-02T10:00:00.000Z')).toEqual({
      authy_2fa: { ...record, provider: 'verify', verify_factor_sid: FACTOR, verify_migrated_at: '2025-06-02T10:00:00.000Z' },
    });
  });
});

describe('removalDecision', () => {
  const migrated = {
    v: 1,
    provider: 'verify',
    authy_id: '1234567',
    verify_factor_sid: FACTOR,
    verify_migrated_at: '2025-06-01T00:00:00.000Z',
    failures: 0,
  };
  it('removes after a login since the migration, dropping only authy_id', () => {
    const { authy_id: _dropped, ...rest } = migrated;
    expect(removalDecision({ app_metadata: { authy_2fa: migrated }, last_login: '2025-06-01T08:00:00.000Z' })).toEqual({
      kind: 'remove',
      authyId: '1234567',
      patch: { authy_2fa: rest },
    });
  });
  it('waits without a login since the migration; skips Authy users and records without a migration time', () => {
    expect(removalDecision({ app_metadata: { authy_2fa: migrated }, last_login: '2025-05-31T08:00:00.000Z' }).kind).toBe('wait');
    expect(removalDecision({ app_metadata: { authy_2fa: migrated } }).kind).toBe('wait');
    expect(
      removalDecision({ app_metadata: { authy_2fa: { v: 1, authy_id: '1', failures: 0 } }, last_login: '2026-01-01T00:00:00Z' }).kind,
    ).toBe('skip');
    const { verify_migrated_at: _t, ...unmigrated } = migrated;
    expect(removalDecision({ app_metadata: { authy_2fa: unmigrated }, last_login: '2026-01-01T00:00:00Z' }).kind).toBe('skip');
  });
});

describe('parseSeedExport (Authy: {"secret","otp","success":true})', () => {
  it('reads the documented reply, with SHA-1 / 30 s and the code length as parameters', () => {
    expect(parseSeedExport({ secret: SECRET, otp: '123456', success: true })).toEqual({
      kind: 'seed',
      seed: { secret: SECRET, otp: '123456', parameters: { digits: 6, periodSeconds: 30, algorithm: 'sha1' } },
    });
  });
  it('takes stated parameters, strictly', () => {
    const reply = { secret: SECRET, otp: '12345678', success: true, digits: 8, period: 60, algorithm: 'SHA256' };
    expect(parseSeedExport(reply)).toMatchObject({
      kind: 'seed',
      seed: { parameters: { digits: 8, periodSeconds: 60, algorithm: 'sha256' } },
    });
    expect(parseSeedExport({ ...reply, algorithm: 'md5' }).kind).toBe('malformed');
    expect(parseSeedExport({ ...reply, period: 'thirty' }).kind).toBe('malformed');
  });
  it('refuses anything else', () => {
    expect(parseSeedExport(null).kind).toBe('malformed');
    expect(parseSeedExport({ secret: SECRET, otp: '123456' }).kind).toBe('malformed');
    expect(parseSeedExport({ secret: 'not base32!', otp: '123456', success: true }).kind).toBe('malformed');
    expect(parseSeedExport({ secret: SECRET, otp: 123456, success: true }).kind).toBe('malformed');
  });
});
