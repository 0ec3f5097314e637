/**
 * The forms server as a factory: plugins (form bodies, cookies, rate limit, views), security
 * headers, one error handler, and the routes. server.ts only loads config and listens; tests
 * build the app and call `inject`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import { createAuthyClient, type AuthyClient } from '../lib/authy-client';
import type { FormsServerConfig } from './config';
import { PageError } from './errors';
import { contentSecurityPolicy } from './security-headers';
import { catalogueFor, type MessageKey } from './i18n';
import { registerFlowRoutes } from './routes/flow';
import { MemoryStore, type Store } from './store';

export interface FormsServerDeps {
  authy?: AuthyClient;
  store?: Store;
  /** Epoch milliseconds; tests move it. */
  now?: () => number;
  /** Pino options or false; defaults to JSON logs at config.logLevel. */
  logger?: boolean | Record<string, unknown>;
}

/** Form bodies are small: a phone number, a code, a CSRF token. */
export const BODY_LIMIT_BYTES = 8 * 1024;

const STATIC_FILES: Record<string, { type: string; body: Buffer }> = {
  'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(__dirname, 'static', 'app.css')) },
  'continue.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(__dirname, 'static', 'continue.js')) },
};

/** Path only: query strings carry tokens and must never reach a log line. */
function requestForLog(request: FastifyRequest): Record<string, string> {
  return { method: request.method, url: request.url.split('?')[0] ?? '' };
}

function localeOf(request: FastifyRequest): string {
  const header = request.headers['accept-language'];
  const first = typeof header === 'string' ? (header.split(',')[0] ?? '').split(';')[0]?.trim() ?? '' : '';
  return /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(first) ? first : '';
}

async function renderError(reply: FastifyReply, status: number, key: MessageKey, locale: string): Promise<FastifyReply> {
  const t = catalogueFor(locale);
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').view('error', { t, lang: t.lang, message: t[key] });
}

export async function buildFormsServer(config: FormsServerConfig, deps: FormsServerDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      deps.logger === false
        ? false
        : {
            level: config.logLevel,
            serializers: { req: requestForLog },
            redact: ['req.headers.cookie', 'req.headers.authorization'],
            ...(typeof deps.logger === 'object' ? deps.logger : {}),
          },
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
  });

  const store = deps.store ?? new MemoryStore();
  const authy = deps.authy ?? createAuthyClient({ apiKey: config.authyApiKey, baseUrl: config.authyApiUrl, timeoutMs: config.authyTimeoutMs });
  const now = deps.now ?? (() => Date.now());

  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Health checks and the two static files cost nothing; every page and form post counts.
    allowList: (request) => request.url === '/healthz' || request.url === '/favicon.ico' || request.url.startsWith('/2fa/static/'),
    errorResponseBuilder: () => ({ statusCode: 429, error: 'Too Many Requests', message: 'rate limited' }),
  });
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: join(__dirname, 'views'), autoEscape: true, cache: true }) },
    root: join(__dirname, 'views'),
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', contentSecurityPolicy());
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    // Pages are never stored; the stylesheet and script (no user data) may be cached.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (config.secureCookies) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  app.setErrorHandler(async (error: unknown, request, reply) => {
    const locale = localeOf(request);
    if (error instanceof PageError) {
      request.log.info({ err: { type: error.name, detail: error.detail } }, 'request refused');
      return renderError(reply, error.statusCode, error.messageKey, locale);
    }
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status === 413) return renderError(reply, 413, 'errTooLarge', locale);
    if (status === 429) return renderError(reply, 429, 'errRateLimited', locale);
    if (status >= 400 && status < 500) {
      request.log.info({ err: { type: (error as Error).name, code: (error as { code?: string }).code } }, 'bad request');
      return renderError(reply, status === 415 ? 415 : 400, 'errBadForm', locale);
    }
    // A bug: log its kind and stack (no request data), show a plain page.
    request.log.error({ err: { type: (error as Error).name, stack: (error as Error).stack } }, 'unexpected error');
    return renderError(reply, 500, 'errInternal', locale);
  });

  app.setNotFoundHandler(async (request, reply) => renderError(reply, 404, 'errNotFound', localeOf(request)));

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get<{ Params: { file: string } }>('/2fa/static/:file', async (request, reply) => {
    const file = Object.hasOwn(STATIC_FILES, request.params.file) ? STATIC_FILES[request.params.file] : undefined;
    if (!file) return renderError(reply, 404, 'errNotFound', localeOf(request));
    return reply.header('content-type', file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });

  // Browsers ask for it on every site; an empty answer keeps their consoles and our logs quiet.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  registerFlowRoutes(app, { config, store, authy, now });
  return app;
}
