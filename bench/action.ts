/**
 * The non-HTTP part: the bundled Action's size against Auth0's 100 kB, and its
 * onExecutePostLogin in the sandbox's stand-in runtime (sandbox/tenant) against a bare Action
 * that only does `api.redirect.encodeToken` + `api.redirect.sendUserTo`, for an enrolled user
 * and for a new user (whose email the Action seals), as CPU time per login. The events are built
 * before the clock starts; the runtime's own work (the `api` object, the phase) is in both.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildEvent,
  createActionCache,
  loadAction,
  newLoginTransaction,
  runPostLoginPhase,
  type LoadedAction,
  type RunPhaseOptions,
  type StoredUser,
} from '../sandbox/tenant/post-login-runtime';
import { EMAIL, FORMS_ORIGIN, SECRET } from './settings';

const ROOT = join(__dirname, '..');
export const ACTION_FILE = join(ROOT, 'actions', 'authy-2fa', 'code.js');
export const AUTH0_LIMIT_BYTES = 100 * 1024;

const BARE_ACTION = `
exports.onExecutePostLogin = async (event, api) => {
  const token = api.redirect.encodeToken({ secret: event.secrets.SHARED_SECRET, expiresInSeconds: 600, payload: {} });
  api.redirect.sendUserTo(event.secrets.FORMS_URL, { query: { session_token: token } });
};`;

export interface BundleSize {
  bytes: number;
  limitBytes: number;
  shareOfLimit: number;
}

export function bundleSize(): BundleSize {
  const bytes = statSync(ACTION_FILE).size;
  return { bytes, limitBytes: AUTH0_LIMIT_BYTES, shareOfLimit: bytes / AUTH0_LIMIT_BYTES };
}

export interface ActionTiming {
  user: 'enrolled' | 'new';
  /** Median over rounds, µs of CPU time per onExecutePostLogin. */
  bundledUs: number;
  bareUs: number;
  ratio: number;
  rounds: number;
  iterationsPerRound: number;
}

function storedUser(kind: 'enrolled' | 'new', i: number): StoredUser {
  return {
    user_id: `auth0|bench-action-${kind}-${i}`,
    email: EMAIL,
    email_verified: true,
    name: 'Ada Lovelace',
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
    logins_count: 3,
    app_metadata:
      kind === 'enrolled' ? { authy_2fa: { v: 1, authy_id: '1234', enrolled_at: '2024-01-02T00:00:00.000Z', failures: 0 } } : {},
    user_metadata: {},
  };
}

const SECRETS = { FORMS_URL: `${FORMS_ORIGIN}/2fa`, SHARED_SECRET: SECRET, AUTHY_API_KEY: 'bench-authy-api-key' };

function inputs(kind: 'enrolled' | 'new', count: number, round: number): RunPhaseOptions[] {
  return Array.from({ length: count }, (_, i) => ({
    phase: 'execute',
    event: buildEvent({
      user: storedUser(kind, i),
      client: { client_id: 'bench-client', name: 'Bench app' },
      request: { ip: '203.0.113.7', host: 'tenant.example.auth0.com', method: 'GET', userAgent: 'bench' },
      transaction: { id: `tx-${round}-${i}`, protocol: 'oidc-basic-profile', scope: 'openid profile', state: `st-${i}` },
      firstFactor: { name: 'pwd', timestamp: '2024-01-03T00:00:00.000Z' },
      tenantId: 'bench',
      secrets: SECRETS,
    }),
    transaction: newLoginTransaction(`tx-${round}-${i}`, `state-${round}-${i}`),
    tenantHost: 'tenant.example.auth0.com',
    cache: createActionCache(),
    canRedirect: true,
  }));
}

/**
 * µs of this process's CPU time (process.cpuUsage: user + system) per login over the batch. Not
 * wall time: on a shared machine a round's wall time also holds whatever ran on the core
 * meanwhile, which one Action draws more of than the other only by chance.
 */
async function timeRound(action: LoadedAction, batch: RunPhaseOptions[]): Promise<number> {
  const start = process.cpuUsage();
  for (const options of batch) {
    const outcome = await runPostLoginPhase(action, options);
    if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}: ${JSON.stringify(outcome).slice(0, 300)}`);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / batch.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds alternate bare and bundled, so drift (JIT, GC, the machine) hits both alike. */
export async function benchAction(rounds = 7, iterations = 2000): Promise<ActionTiming[]> {
  const bundled = loadAction(readFileSync(ACTION_FILE, 'utf8'), 'code.js');
  const bare = loadAction(BARE_ACTION, 'bare.js');
  const results: ActionTiming[] = [];
  // The Action logs one line per decision; the bench output stays readable without them.
  const log = console.log;
  console.log = () => undefined;
  try {
    for (const kind of ['enrolled', 'new'] as const) {
      // Warm-up (JIT), not counted.
      await timeRound(bare, inputs(kind, 500, -1));
      await timeRound(bundled, inputs(kind, 500, -2));
      const bareRounds: number[] = [];
      const bundledRounds: number[] = [];
      for (let round = 0; round < rounds; round++) {
        bareRounds.push(await timeRound(bare, inputs(kind, iterations, round)));
        bundledRounds.push(await timeRound(bundled, inputs(kind, iterations, round)));
      }
      const bareUs = median(bareRounds);
      const bundledUs = median(bundledRounds);
      results.push({ user: kind, bundledUs, bareUs, ratio: bundledUs / bareUs, rounds, iterationsPerRound: iterations });
    }
  } finally {
    console.log = log;
  }
  return results;
}
