/**
 * The Management API calls the admin tools make, behind one small interface. The `auth0` SDK
 * (v7 ManagementClient) does the HTTP and the client-credentials token; its own retries are off
 * and every call goes through the RateLimiter. Answers are parsed into plain types here, so
 * nothing else handles the SDK's loose shapes.
 */
import { ManagementClient, ManagementError } from 'auth0';
import { isRecord } from '../../lib/is-record';
import type { Clock } from './clock';
import type { ManagementCredentials } from './env';
import { AdminError } from './errors';
import { networkMessage } from './network-errors';
import { RateLimiter, type WaitNotice } from './rate-limit';

/** The part of an Auth0 user the tools read. */
export interface AdminUser {
  user_id: string;
  email: string | null;
  /** The connection of the user's primary identity. */
  connection: string | null;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  /** ISO time of the user's last login, when the answer has one (GET /api/v2/users/{id}). */
  last_login?: string;
}

export interface ExportField {
  name: string;
  export_as?: string;
}

export interface JobStatus {
  id: string;
  status: string;
  location: string | null;
  percentageDone: number | null;
  timeLeftSeconds: number | null;
}

export interface AdminApi {
  /** null when no user has this id. */
  getUser(userId: string): Promise<AdminUser | null>;
  usersByEmail(email: string): Promise<AdminUser[]>;
  /** PATCH /api/v2/users/{id} with `{ app_metadata: patch }` (Auth0 merges top-level keys; null removes one). */
  updateAppMetadata(userId: string, patch: Record<string, unknown>): Promise<AdminUser>;
  /** POST /api/v2/jobs/users-exports, JSON format; returns the job id. */
  startUsersExport(fields: ExportField[]): Promise<string>;
  getJob(jobId: string): Promise<JobStatus>;
}

export interface ManagementDeps {
  clock: Clock;
  fetch?: typeof fetch;
  onWait?: (notice: WaitNotice) => void;
}

/** Parses one user as the Management API (or an export line) returns it. */
export function toAdminUser(raw: unknown): AdminUser | null {
  if (!isRecord(raw) || typeof raw.user_id !== 'string' || raw.user_id.length === 0) return null;
  const identities = Array.isArray(raw.identities) ? raw.identities : [];
  const first: unknown = identities[0];
  const connection =
    typeof raw.connection === 'string'
      ? raw.connection
      : typeof raw['identities[0].connection'] === 'string'
        ? raw['identities[0].connection']
        : isRecord(first) && typeof first.connection === 'string'
          ? first.connection
          : null;
  return {
    user_id: raw.user_id,
    email: typeof raw.email === 'string' ? raw.email : null,
    connection,
    app_metadata: isRecord(raw.app_metadata) ? raw.app_metadata : {},
    user_metadata: isRecord(raw.user_metadata) ? raw.user_metadata : {},
    ...(typeof raw.last_login === 'string' ? { last_login: raw.last_login } : {}),
  };
}

function apiMessage(error: ManagementError): string {
  const body = error.body;
  if (isRecord(body) && typeof body.message === 'string') return body.message.slice(0, 300);
  if (isRecord(body) && typeof body.error_description === 'string') return body.error_description.slice(0, 300);
  return error.message.slice(0, 300);
}

/**
 * Turns an SDK error into a message for support staff; never includes the token or the secret.
 * A network failure (no answer at all) says which host could not be reached and why.
 */
export function toAdminError(label: string, error: unknown, host?: string): Error {
  if (error instanceof AdminError) return error;
  const network = networkMessage(error, host);
  if (network !== null) return new AdminError('UNREACHABLE', `${label} failed: ${network}`);
  if (error instanceof ManagementError) {
    const status = error.statusCode;
    const hint =
      status === 401 || status === 403
        ? ' Check AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET and that the application is authorized for the Management API' +
          ' with the read:users and update:users_app_metadata scopes.'
        : '';
    return new AdminError('API_ERROR', `${label} failed${status ? ` (HTTP ${status})` : ''}: ${apiMessage(error)}.${hint}`);
  }
  return new AdminError('API_ERROR', `${label} failed: ${error instanceof Error ? error.message : String(error)}`);
}

function requireUser(label: string, raw: unknown): AdminUser {
  const user = toAdminUser(raw);
  if (!user) throw new AdminError('API_ERROR', `${label}: the Management API answered without a user_id`);
  return user;
}

export function createAdminApi(credentials: ManagementCredentials, deps: ManagementDeps): { api: AdminApi; limiter: RateLimiter } {
  const limiter = new RateLimiter({ clock: deps.clock, ...(deps.onWait ? { onWait: deps.onWait } : {}) });
  const baseFetch = deps.fetch ?? fetch;
  const apiPrefix = `https://${credentials.domain}/api/v2/`;
  // Sees every response so the limiter knows x-ratelimit-remaining before the next call.
  const observingFetch: typeof fetch = async (input, init) => {
    const response = await baseFetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(apiPrefix)) limiter.observe(response.headers);
    return response;
  };
  const client = new ManagementClient({
    domain: credentials.domain,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    maxRetries: 0,
    timeoutInSeconds: 30,
    fetch: observingFetch,
  });

  async function call<T>(label: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await limiter.run(label, fn);
    } catch (error) {
      throw toAdminError(label, error, credentials.domain);
    }
  }

  const api: AdminApi = {
    async getUser(userId) {
      const label = `GET user ${userId}`;
      try {
        return requireUser(label, await limiter.run(label, () => client.users.get(userId)));
      } catch (error) {
        if (error instanceof ManagementError && error.statusCode === 404) return null;
        throw toAdminError(label, error, credentials.domain);
      }
    },

    async usersByEmail(email) {
      const label = 'GET users-by-email';
      const users = await call(label, () => client.users.listUsersByEmail({ email }));
      if (!Array.isArray(users)) throw new AdminError('API_ERROR', `${label}: expected an array`);
      return users.map((raw) => requireUser(label, raw));
    },

    async updateAppMetadata(userId, patch) {
      const label = `PATCH user ${userId}`;
      const updated = await call(label, () => client.users.update(userId, { app_metadata: patch }));
      return requireUser(label, updated);
    },

    async startUsersExport(fields) {
      const label = 'POST jobs/users-exports';
      const job = await call(label, () => client.jobs.usersExports.create({ format: 'json', fields }));
      if (typeof job.id !== 'string' || job.id.length === 0) throw new AdminError('EXPORT_FAILED', `${label}: no job id in the answer`);
      return job.id;
    },

    async getJob(jobId) {
      const label = `GET job ${jobId}`;
      const job = await call(label, () => client.jobs.get(jobId));
      return {
        id: typeof job.id === 'string' ? job.id : jobId,
        status: typeof job.status === 'string' ? job.status : 'unknown',
        location: typeof job.location === 'string' ? job.location : null,
        percentageDone: typeof job.percentage_done === 'number' ? job.percentage_done : null,
        timeLeftSeconds: typeof job.time_left_seconds === 'number' ? job.time_left_seconds : null,
      };
    },
  };
  return { api, limiter };
}
