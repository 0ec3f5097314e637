/**
 * Requests per minute per client address, counted in the shared store's Redis when there is
 * one (so every replica counts the same buckets), else in memory. Health checks and the static
 * files cost nothing; every page and form post counts. While Redis is down the limit is skipped:
 * every page then needs the store itself and answers 503 without it.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

export interface RateLimitOptions {
  perMinute: number;
  /** The shared store's connection, when it is Redis. */
  redis?: Redis;
  keyPrefix: string;
  /** Called once per refused request (metrics and the audit line). */
  onLimited?: (request: FastifyRequest) => void;
}

function exempt(url: string): boolean {
  return url === '/healthz' || url === '/readyz' || url === '/favicon.ico' || url.startsWith('/2fa/static/');
}

export const rateLimit = fp<RateLimitOptions>(
  async (app, options) => {
    await app.register(fastifyRateLimit, {
      max: options.perMinute,
      timeWindow: 60_000,
      allowList: (request) => exempt(request.url),
      // Browsers do nothing with x-ratelimit-* on a page; a refused request still gets retry-after and the x-ratelimit-* headers.
      addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
      ...(options.redis ? { redis: options.redis, nameSpace: `${options.keyPrefix}rate:`, skipOnError: true } : {}),
      onExceeded: (request) => options.onLimited?.(request),
      errorResponseBuilder: () => ({ statusCode: 429, error: 'Too Many Requests', message: 'rate limited' }),
    });
  },
  { name: 'rate-limit' },
);
