/**
 * The forms server as a factory, and the one place that wires it: plugins (form bodies, rate
 * limit, views, security headers, error pages, the visit), then one small route module per
 * step. server.ts only loads config, opens the store and listens; tests build the app and call
 * `inject`.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyFormbody from '@fastify/formbody';
import { createAuthyClient, type AuthyClient } from '../lib/authy-client';
import type { SecondFactorProvider } from '../lib/providers/types';
import type { FormsServerConfig } from './config';
import type { Metrics } from './metrics';
import { buildOperations } from './operations';
import { createPooledFetch } from './pooled-fetch';
import { catalogueFor } from './i18n';
import { errorPages } from './plugins/error-pages';
import { rateLimit } from './plugins/rate-limit';
import { securityHeaders } from './plugins/security-headers';
import { views } from './plugins/views';
import { visitPlugin } from './plugins/visit';
import { cancelRoutes } from './routes/cancel';
import { codeRoutes } from './routes/code';
import { enrollRoutes } from './routes/enroll';
import { entryRoutes } from './routes/entry';
import { healthRoutes } from './routes/health';
import { publicMetricsRoutes } from './routes/metrics';
import { pageRoutes } from './routes/page';
import { pushRoutes } from './routes/push';
import { recoveryRoutes } from './routes/recovery';
import { staticRoutes } from './routes/static';
import type { ProviderState } from './readiness';
import { MemoryStore } from './store/memory';
import type { Store, VisitLimits } from './store/types';

export interface FormsServerDeps {
  authy?: AuthyClient;
  store?: Store;
  /** Epoch milliseconds; tests move it. */
  now?: () => number;
  /** Pino options or false; defaults to JSON logs at config.logLevel. */
  logger?: boolean | Record<string, unknown>;
  /** Replaces the Verify provider built from config.verify (tests). */
  verify?: SecondFactorProvider;
  /** Replaces the Authy credentials check of /readyz. */
  providerCheck?: () => Promise<ProviderState>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics (a registry of its own). */
    metrics: Metrics;
    /** GET /metrics on METRICS_PORT (server.ts listens on it after the app), else null; closed with the app. */
    metricsListener: FastifyInstance | null;
  }
}

/** Form bodies are small: a phone number, a code, a CSRF token. */
export const BODY_LIMIT_BYTES = 8 * 1024;
/** Open visits one user may hold at once; opening another drops that user's oldest. */
export const MAX_OPEN_VISITS_PER_USER = 3;

/** Path only: query strings carry tokens and must never reach a log line. */
function requestForLog(request: FastifyRequest): Record<string, string> {
  return { method: request.method, url: request.url.split('?')[0] ?? '' };
}

function loggerOptions(config: FormsServerConfig, logger: FormsServerDeps['logger']) {
  if (logger === false) return false;
  return {
    level: config.logLevel,
    serializers: { req: requestForLog },
    redact: ['req.headers.cookie', 'req.headers.authorization'],
    ...(typeof logger === 'object' ? logger : {}),
  };
}

function redisOf(store: Store) {
  return 'client' in store ? (store as { client: import('ioredis').Redis }).client : undefined;
}

/** One log line per request, when it is answered (Fastify's default writes two). Its `req` is path only. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...line, err: { type: error.name } }, 'request errored');
    else reply.log.info(line, 'request');
  }
}

/** Fastify's options for the forms server (and the bench's stack-floor app): logging, body limit, proxy trust, deadlines. */
export function fastifyOptions(config: FormsServerConfig, logger: FormsServerDeps['logger']) {
  return {
    logger: loggerOptions(config, logger),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    logController: new OneLinePerRequest(),
    // Deadlines: a body dripped byte by byte, or a socket left idle, is cut.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      maxHeaderSize: config.maxHeaderBytes,
      headersTimeout: Math.min(config.requestTimeoutMs, 10_000),
      // Node checks both deadlines only this often (30 s by default, longer than the deadlines).
      connectionsCheckingInterval: Math.min(1_000, Math.floor(config.requestTimeoutMs / 2)),
    },
  };
}

export async function buildFormsServer(config: FormsServerConfig, deps: FormsServerDeps = {}): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions(config, deps.logger));

  const rawStore = deps.store ?? new MemoryStore();
  const pool = createPooledFetch();
  app.addHook('onClose', async () => pool.close());
  const now = deps.now ?? (() => Date.now());
  const ops = buildOperations(config, {
    store: rawStore,
    authy:
      deps.authy ??
      createAuthyClient({ apiKey: config.authyApiKey, baseUrl: config.authyApiUrl, timeoutMs: config.authyTimeoutMs, fetch: pool.fetch }),
    now,
    fetch: pool.fetch,
    ...(deps.providerCheck ? { providerCheck: deps.providerCheck } : {}),
    ...(deps.verify ? { verify: deps.verify } : {}),
  });
  // From here on the store and the provider clients are the timed ones (instrument.ts).
  const { store, authy, verify, observer } = ops;
  app.decorate('metrics', ops.metrics);
  app.decorate('metricsListener', ops.metricsListener);
  app.addHook('onClose', async () => ops.metricsListener?.close());
  const limits: VisitLimits = { maxOpenPerUser: MAX_OPEN_VISITS_PER_USER, capacity: config.visitCapacity };
  const renderDeps = { config, store, now };

  await app.register(fastifyFormbody);
  await app.register(rateLimit, {
    perMinute: config.rateLimitPerMinute,
    redis: redisOf(rawStore),
    keyPrefix: config.redisKeyPrefix,
    onLimited: (request) => observer.rateLimited(request.log),
  });
  await app.register(views);
  await app.register(securityHeaders, { hsts: config.secureCookies });
  await app.register(errorPages, { observe: observer, deps: renderDeps });
  await app.register(visitPlugin, {
    ...renderDeps,
    authy,
    verify,
    codeHoldMs: config.authyTimeoutMs + 5_000,
    pushMessage: (locale) => catalogueFor(locale).title,
    observe: (effect, visit, outcome, log) => observer.effect(effect, visit, outcome, log),
  });

  await app.register(healthRoutes, { store, readiness: ops.readiness });
  // The public port serves /metrics only with a token, and never when it has a listener of its own.
  if (config.metricsToken !== null && config.metricsPort === null) {
    await app.register(publicMetricsRoutes, { registry: ops.metrics.registry, token: config.metricsToken });
  }
  await app.register(staticRoutes);
  await app.register(entryRoutes, { ...renderDeps, limits, observe: observer, verifyEnabled: verify !== null });
  await app.register(pageRoutes);
  await app.register(enrollRoutes);
  await app.register(codeRoutes);
  await app.register(pushRoutes);
  await app.register(cancelRoutes);
  await app.register(recoveryRoutes);
  return app;
}
