/**
 * The forms server's settings, read once at start from the environment (and `.env`, loaded
 * by server.ts). A missing or malformed setting stops the start with a ConfigError that
 * names it. Nothing else reads process.env.
 */
import { isIP } from 'node:net';
import { MIN_SECRET_BYTES } from '../lib/action-secrets';
import { SettingsError, parseVerifySettings, type VerifySettings } from '../lib/action-settings';
import { splitList, valueReader, type ValueProblem, type ValueReader } from '../lib/env-values';
import { MAX_REMEMBER_DAYS, MIN_REMEMBER_DAYS } from '../lib/remembered-devices';
import { parseServiceUrl } from '../lib/service-url';

export interface FormsServerConfig {
  host: string;
  port: number;
  /** Origin the browser sees (e.g. https://2fa.example.com): the `iss` of result tokens. */
  publicOrigin: string;
  secureCookies: boolean;
  sharedSecret: string;
  authyApiKey: string;
  authyApiUrl: string;
  authyTimeoutMs: number;
  /** Tenant origins the server may send the browser back to, e.g. https://example.eu.auth0.com. */
  trustedTenants: readonly URL[];
  /** Requests per minute per client IP. */
  rateLimitPerMinute: number;
  /** The proxies (addresses/CIDRs) whose X-Forwarded-For is believed, or false. */
  trustProxy: false | string[];
  logLevel: string;
  /** Redis for several replicas (visits, counters, rate limits); unset: in memory, one process. */
  redisUrl: string | null;
  /** Prefix of every Redis key, one per deployment sharing a Redis. */
  redisKeyPrefix: string;
  /** Open visits in all; past it new visits get a 503 page. */
  visitCapacity: number;
  /** The longest one visit lasts (it also ends with its link). */
  visitMaxSeconds: number;
  /** Deadlines of the HTTP server (slow bodies and idle sockets are cut). */
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  /** A listener of its own for GET /metrics (METRICS_PORT), or null: none. */
  metricsPort: number | null;
  /** Where that listener binds (METRICS_HOST, default 127.0.0.1). */
  metricsHost: string;
  /** Bearer token that GET /metrics asks for (METRICS_TOKEN), or null. */
  metricsToken: string | null;
  /** Key of the audit log's user hash (AUDIT_HASH_KEY); null: derived from SHARED_SECRET. */
  auditHashKey: string | null;
  /**
   * Twilio Verify (VERIFY_SERVICE_SID, TWILIO_* credentials, VERIFY_IDENTITY_KEY: the same values
   * as the Action's; VERIFY_API_URL): set when VERIFY_SERVICE_SID is, else null (absent: null too).
   * Needed for links whose outbound token names Verify.
   */
  verify?: VerifySettings | null;
  /** REMEMBER_DAYS (1-90, the same as the Action's): offer "remember this device"; null or absent: off. */
  rememberDays?: number | null;
}

/** A setting is missing or malformed; `setting` names the environment variable. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
type Reader = ValueReader<string>;

/** The forms server's wording for each kind of bad value. */
function problemText(name: string, problem: ValueProblem): string {
  switch (problem.kind) {
    case 'missing':
      return `${name} is not set (see .env.example)`;
    case 'not-whole-number':
    case 'out-of-range':
      return `${name} must be a whole number from ${problem.min} to ${problem.max}`;
    case 'not-flag':
      return `${name} must be true or false`;
    case 'not-url':
      return `${name} must be an absolute https URL (http only on localhost)`;
    case 'not-text':
      return `${name} must be text`;
  }
}

const TENANTS_FORMAT = 'TRUSTED_TENANTS must be a comma-separated list of https origins, e.g. https://example.eu.auth0.com';

function trustedTenants(read: Reader): URL[] {
  const tenants = splitList(read.required('TRUSTED_TENANTS')).map((item) => {
    const tenant = parseServiceUrl(item);
    if (!tenant || tenant.pathname !== '/' || tenant.search || tenant.hash) throw new ConfigError('TRUSTED_TENANTS', TENANTS_FORMAT);
    return tenant;
  });
  if (tenants.length === 0) throw new ConfigError('TRUSTED_TENANTS', 'TRUSTED_TENANTS is empty');
  const hostnames = tenants.map((t) => t.hostname);
  if (new Set(hostnames).size !== hostnames.length) throw new ConfigError('TRUSTED_TENANTS', 'TRUSTED_TENANTS names a host twice');
  return tenants;
}

const TRUST_PROXY_HELP = 'set TRUST_PROXY to the addresses or CIDRs of the proxies in front of this server, e.g. 10.0.0.0/8,127.0.0.1';

/**
 * The proxies whose X-Forwarded-For is believed, as addresses or CIDRs. `true` would trust every
 * hop, so any client could choose its own rate-limit key; a hop count cannot tell a proxy from
 * a client that reaches the server directly (Fastify 5 treats one as "trust nothing"). Both are
 * refused with a message that says what to write instead.
 */
