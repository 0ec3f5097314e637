/**
 * GET /metrics, in Prometheus' text format, for the people who run the server. Never open on
 * the public pages' port: there only with METRICS_TOKEN (a bearer token, compared in constant
 * time), and not at all when METRICS_PORT gives it a listener of its own (bound to
 * METRICS_HOST, 127.0.0.1 by default), which asks for the token too when one is set.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { safeEqual } from '../../lib/safe-equal';
import { localeOf } from '../plugins/error-pages';
import { renderError } from '../render';

const digest = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** Whether the request carries `Authorization: Bearer <token>`; hashed first, so lengths leak nothing either. */
export function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !/^Bearer [\x21-\x7e]+$/.test(header)) return false;
  return safeEqual(digest(header.slice('Bearer '.length)), digest(token));
}

async function sendMetrics(registry: Registry, reply: FastifyReply): Promise<FastifyReply> {
  const text = await registry.metrics();
  return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(text);
}

/** On the public port: only with the token; a request without it gets a 401 page and no metric. */
export const publicMetricsRoutes: FastifyPluginAsync<{ registry: Registry; token: string }> = async (app, { registry, token }) => {
  app.get('/metrics', async (request, reply) => {
    if (!bearerMatches(request, token)) {
      request.log.info({ step: 'metrics' }, 'metrics refused');
      return renderError(reply.header('www-authenticate', 'Bearer realm="metrics"'), 401, 'errNotFound', localeOf(request));
    }
    return sendMetrics(registry, reply);
  });
};

/** The metrics listener: GET /metrics and nothing else (the caller listens and closes it). */
export function buildMetricsListener(registry: Registry, token: string | null): FastifyInstance {
  const listener = Fastify({ logger: false });
  listener.get('/metrics', async (request, reply) => {
    if (token !== null && !bearerMatches(request, token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').type('text/plain; charset=utf-8').send('unauthorized\n');
    }
    return sendMetrics(registry, reply);
  });
  listener.setNotFoundHandler(async (_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('not found\n'));
  return listener;
}
