/**
 * The forms server's settings, read once at start from the environment (and `.env`, loaded
 * by server.ts). A missing or malformed setting stops the start with a ConfigError that
 * names it. Nothing else reads process.env.
 */
import { MIN_SECRET_BYTES } from '../lib/action-secrets';
import { splitList, valueReader, type ValueProblem, type ValueReader } from '../lib/env-values';
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
  trustProxy: boolean;
  logLevel: string;
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
  return {
    host: read.text('FORMS_HOST') ?? '127.0.0.1',
    port: read.integer('FORMS_PORT', 3002, 0, 65535),
    publicOrigin: publicUrl.origin,
    secureCookies: publicUrl.protocol === 'https:',
    sharedSecret,
    authyApiKey: read.required('AUTHY_API_KEY'),
    authyApiUrl: read.url('AUTHY_API_URL', 'https://api.authy.com').origin,
    authyTimeoutMs: read.integer('AUTHY_TIMEOUT_MS', 5000, 500, 15000),
    trustedTenants: tenants,
    rateLimitPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 60, 1, 100000),
    trustProxy: read.flag('TRUST_PROXY', false),
    logLevel,
  };
}
