/**
 * The operations side of the forms server without HTTP: the new settings (METRICS_PORT,
 * METRICS_HOST, METRICS_TOKEN, AUDIT_HASH_KEY) and their refusals, the timed Authy client's
 * error kinds, the timed store, and metrics registries that do not collide.
 */
import { AuthyError, type AuthyClient } from '../../lib/authy-client';
import { ConfigError, loadConfig } from '../../forms-server/config';
import { TimedStore, timedAuthy } from '../../forms-server/instrument';
import { createMetrics } from '../../forms-server/metrics';
import { MemoryStore } from '../../forms-server/store/memory';
import { StoreUnavailableError } from '../../forms-server/store/types';

const GOOD: Record<string, string> = {
  SHARED_SECRET: 'forms-server-test-shared-secret-0123456789',
  FORMS_PUBLIC_URL: 'https://2fa.example.com/2fa',
  TRUSTED_TENANTS: 'https://tenant.example.auth0.com',
  AUTHY_API_KEY: 'authy-key',
};
const TOKEN = 'm'.repeat(32);

function refusal(overrides: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...GOOD, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('settings', () => {
  test('defaults: no metrics listener, no token, 127.0.0.1, the audit key derived', () => {
    expect(loadConfig(GOOD)).toMatchObject({ metricsPort: null, metricsHost: '127.0.0.1', metricsToken: null, auditHashKey: null });
  });

  test('set', () => {
    const config = loadConfig({
      ...GOOD,
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      METRICS_TOKEN: TOKEN,
      AUDIT_HASH_KEY: 'k'.repeat(32),
    });
    expect(config).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0', metricsToken: TOKEN, auditHashKey: 'k'.repeat(32) });
  });

  test.each([
    [{ METRICS_PORT: 'abc' }, 'METRICS_PORT', 'METRICS_PORT must be a whole number from 0 to 65535'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT', 'METRICS_PORT must be a whole number from 0 to 65535'],
    [{ METRICS_PORT: '3002' }, 'METRICS_PORT', 'METRICS_PORT must differ from FORMS_PORT'],
    [{ METRICS_HOST: '0.0.0.0' }, 'METRICS_HOST', 'METRICS_HOST is set but METRICS_PORT is not'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN', 'METRICS_TOKEN must be 32 to 512 visible ASCII characters'],
    [{ METRICS_TOKEN: `${'a'.repeat(20)} ${'b'.repeat(20)}` }, 'METRICS_TOKEN', 'without spaces'],
    [{ AUDIT_HASH_KEY: 'too-short' }, 'AUDIT_HASH_KEY', 'AUDIT_HASH_KEY must be at least 32 bytes'],
  ])('%j is refused, naming %s', (overrides, setting, message) => {
    const error = refusal(overrides);
    expect(error.setting).toBe(setting);
    expect(error.message).toContain(message);
    // A refused secret is never echoed.
    if (setting === 'METRICS_TOKEN' || setting === 'AUDIT_HASH_KEY') expect(error.message).not.toContain(Object.values(overrides)[0]);
  });
});

async function values(metrics: ReturnType<typeof createMetrics>, name: string) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).filter((v) => v.value !== 0).map((v) => ({ labels: v.labels, value: v.value }));
}

function fakeAuthy(fail: AuthyError | Error | null): AuthyClient {
  const run = async () => {
    if (fail) throw fail;
  };
  return {
    registerUser: async () => {
      await run();
      return { authyId: '1' };
    },
    verifyToken: run,
    requestSms: run,
    requestCall: run,
    userStatus: async () => {
      throw new Error('not used');
    },
    removeUser: run,
    createApprovalRequest: async () => {
      await run();
      return { uuid: 'u' };
    },
    approvalStatus: async () => {
      throw new Error('not used');
    },
  };
}

describe('the timed Authy client', () => {
  test('times every call; wrong codes and refused numbers are answers, not provider errors', async () => {
    const metrics = createMetrics(async () => true);
    await expect(timedAuthy(fakeAuthy(new AuthyError('WRONG_CODE', 'x')), metrics).verifyToken('1', '123456')).rejects.toThrow();
    await expect(
      timedAuthy(fakeAuthy(new AuthyError('INVALID_PHONE', 'x')), metrics).registerUser({ email: 'e', cellphone: '1', countryCode: '1' }),
    ).rejects.toThrow();
    await timedAuthy(fakeAuthy(null), metrics).requestSms('1');
    expect(await values(metrics, 'authy2fa_provider_errors_total')).toEqual([]);
    const counts = (await values(metrics, 'authy2fa_provider_call_duration_seconds')).filter((v) => v.labels.le === '+Inf');
    expect(counts).toEqual(
      expect.arrayContaining([
        { labels: { le: '+Inf', provider: 'authy', call: 'verify' }, value: 1 },
        { labels: { le: '+Inf', provider: 'authy', call: 'register' }, value: 1 },
        { labels: { le: '+Inf', provider: 'authy', call: 'sms' }, value: 1 },
      ]),
    );
  });

  test('failures count by call and kind; a refused key is reported to readiness', async () => {
    const metrics = createMetrics(async () => true);
    const onBadKey = jest.fn();
    await expect(timedAuthy(fakeAuthy(new AuthyError('TIMEOUT', 'x')), metrics, { onBadKey }).requestCall('1')).rejects.toThrow();
    await expect(timedAuthy(fakeAuthy(new AuthyError('BAD_API_KEY', 'x')), metrics, { onBadKey }).verifyToken('1', '1')).rejects.toThrow();
    await expect(
      timedAuthy(fakeAuthy(new Error('bug')), metrics, { onBadKey }).createApprovalRequest('1', { message: 'm', secondsToExpire: 1 }),
    ).rejects.toThrow('bug');
    expect(await values(metrics, 'authy2fa_provider_errors_total')).toEqual([
      { labels: { provider: 'authy', call: 'call', error: 'TIMEOUT' }, value: 1 },
      { labels: { provider: 'authy', call: 'verify', error: 'BAD_API_KEY' }, value: 1 },
      { labels: { provider: 'authy', call: 'push_create', error: 'UNEXPECTED' }, value: 1 },
    ]);
    expect(onBadKey).toHaveBeenCalledTimes(1);
  });
});

describe('the timed store', () => {
  test('passes calls through, times them, and counts failures by operation', async () => {
    class Flaky extends MemoryStore {
      override async ping(): Promise<void> {
        throw new StoreUnavailableError('down');
      }
    }
    const metrics = createMetrics(async () => true);
    const store = new TimedStore(new Flaky(), metrics);
    expect(await store.getCounter('t|u', 1_000)).toEqual({ failures: 0, inFlight: 0, lockedUntilMs: null });
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await values(metrics, 'authy2fa_store_errors_total')).toEqual([{ labels: { operation: 'ping' }, value: 1 }]);
    const counts = (await values(metrics, 'authy2fa_store_call_duration_seconds')).filter((v) => v.labels.le === '+Inf');
    expect(counts).toEqual([
      { labels: { le: '+Inf', operation: 'get_counter' }, value: 1 },
      { labels: { le: '+Inf', operation: 'ping' }, value: 1 },
    ]);
    await store.close();
  });
});

test('two apps in one process: registries of their own, the process metrics in both', async () => {
  const a = createMetrics(async () => true);
  const b = createMetrics(async () => false);
  a.locks.inc();
  expect(await values(a, 'authy2fa_locks_total')).toEqual([{ labels: {}, value: 1 }]);
  expect(await values(b, 'authy2fa_locks_total')).toEqual([]);
  expect(await a.registry.metrics()).toContain('authy2fa_store_up 1');
  expect(await b.registry.metrics()).toContain('authy2fa_store_up 0');
  for (const m of [a, b]) expect(await m.registry.metrics()).toContain('process_resident_memory_bytes');
});
