/**
 * The forms server's settings, read once at start from the environment (and `.env`, loaded
 * by server.ts). A missing or malformed setting stops the start with a ConfigError that
 * names it. Nothing else reads process.env.
 */
import { MIN_SECRET_BYTES } from '../lib/action-secrets';
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

function get(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function required(env: Env, name: string): string {
  const value = get(env, name);
  if (value === undefined) throw new ConfigError(name, `${name} is not set (see .env.example)`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = get(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < min || n > max) throw new ConfigError(name, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function url(env: Env, name: string, fallback?: string): URL {
  const value = get(env, name) ?? fallback;
  if (value === undefined) throw new ConfigError(name, `${name} is not set (see .env.example)`);
  const parsed = parseServiceUrl(value);
  if (!parsed) throw new ConfigError(name, `${name} must be an absolute https URL (http only on localhost)`);
  return parsed;
}

function flag(env: Env, name: string): boolean {
  const value = get(env, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(name, `${name} must be true or false`);
}

export function loadConfig(env: Env): FormsServerConfig {
  const sharedSecret = required(env, 'SHARED_SECRET');
  if (Buffer.byteLength(sharedSecret, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError('SHARED_SECRET', `SHARED_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const publicUrl = url(env, 'FORMS_PUBLIC_URL');
  const trustedTenants = required(env, 'TRUSTED_TENANTS')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const tenant = parseServiceUrl(item);
      if (!tenant || tenant.pathname !== '/' || tenant.search || tenant.hash) {
        throw new ConfigError('TRUSTED_TENANTS', 'TRUSTED_TENANTS must be a comma-separated list of https origins, e.g. https://example.eu.auth0.com');
      }
      return tenant;
    });
  if (trustedTenants.length === 0) throw new ConfigError('TRUSTED_TENANTS', 'TRUSTED_TENANTS is empty');
  const hostnames = trustedTenants.map((t) => t.hostname);
  if (new Set(hostnames).size !== hostnames.length) throw new ConfigError('TRUSTED_TENANTS', 'TRUSTED_TENANTS names a host twice');
  const logLevel = get(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  return {
    host: get(env, 'FORMS_HOST') ?? '127.0.0.1',
    port: integer(env, 'FORMS_PORT', 3002, 0, 65535),
    publicOrigin: publicUrl.origin,
    secureCookies: publicUrl.protocol === 'https:',
    sharedSecret,
    authyApiKey: required(env, 'AUTHY_API_KEY'),
    authyApiUrl: url(env, 'AUTHY_API_URL', 'https://api.authy.com').origin,
    authyTimeoutMs: integer(env, 'AUTHY_TIMEOUT_MS', 5000, 500, 15000),
    trustedTenants,
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60, 1, 100000),
    trustProxy: flag(env, 'TRUST_PROXY'),
    logLevel,
  };
}
