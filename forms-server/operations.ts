/**
 * What the people who run the server see, built once per app: the metrics (metrics.ts), the
 * timed Authy client and Store that record them (instrument.ts), the audit log (audit.ts), the
 * observer that turns events into both (observe.ts), readiness (readiness.ts) and the metrics
 * listener (routes/metrics.ts). app.ts wires these in; nothing else builds them.
 */
import type { FastifyInstance } from 'fastify';
import type { AuthyClient } from '../lib/authy-client';
import { createVerifyProvider, verifyIdentity } from '../lib/providers/verify';
import type { VerifyDeps } from './effects';
import { auditKey, createAuditLog } from './audit';
import type { FormsServerConfig } from './config';
import { TimedStore, timedAuthy, timedVerify } from './instrument';
import { createMetrics, type Metrics } from './metrics';
import { createObserver, type Observer } from './observe';
import { authyCredentialsCheck, createReadiness, type ProviderState, type Readiness } from './readiness';
import { buildMetricsListener } from './routes/metrics';
import type { Store } from './store/types';

export interface Operations {
  metrics: Metrics;
  /** The store and the Authy client everything else uses: timed. */
  store: Store;
  authy: AuthyClient;
  /** Twilio Verify (timed), when configured; else null. */
  verify: VerifyDeps | null;
  observer: Observer;
  readiness: Readiness;
  /** The listener of GET /metrics when METRICS_PORT is set, else null (server.ts listens). */
  metricsListener: FastifyInstance | null;
}

export interface OperationsDeps {
  store: Store;
  authy: AuthyClient;
  now: () => number;
  fetch: typeof fetch;
  /** Replaces the Verify provider built from config.verify (tests). */
  verify?: VerifyDeps['provider'];
  /** Replaces the Authy credentials check of /readyz (tests). */
  providerCheck?: () => Promise<ProviderState>;
}

/** How long the store may take to answer the ping of a scrape before it counts as down. */
const SCRAPE_PING_MS = 2_000;

async function answers(store: Store): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), SCRAPE_PING_MS);
  });
  try {
    return await Promise.race([store.ping().then(() => true), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function buildOperations(config: FormsServerConfig, deps: OperationsDeps): Operations {
  let store: Store = deps.store;
  const metrics = createMetrics(() => answers(store));
  store = new TimedStore(deps.store, metrics);
  const provider =
    deps.providerCheck ??
    authyCredentialsCheck({ apiKey: config.authyApiKey, baseUrl: config.authyApiUrl, timeoutMs: config.authyTimeoutMs, fetch: deps.fetch });
  const readiness = createReadiness({ store, provider, now: deps.now });
  const authy = timedAuthy(deps.authy, metrics, { onBadKey: () => readiness.badKeySeen() });
  const verify = verifyDeps(config, deps, metrics);
  const observer = createObserver(metrics, createAuditLog(auditKey(config)), deps.now);
  const metricsListener = config.metricsPort === null ? null : buildMetricsListener(metrics.registry, config.metricsToken);
  return { metrics, store, authy, verify, observer, readiness, metricsListener };
}

/** The Verify provider of config.verify (same settings as the Action's), timed; null without them. */
function verifyDeps(config: FormsServerConfig, deps: OperationsDeps, metrics: Metrics): VerifyDeps | null {
  const settings = config.verify ?? null;
  if (!settings) return null;
  const provider =
    deps.verify ??
    createVerifyProvider({
      accountSid: settings.username,
      authToken: settings.password,
      serviceSid: settings.serviceSid,
      identitySecret: settings.identityKey,
      baseUrl: `${settings.apiUrl}/v2`,
      timeoutMs: config.authyTimeoutMs,
      fetch: deps.fetch,
      defaultLabel: new URL(config.publicOrigin).hostname,
    });
  return { provider: timedVerify(provider, metrics), identity: (userId) => verifyIdentity(userId, settings.identityKey) };
}
