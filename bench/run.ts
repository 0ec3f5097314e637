/**
 * Benchmarks, reported as ratios against a baseline measured in the same process and run:
 * - the Action's onExecutePostLogin (bundled code.js, sandbox runtime) vs an Action that only allows;
 * - the forms server's entry + first page vs GET /healthz on the same app (inject);
 * - the memory of 10,000 open visits in the in-memory store, per visit;
 * - the bundled Action's size vs Auth0's 100 kB limit.
 * Run: npm run bench
 */
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildFormsServer } from '../forms-server/app';
import { loadConfig } from '../forms-server/config';
import { MemoryStore, type Flow } from '../forms-server/store';
import { signHs256 } from '../lib/jwt-hs256';
import { outboundPayload } from '../lib/token-contract';
import { buildEvent, createActionCache, loadAction, newLoginTransaction, runPostLoginPhase, type LoadedAction } from '../sandbox/tenant/post-login-runtime';

const ROOT = join(__dirname, '..');
const SECRET = 'bench-shared-secret-bench-shared-secret-0123';

async function timeIt(label: string, iterations: number, work: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(200, iterations); i++) await work(i); // warm-up
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await work(i);
  const perCall = (performance.now() - start) / iterations;
  console.log(`  ${label.padEnd(44)} ${(perCall * 1000).toFixed(1).padStart(8)} µs/op`);
  return perCall;
}

async function benchAction(): Promise<void> {
  console.log('Action onExecutePostLogin (sandbox runtime, bundled code.js)');
  const code = readFileSync(join(ROOT, 'actions', 'authy-2fa', 'code.js'), 'utf8');
  const action = loadAction(code, 'code.js');
  const baseline: LoadedAction = loadAction('exports.onExecutePostLogin = async () => {};', 'baseline.js');
  const user = { user_id: 'auth0|bench', email: 'bench@example.com', email_verified: true, name: 'Bench', created_at: '', updated_at: '', logins_count: 1, app_metadata: { authy_2fa: { v: 1, authy_id: '1234', failures: 0 } }, user_metadata: {} };
  const secrets = { FORMS_URL: 'https://2fa.example.com/2fa', SHARED_SECRET: SECRET, AUTHY_API_KEY: 'k' };
  const run = (a: LoadedAction) => (i: number) =>
    runPostLoginPhase(a, {
      phase: 'execute',
      event: buildEvent({ user, client: { client_id: 'c', name: 'C' }, request: { ip: '127.0.0.1', host: 'localhost:3001', method: 'GET' }, transaction: { id: `t${i}`, protocol: 'oidc-basic-profile' }, tenantId: 't', secrets }),
      transaction: newLoginTransaction(`t${i}`, `s${i}`),
      tenantHost: 'localhost:3001',
      cache: createActionCache(),
      canRedirect: true,
    });
  // The Action logs one line per decision; keep the bench output readable.
  const log = console.log;
  let base = 0;
  let ours = 0;
  const quiet = (work: (i: number) => Promise<unknown>) => async (i: number) => {
    console.log = () => undefined;
    try {
      return await work(i);
    } finally {
      console.log = log;
    }
  };
  base = await timeIt('baseline: an Action that only allows', 3000, quiet(run(baseline)));
  ours = await timeIt('authy-2fa: decide + encodeToken + redirect', 3000, quiet(run(action)));
  console.log(`  ratio ${(ours / base).toFixed(2)}x the baseline\n`);
}

async function benchForms(): Promise<void> {
  console.log('Forms server (inject, no network)');
  const config = loadConfig({ SHARED_SECRET: SECRET, FORMS_PUBLIC_URL: 'https://2fa.example.com', AUTHY_API_KEY: 'k', TRUSTED_TENANTS: 'https://tenant.example.com', RATE_LIMIT_PER_MINUTE: '100000' });
  const app = await buildFormsServer(config, { logger: false });
  const exp = Math.floor(Date.now() / 1000) + 600;
  const base = await timeIt('baseline: GET /healthz', 2000, () => app.inject({ url: '/healthz' }));
  const ours = await timeIt('entry (verify token, new visit) + code page', 2000, async (i) => {
    const token = signHs256({ sub: `auth0|${i}`, iss: 'tenant.example.com', exp, ip: '1.1.1.1', ...outboundPayload({ continueHost: 'tenant.example.com', authyId: '1234', sealedEmail: null, failures: 0, maxFailures: 5, lockSeconds: 900, locale: 'en' }) }, SECRET);
    const entry = await app.inject({ url: `/2fa?state=s${i}&session_token=${token}` });
    const cookie = String(entry.headers['set-cookie']).split(';')[0] ?? '';
    return app.inject({ url: '/2fa/flow', headers: { cookie } });
  });
  console.log(`  ratio ${(ours / base).toFixed(2)}x the baseline\n`);
  await app.close();
}

async function benchMemory(): Promise<void> {
  console.log('Memory of open visits (MemoryStore)');
  const gc = (globalThis as { gc?: () => void }).gc;
  const store = new MemoryStore();
  gc?.();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const count = 10_000;
  for (let i = 0; i < count; i++) {
    const flow: Flow = {
      id: `id-${i}`.padEnd(43, 'x'), csrf: 'c'.repeat(43), userId: `auth0|user-${i}`, counterKey: `tenant.example.com|auth0|user-${i}`, state: `state-${i}`.padEnd(32, 's'),
      continueUrl: 'https://tenant.example.com/continue', audience: 'tenant.example.com', locale: 'en', authyId: '1234', pendingAuthyId: null, email: null,
      maxFailures: 5, lockSeconds: 900, channel: 'app', sends: 0, lastSendAt: 0, pushUuid: null, notice: null, outcome: null, expiresAt: Date.now() + 600_000,
    };
    await store.createFlow(flow);
  }
  gc?.();
  gc?.();
  const perVisit = (process.memoryUsage().heapUsed - before) / count;
  // Keep the store alive until after the measurement.
  if (!(await store.getFlow('id-0'.padEnd(43, 'x'), Date.now()))) throw new Error('store lost a visit');
  const json = Buffer.byteLength(JSON.stringify((await store.getFlow('id-0'.padEnd(43, 'x'), Date.now())) ?? {}));
  console.log(`  baseline: one visit as JSON                    ${json} bytes`);
  console.log(`  ratio ${(perVisit / json).toFixed(2)}x the JSON size`);
  console.log(`  ${perVisit.toFixed(0)} bytes per open visit${gc ? '' : ' (run with --expose-gc for a steadier figure)'}; 100,000 visits ≈ ${((perVisit * 100_000) / 1024 / 1024).toFixed(0)} MiB\n`);
}

function benchSize(): void {
  const size = statSync(join(ROOT, 'actions', 'authy-2fa', 'code.js')).size;
  console.log(`Bundled Action: ${size} bytes = ${((size / (100 * 1024)) * 100).toFixed(1)}% of Auth0's 100 kB limit\n`);
}

async function main(): Promise<void> {
  benchSize();
  await benchMemory();
  await benchAction();
  await benchForms();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
