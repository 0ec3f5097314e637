/** The deploy's keyword check with Twilio Verify: what PROVIDER=verify requires, each Verify value checked, credentials masked. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDeployInputs } from '../../scripts/deploy/check';
import { DeployError } from '../../scripts/deploy/errors';
import { TEST_ENV } from '../fixtures/deploy/workspace';

const ROOT = join(__dirname, '..', '..');
const SOURCES = { tenantYaml: readFileSync(join(ROOT, 'tenant.yaml'), 'utf8'), actionCode: '// code' };
const VERIFY = {
  AUTHY2FA_PROVIDER: 'verify',
  AUTHY2FA_VERIFY_SERVICE_SID: 'VA' + 'a'.repeat(32),
  AUTHY2FA_TWILIO_ACCOUNT_SID: 'AC' + 'b'.repeat(32),
  AUTHY2FA_TWILIO_AUTH_TOKEN: 'twilio-auth-token-value',
  AUTHY2FA_VERIFY_IDENTITY_KEY: 'verify-identity-key-'.padEnd(40, 'x'),
};
const withoutAuthyKey = Object.fromEntries(Object.entries(TEST_ENV).filter(([name]) => name !== 'AUTHY2FA_AUTHY_API_KEY'));

function problems(env: Record<string, string | undefined>): string[] {
  try {
    checkDeployInputs(env, SOURCES);
  } catch (error) {
    if (error instanceof DeployError) return error.message.split('\n');
    throw error;
  }
  return [];
}

test('PROVIDER=verify needs the Verify settings, not the Authy key; the Twilio secrets are masked', () => {
  const inputs = checkDeployInputs({ ...withoutAuthyKey, ...VERIFY }, SOURCES);
  expect(inputs.mappings.AUTHY2FA_PROVIDER).toBe('verify');
  expect(inputs.mappings.AUTHY2FA_AUTHY_API_KEY).toBe('');
  expect(inputs.mappings.AUTHY2FA_VERIFY_API_URL).toBe('');
  expect(inputs.sensitiveValues).toEqual(expect.arrayContaining([VERIFY.AUTHY2FA_TWILIO_AUTH_TOKEN, VERIFY.AUTHY2FA_VERIFY_IDENTITY_KEY]));
});

test('each Verify value is checked, naming its keyword', () => {
  const all = (env: Record<string, string | undefined>) => problems({ ...withoutAuthyKey, ...VERIFY, ...env }).join('\n');
  expect(all({ AUTHY2FA_VERIFY_SERVICE_SID: undefined })).toContain('AUTHY2FA_VERIFY_SERVICE_SID: not set');
  expect(all({ AUTHY2FA_VERIFY_IDENTITY_KEY: 'short' })).toContain(
    'AUTHY2FA_VERIFY_IDENTITY_KEY: VERIFY_IDENTITY_KEY must be at least 32 bytes',
  );
  expect(all({ AUTHY2FA_VERIFY_SERVICE_SID: 'VA1' })).toContain('AUTHY2FA_VERIFY_SERVICE_SID: VERIFY_SERVICE_SID must be');
  expect(all({ AUTHY2FA_TWILIO_AUTH_TOKEN: undefined })).toContain('AUTHY2FA_TWILIO_AUTH_TOKEN: TWILIO_AUTH_TOKEN is not set');
  expect(all({ AUTHY2FA_VERIFY_API_URL: 'http://localhost:3004' })).toContain(
    'AUTHY2FA_VERIFY_API_URL: VERIFY_API_URL must be an absolute https URL',
  );
  expect(all({ AUTHY2FA_PROVIDER: 'duo' })).toContain('AUTHY2FA_PROVIDER: PROVIDER must be authy or verify');
  expect(all({})).not.toContain(VERIFY.AUTHY2FA_TWILIO_AUTH_TOKEN);
});

test('PROVIDER=authy (the default) still needs the Authy key', () => {
  expect(problems(withoutAuthyKey).join('\n')).toContain('AUTHY2FA_AUTHY_API_KEY: not set (Action secret AUTHY_API_KEY is required)');
});
