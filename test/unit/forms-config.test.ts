/** The forms server's settings: read once, validated, and every bad one named. */
import { ConfigError, loadConfig } from '../../forms-server/config';

const GOOD: Record<string, string> = {
  SHARED_SECRET: 'forms-server-test-shared-secret-0123456789',
  FORMS_PUBLIC_URL: 'https://2fa.example.com/2fa',
  TRUSTED_TENANTS: 'https://tenant.example.auth0.com',
  AUTHY_API_KEY: 'authy-key',
};

function env(overrides: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...GOOD, ...overrides };
}

function refusal(overrides: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env(overrides));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw new Error(`expected a ConfigError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a ConfigError, got a config');
}

test('the minimal settings give the documented defaults', () => {
  const config = loadConfig(GOOD);
  expect(config).toMatchObject({
    host: '127.0.0.1',
    port: 3002,
    publicOrigin: 'https://2fa.example.com',
    secureCookies: true,
    sharedSecret: GOOD.SHARED_SECRET,
    authyApiKey: 'authy-key',
    authyApiUrl: 'https://api.authy.com',
    authyTimeoutMs: 5000,
    rateLimitPerMinute: 60,
    trustProxy: false,
    logLevel: 'info',
  });
  expect(config.trustedTenants.map((u) => u.origin)).toEqual(['https://tenant.example.auth0.com']);
});

test('every optional setting is read', () => {
  const config = loadConfig(
    env({
      FORMS_HOST: '0.0.0.0',
      FORMS_PORT: '8080',
      FORMS_PUBLIC_URL: 'http://localhost:3002',
      TRUSTED_TENANTS: ' https://a.eu.auth0.com , https://login.example.org,http://localhost:3001 ',
      AUTHY_API_URL: 'http://127.0.0.1:4000/',
      AUTHY_TIMEOUT_MS: '500',
      RATE_LIMIT_PER_MINUTE: '100000',
      TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1',
      LOG_LEVEL: 'silent',
      REDIS_URL: 'redis://127.0.0.1:6380/2',
      REDIS_KEY_PREFIX: 'tenant-a:',
      VISIT_CAPACITY: '5000',
      REQUEST_TIMEOUT_MS: '4000',
      CONNECTION_TIMEOUT_MS: '6000',
      KEEP_ALIVE_TIMEOUT_MS: '2000',
      MAX_HEADER_BYTES: '8192',
    }),
  );
  expect(config).toMatchObject({
    host: '0.0.0.0',
    port: 8080,
    publicOrigin: 'http://localhost:3002',
    secureCookies: false,
    authyApiUrl: 'http://127.0.0.1:4000',
    authyTimeoutMs: 500,
    rateLimitPerMinute: 100000,
    trustProxy: ['10.0.0.0/8', '127.0.0.1', '::1'],
    logLevel: 'silent',
    redisUrl: 'redis://127.0.0.1:6380/2',
    redisKeyPrefix: 'tenant-a:',
    visitCapacity: 5000,
    requestTimeoutMs: 4000,
    connectionTimeoutMs: 6000,
    keepAliveTimeoutMs: 2000,
    maxHeaderBytes: 8192,
  });
  expect(config.trustedTenants.map((u) => u.host)).toEqual(['a.eu.auth0.com', 'login.example.org', 'localhost:3001']);
});

test('a secret of exactly 32 bytes is enough, counted in bytes', () => {
  expect(loadConfig(env({ SHARED_SECRET: 'x'.repeat(32) })).sharedSecret).toHaveLength(32);
  expect(loadConfig(env({ SHARED_SECRET: 'é'.repeat(16) })).sharedSecret).toHaveLength(16);
});

test.each([
  ['SHARED_SECRET', 'missing', { SHARED_SECRET: undefined }],
  ['SHARED_SECRET', 'blank', { SHARED_SECRET: '   ' }],
  ['SHARED_SECRET', '31 bytes', { SHARED_SECRET: 'x'.repeat(31) }],
  ['FORMS_PUBLIC_URL', 'missing', { FORMS_PUBLIC_URL: undefined }],
  ['FORMS_PUBLIC_URL', 'not a URL', { FORMS_PUBLIC_URL: '2fa.example.com' }],
  ['FORMS_PUBLIC_URL', 'plain http on a public host', { FORMS_PUBLIC_URL: 'http://2fa.example.com' }],
  ['FORMS_PUBLIC_URL', 'with credentials', { FORMS_PUBLIC_URL: 'https://user:pw@2fa.example.com' }],
  ['FORMS_PUBLIC_URL', 'another scheme', { FORMS_PUBLIC_URL: 'ftp://2fa.example.com' }],
  ['TRUSTED_TENANTS', 'missing', { TRUSTED_TENANTS: undefined }],
  ['TRUSTED_TENANTS', 'only commas', { TRUSTED_TENANTS: ' , ,' }],
  ['TRUSTED_TENANTS', 'a bare host', { TRUSTED_TENANTS: 'tenant.example.auth0.com' }],
  ['TRUSTED_TENANTS', 'plain http on a public host', { TRUSTED_TENANTS: 'http://tenant.example.auth0.com' }],
  ['TRUSTED_TENANTS', 'with a path', { TRUSTED_TENANTS: 'https://tenant.example.auth0.com/continue' }],
  ['TRUSTED_TENANTS', 'with a query', { TRUSTED_TENANTS: 'https://tenant.example.auth0.com/?x=1' }],
  ['TRUSTED_TENANTS', 'the same host twice', { TRUSTED_TENANTS: 'https://a.example.com,https://a.example.com:8443' }],
  ['TRUSTED_TENANTS', 'one bad among good', { TRUSTED_TENANTS: 'https://a.example.com,not a url' }],
  ['AUTHY_API_KEY', 'missing', { AUTHY_API_KEY: undefined }],
  ['AUTHY_API_KEY', 'blank', { AUTHY_API_KEY: '' }],
  ['AUTHY_API_URL', 'plain http on a public host', { AUTHY_API_URL: 'http://api.authy.com' }],
  ['AUTHY_API_URL', 'not a URL', { AUTHY_API_URL: 'api.authy.com' }],
  ['AUTHY_TIMEOUT_MS', 'not a number', { AUTHY_TIMEOUT_MS: 'five seconds' }],
  ['AUTHY_TIMEOUT_MS', 'too small', { AUTHY_TIMEOUT_MS: '499' }],
  ['AUTHY_TIMEOUT_MS', 'too large', { AUTHY_TIMEOUT_MS: '15001' }],
  ['AUTHY_TIMEOUT_MS', 'in exponent form', { AUTHY_TIMEOUT_MS: '1e3' }],
  ['AUTHY_TIMEOUT_MS', 'negative', { AUTHY_TIMEOUT_MS: '-1000' }],
  ['AUTHY_TIMEOUT_MS', 'a fraction', { AUTHY_TIMEOUT_MS: '1000.5' }],
  ['FORMS_PORT', 'out of range', { FORMS_PORT: '65536' }],
  ['FORMS_PORT', 'not a number', { FORMS_PORT: 'http' }],
  ['RATE_LIMIT_PER_MINUTE', 'zero', { RATE_LIMIT_PER_MINUTE: '0' }],
  ['TRUST_PROXY', 'not an address', { TRUST_PROXY: 'yes' }],
  ['TRUST_PROXY', 'true (every hop trusted)', { TRUST_PROXY: 'true' }],
  ['TRUST_PROXY', 'a hop count', { TRUST_PROXY: '1' }],
  ['TRUST_PROXY', 'a CIDR with too many bits', { TRUST_PROXY: '10.0.0.0/33' }],
  ['TRUST_PROXY', 'a CIDR with two slashes', { TRUST_PROXY: '10.0.0.0/8/8' }],
  ['TRUST_PROXY', 'only commas', { TRUST_PROXY: ', ,' }],
  ['TRUST_PROXY', 'every IPv4 address (/0)', { TRUST_PROXY: '0.0.0.0/0' }],
  ['TRUST_PROXY', 'every IPv6 address (/0)', { TRUST_PROXY: '10.0.0.1, ::/0' }],
  ['REDIS_URL', 'not a URL', { REDIS_URL: 'localhost:6379' }],
  ['REDIS_URL', 'another scheme', { REDIS_URL: 'http://127.0.0.1:6379' }],
  ['REDIS_KEY_PREFIX', 'with spaces', { REDIS_KEY_PREFIX: 'my prefix' }],
  ['VISIT_CAPACITY', 'too small', { VISIT_CAPACITY: '10' }],
  ['REQUEST_TIMEOUT_MS', 'zero', { REQUEST_TIMEOUT_MS: '0' }],
  ['LOG_LEVEL', 'unknown', { LOG_LEVEL: 'verbose' }],
])('%s %s: ConfigError naming it', (setting, _why, overrides) => {
  const error = refusal(overrides);
  expect(error.setting).toBe(setting);
  expect(error.name).toBe('ConfigError');
  expect(error.message).toContain(setting);
});

test('TRUST_PROXY=true and hop counts are refused with a message that says what to write instead', () => {
  for (const value of ['true', '2']) expect(refusal({ TRUST_PROXY: value }).message).toContain('e.g. 10.0.0.0/8,127.0.0.1');
});

test('the message never echoes a secret value', () => {
  const short = 'short-but-secret-value';
  expect(refusal({ SHARED_SECRET: short }).message).not.toContain(short);
});

test('only the environment passed in is read (not process.env)', () => {
  const saved = process.env.SHARED_SECRET;
  process.env.SHARED_SECRET = GOOD.SHARED_SECRET;
  try {
    expect(() => loadConfig({ ...GOOD, SHARED_SECRET: undefined })).toThrow(ConfigError);
  } finally {
    if (saved === undefined) delete process.env.SHARED_SECRET;
    else process.env.SHARED_SECRET = saved;
  }
});
