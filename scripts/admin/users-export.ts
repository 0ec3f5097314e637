/**
 * Reads every user of the tenant through a user export job, not the search API: search returns
 * at most 1,000 users per query, its index lags behind writes, and paging a large tenant costs
 * one call per 100 users. One export job costs one POST plus a few status polls whatever the
 * tenant's size, and its file has each user's whole app_metadata and user_metadata, so the
 * rule-era shapes (and the untrusted user_metadata ones) are classified locally, in one pass.
 *
 * The file at `location` is NDJSON, usually gzipped; its link is valid for 60 s, so it is
 * downloaded at once, and fetched again from the job once if it has already expired.
 */
import { Readable, pipeline } from 'node:stream';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Clock } from './clock';
import type { Output } from './output';
import { AdminError } from './errors';
import { hostOf, networkMessage } from './network-errors';
import { toAdminUser, type AdminApi, type AdminUser, type ExportField } from './management';

/** Only what the tools need: no email, name or phone number leaves the tenant. */
export const EXPORT_FIELDS: ExportField[] = [
  { name: 'user_id' },
  { name: 'identities[0].connection', export_as: 'connection' },
  { name: 'app_metadata' },
  { name: 'user_metadata' },
];

export interface ExportDeps {
  clock: Clock;
  fetch?: typeof fetch;
  pollIntervalMs?: number;
  /** Give up on a job that has not finished after this long. */
  maxWaitMs?: number;
  onProgress?: (message: string) => void;
}

async function waitForJob(api: AdminApi, jobId: string, deps: ExportDeps): Promise<string> {
  const interval = deps.pollIntervalMs ?? 5000;
  const deadlineMs = deps.clock.nowMs() + (deps.maxWaitMs ?? 2 * 60 * 60_000);
  for (;;) {
    const job = await api.getJob(jobId);
    if (job.status === 'completed') {
      if (!job.location || !/^https:\/\//.test(job.location)) {
        throw new AdminError('EXPORT_FAILED', `export job ${jobId} completed without a download location`);
      }
      return job.location;
    }
    if (job.status === 'failed') {
      throw new AdminError('EXPORT_FAILED', `export job ${jobId} failed; see the tenant logs, then run the command again`);
    }
    if (deps.clock.nowMs() >= deadlineMs) {
      throw new AdminError('EXPORT_FAILED', `export job ${jobId} did not finish in time (status ${job.status})`);
    }
    const pct = job.percentageDone === null ? '' : ` ${job.percentageDone}%`;
    deps.onProgress?.(`export job ${jobId}: ${job.status}${pct}`);
    await deps.clock.sleep(interval);
  }
}

/** Yields the body's bytes, gunzipped when the file starts with the gzip magic number. */
async function* decoded(body: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const source = Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0])[Symbol.asyncIterator]();
  const first = await source.next();
  if (first.done) return;
  const head = Buffer.from(first.value as Uint8Array);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield Buffer.from(next.value as Uint8Array);
    }
  }
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    yield* all();
    return;
  }
  const gunzip = pipeline(Readable.from(all()), createGunzip(), () => undefined);
  for await (const chunk of gunzip) yield chunk as Buffer;
}

async function download(location: string, deps: ExportDeps): Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  try {
    // A pre-signed URL: no Authorization header goes to it.
    return await doFetch(location, { method: 'GET', redirect: 'follow' });
  } catch (error) {
    // The link's host (a storage service), never the link itself: it is a credential for 60 s.
    const network = networkMessage(error, hostOf(location));
    if (network !== null) throw new AdminError('UNREACHABLE', `downloading the user export failed: ${network}`);
    throw error;
  }
}

/** Runs an export job and yields every user in its file. */
export async function* exportAllUsers(api: AdminApi, deps: ExportDeps): AsyncGenerator<AdminUser> {
  const jobId = await api.startUsersExport(EXPORT_FIELDS);
  deps.onProgress?.(`export job ${jobId} started`);
  let location = await waitForJob(api, jobId, deps);
  let response = await download(location, deps);
  if (response.status === 403 || response.status === 404) {
    // The link lives 60 s; the job keeps the file for 24 h, so ask it for a fresh link once.
    location = await waitForJob(api, jobId, deps);
    response = await download(location, deps);
  }
  if (!response.ok || !response.body) {
    throw new AdminError('EXPORT_FAILED', `downloading the export of job ${jobId} failed (HTTP ${response.status})`);
  }

  const lines = createInterface({ input: Readable.from(decoded(response.body)), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo += 1;
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const user = toAdminUser(parsed);
      // Fail closed: a user that cannot be read cannot be accounted for.
      if (!user) throw new AdminError('EXPORT_FAILED', `line ${lineNo} of the export of job ${jobId} is not a user record`);
      yield user;
    }
  } catch (error) {
    if (error instanceof AdminError) throw error;
    const network = networkMessage(error, hostOf(location));
    if (network !== null) throw new AdminError('UNREACHABLE', `reading the export of job ${jobId} failed: ${network}`);
    throw new AdminError(
      'EXPORT_FAILED',
      `reading the export of job ${jobId} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** What a tool's pass over the export needs: the API, the clock, where progress goes. */
export interface ScanDeps {
  api: AdminApi;
  clock: Clock;
  output: Output;
  fetch?: typeof fetch;
  pollIntervalMs?: number;
}

/** Every user of one export job, the job's progress written to the tool's stderr. */
export function exportForScan(deps: ScanDeps): AsyncGenerator<AdminUser> {
  return exportAllUsers(deps.api, {
    clock: deps.clock,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    onProgress: (message) => deps.output.err(message),
  });
}
