import { parseSettings, SettingsError } from '../../lib/action-settings';

const good = {
  FORMS_URL: 'https://2fa.example.com/2fa',
  SHARED_SECRET: 's'.repeat(32),
  AUTHY_API_KEY: 'key',
};

function failing(secrets: Record<string, unknown>): string {
  try {
    parseSettings(secrets);
  } catch (error) {
    if (error instanceof SettingsError) return error.setting;
    throw error;
  }
  return 'none';
}

describe('Action settings', () => {
  test('defaults', () => {
    const s = parseSettings(good);
    expect(s.formsOrigin).toBe('https://2fa.example.com');
    expect(s.authyApiUrl).toBe('https://api.authy.com');
    expect(s.maxFailures).toBe(5);
    expect(s.lockSeconds).toBe(900);
    expect(s.allowNonInteractive).toBe(false);
    expect(s.claimNamespace).toBe('https://2fa.example.com/');
    expect(s.authyTimeoutMs).toBe(5000);
  });

  test('lists, numbers and flags', () => {
    const s = parseSettings({
      ...good,
      EXEMPT_CLIENT_IDS: ' a, b ,,',
      MAX_FAILURES: '3',
      LOCK_MINUTES: '0.1',
      ALLOW_NON_INTERACTIVE: 'true',
    });
    expect([...s.exemptClientIds]).toEqual(['a', 'b']);
    expect(s.maxFailures).toBe(3);
    expect(s.lockSeconds).toBe(6);
    expect(s.allowNonInteractive).toBe(true);
  });

  test('each missing or malformed setting is named', () => {
    expect(failing({ ...good, FORMS_URL: undefined })).toBe('FORMS_URL');
    expect(failing({ ...good, FORMS_URL: 'http://2fa.example.com/' })).toBe('FORMS_URL');
    expect(failing({ ...good, FORMS_URL: 'not a url' })).toBe('FORMS_URL');
    expect(failing({ ...good, SHARED_SECRET: 'short' })).toBe('SHARED_SECRET');
    expect(failing({ ...good, AUTHY_API_KEY: '  ' })).toBe('AUTHY_API_KEY');
    expect(failing({ ...good, AUTHY_API_URL: 'ftp://x' })).toBe('AUTHY_API_URL');
    expect(failing({ ...good, MAX_FAILURES: 'five' })).toBe('MAX_FAILURES');
    expect(failing({ ...good, MAX_FAILURES: '0' })).toBe('MAX_FAILURES');
    expect(failing({ ...good, LOCK_MINUTES: '-1' })).toBe('LOCK_MINUTES');
    expect(failing({ ...good, ALLOW_NON_INTERACTIVE: 'yes' })).toBe('ALLOW_NON_INTERACTIVE');
    expect(failing({ ...good, CLAIM_NAMESPACE: 'https://x.example.com' })).toBe('CLAIM_NAMESPACE');
  });

  test('REQUIRE_VERIFIED_EMAIL: on by default and when empty, false turns it off, anything else is refused', () => {
    expect(parseSettings(good).requireVerifiedEmail).toBe(true);
    expect(parseSettings({ ...good, REQUIRE_VERIFIED_EMAIL: '' }).requireVerifiedEmail).toBe(true);
    expect(parseSettings({ ...good, REQUIRE_VERIFIED_EMAIL: 'true' }).requireVerifiedEmail).toBe(true);
    expect(parseSettings({ ...good, REQUIRE_VERIFIED_EMAIL: 'false' }).requireVerifiedEmail).toBe(false);
    expect(failing({ ...good, REQUIRE_VERIFIED_EMAIL: 'no' })).toBe('REQUIRE_VERIFIED_EMAIL');
    expect(() => parseSettings({ ...good, REQUIRE_VERIFIED_EMAIL: 'off' })).toThrow('REQUIRE_VERIFIED_EMAIL must be true or false');
  });

  test('AUDIT_HASH_KEY: absent or empty means derived from SHARED_SECRET; set, at least 32 bytes, used exactly as given', () => {
    expect(parseSettings(good).auditHashKey).toBeNull();
    expect(parseSettings({ ...good, AUDIT_HASH_KEY: '' }).auditHashKey).toBeNull();
    const key = ' audit-hash-key-0123456789abcdef-0123';
    expect(parseSettings({ ...good, AUDIT_HASH_KEY: key }).auditHashKey).toBe(key);
    expect(failing({ ...good, AUDIT_HASH_KEY: 'k'.repeat(31) })).toBe('AUDIT_HASH_KEY');
    expect(() => parseSettings({ ...good, AUDIT_HASH_KEY: 'short' })).toThrow('AUDIT_HASH_KEY must be at least 32 bytes');
  });

  test('plain http only on loopback (the sandbox)', () => {
    expect(parseSettings({ ...good, FORMS_URL: 'http://localhost:3002/2fa' }).formsOrigin).toBe('http://localhost:3002');
  });
});
