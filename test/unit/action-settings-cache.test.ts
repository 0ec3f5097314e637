/** actions/authy-2fa/src/settings-cache.ts: the last parse is used again only for the same value of every secret. */
import { parseSettings, SettingsError } from '../../lib/action-settings';
import { settingsOf } from '../../actions/authy-2fa/src/settings-cache';

const SECRETS = {
  FORMS_URL: 'https://2fa.example.com/2fa',
  SHARED_SECRET: 'settings-cache-test-shared-secret-0123456789',
  AUTHY_API_KEY: 'key-1',
};

test('the same values in another object: the same settings, equal to a fresh parse', () => {
  const first = settingsOf({ ...SECRETS });
  expect(settingsOf({ ...SECRETS })).toBe(first);
  expect(first).toEqual(parseSettings(SECRETS));
  expect(Object.isFrozen(first)).toBe(true);
});

test('any value changed, added or removed, even on the same object: parsed again', () => {
  const secrets: Record<string, string> = { ...SECRETS };
  const first = settingsOf(secrets);
  secrets.MAX_FAILURES = '7';
  const second = settingsOf(secrets);
  expect(second).not.toBe(first);
  expect(second.maxFailures).toBe(7);
  secrets.AUTHY_API_KEY = 'key-2';
  expect(settingsOf(secrets).authyApiKey).toBe('key-2');
  delete secrets.MAX_FAILURES;
  expect(settingsOf(secrets).maxFailures).toBe(5);
});

test('a setting that fails is refused every time, and a good one after it is parsed', () => {
  const bad = { ...SECRETS, MAX_FAILURES: 'many' };
  expect(() => settingsOf(bad)).toThrow(SettingsError);
  expect(() => settingsOf({ ...bad })).toThrow(SettingsError);
  expect(settingsOf({ ...SECRETS }).maxFailures).toBe(5);
  expect(() => settingsOf({ ...SECRETS, AUTHY_API_KEY: 42 })).toThrow(SettingsError);
});

test('one secret removed and another added (as many set as before): parsed again', () => {
  const first = settingsOf({ ...SECRETS, MAX_FAILURES: '7' });
  const second = settingsOf({ ...SECRETS, LOCK_MINUTES: '1' });
  expect(second).not.toBe(first);
  expect(second.maxFailures).toBe(5);
  expect(second.lockSeconds).toBe(60);
});

test('a secret set to undefined counts as not set; names the Action does not read are ignored', () => {
  const first = settingsOf({ ...SECRETS });
  expect(settingsOf({ ...SECRETS, MAX_FAILURES: undefined })).toBe(first);
  expect(settingsOf({ ...SECRETS, SOMETHING_ELSE: 'x' })).toBe(first);
  expect(
    settingsOf({ FORMS_URL: SECRETS.FORMS_URL, SHARED_SECRET: SECRETS.SHARED_SECRET, MAX_FAILURES: undefined, AUTHY_API_KEY: 'key-1' }),
  ).toBe(first);
  expect(() => settingsOf({ FORMS_URL: SECRETS.FORMS_URL, SHARED_SECRET: SECRETS.SHARED_SECRET })).toThrow(SettingsError);
});