function trustProxy(value: string | undefined): false | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') {
    throw new ConfigError('TRUST_PROXY', `TRUST_PROXY=true would let any client choose its own address: ${TRUST_PROXY_HELP}`);
  }
  if (/^[0-9]+$/.test(value)) {
    throw new ConfigError('TRUST_PROXY', `TRUST_PROXY=${value} (a hop count) cannot tell a proxy from a client: ${TRUST_PROXY_HELP}`);
  }
  const entries = splitList(value);
  for (const entry of entries) {
    const parts = entry.split('/');
    const [address = '', bits, extra] = [parts.at(0), parts.at(1), parts.at(2)];
    const family = isIP(address);
    const bitsOk = bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    // A /0 trusts every address, which is `true` again.
    if (family === 0 || !bitsOk || extra !== undefined || Number(bits) === 0) {
      throw new ConfigError('TRUST_PROXY', `TRUST_PROXY has "${entry}", which is not an address or CIDR: ${TRUST_PROXY_HELP}`);
    }
  }
  if (entries.length === 0) throw new ConfigError('TRUST_PROXY', `TRUST_PROXY is empty: ${TRUST_PROXY_HELP}`);
  return entries;
}

function redisUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError('REDIS_URL', 'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', 'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');
  }
  return value;
}

function keyPrefix(value: string): string {
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(value))
    throw new ConfigError('REDIS_KEY_PREFIX', 'REDIS_KEY_PREFIX must be 1 to 64 letters, digits or : _ . -');
  return value;
}

const METRICS_TOKEN_FORMAT = /^[\x21-\x7e]{32,512}$/;

/** GET /metrics: on a listener of its own, behind a bearer token, or both; never open on the public port. */
function metricsSettings(read: Reader, port: number): Pick<FormsServerConfig, 'metricsPort' | 'metricsHost' | 'metricsToken'> {
  const metricsPort = read.optionalInteger('METRICS_PORT', 0, 65535) ?? null;
  const metricsHost = read.text('METRICS_HOST');
  if (metricsHost !== undefined && metricsPort === null) {
    throw new ConfigError('METRICS_HOST', 'METRICS_HOST is set but METRICS_PORT is not (it is the address of the metrics listener)');
  }
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError('METRICS_PORT', 'METRICS_PORT must differ from FORMS_PORT (the metrics listener is not for the public)');
  }
  const token = read.raw('METRICS_TOKEN');
  if (token !== undefined && !METRICS_TOKEN_FORMAT.test(token)) {
    throw new ConfigError('METRICS_TOKEN', 'METRICS_TOKEN must be 32 to 512 visible ASCII characters, without spaces');
  }
  return { metricsPort, metricsHost: metricsHost ?? '127.0.0.1', metricsToken: token ?? null };
}

/** The Verify settings, read with the Action's own parser (the same names and rules); errors name the variable. */
function verifySettings(env: Env): VerifySettings | null {
  try {
    return parseVerifySettings(env, false);
  } catch (error) {
    if (error instanceof SettingsError) throw new ConfigError(error.setting, error.message);
    throw error;
  }
}

function auditHashKey(read: Reader): string | null {
  const key = read.raw('AUDIT_HASH_KEY');
  if (key !== undefined && Buffer.byteLength(key, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError('AUDIT_HASH_KEY', `AUDIT_HASH_KEY must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return key ?? null;
}

export function loadConfig(env: Env): FormsServerConfig {
  const read = valueReader<string>(env, (name, problem) => new ConfigError(name, problemText(name, problem)));
  const sharedSecret = read.required('SHARED_SECRET');
  if (Buffer.byteLength(sharedSecret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError('SHARED_SECRET', `SHARED_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const publicUrl = read.url('FORMS_PUBLIC_URL');
  const tenants = trustedTenants(read);
  const logLevel = read.text('LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  const port = read.integer('FORMS_PORT', 3002, 0, 65535);
  return {
    host: read.text('FORMS_HOST') ?? '127.0.0.1',
    port,
    publicOrigin: publicUrl.origin,
    secureCookies: publicUrl.protocol === 'https:',
    sharedSecret,
    authyApiKey: read.required('AUTHY_API_KEY'),
    authyApiUrl: read.url('AUTHY_API_URL', 'https://api.authy.com').origin,
    authyTimeoutMs: read.integer('AUTHY_TIMEOUT_MS', 5000, 500, 15000),
    trustedTenants: tenants,
    rateLimitPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 60, 1, 100000),
    trustProxy: trustProxy(read.text('TRUST_PROXY')),
    logLevel,
    redisUrl: redisUrl(read.text('REDIS_URL')),
    redisKeyPrefix: keyPrefix(read.text('REDIS_KEY_PREFIX') ?? 'authy2fa:'),
    visitCapacity: read.integer('VISIT_CAPACITY', 100_000, 100, 10_000_000),
    visitMaxSeconds: read.integer('VISIT_MAX_SECONDS', 600, 60, 900),
    requestTimeoutMs: read.integer('REQUEST_TIMEOUT_MS', 10_000, 1_000, 120_000),
    connectionTimeoutMs: read.integer('CONNECTION_TIMEOUT_MS', 15_000, 1_000, 600_000),
    keepAliveTimeoutMs: read.integer('KEEP_ALIVE_TIMEOUT_MS', 5_000, 1_000, 600_000),
    maxHeaderBytes: read.integer('MAX_HEADER_BYTES', 16_384, 4_096, 65_536),
    ...metricsSettings(read, port),
    auditHashKey: auditHashKey(read),
    verify: verifySettings(env),
    rememberDays: read.text('REMEMBER_DAYS') === undefined ? null : read.integer('REMEMBER_DAYS', 0, MIN_REMEMBER_DAYS, MAX_REMEMBER_DAYS),
  };
}
