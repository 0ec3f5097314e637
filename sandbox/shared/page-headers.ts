/**
 * HTTP helpers of the sandbox's own pages (demo application and stand-in tenant). Their headers:
 * never cached, no sniffing, and on HTML a strict policy (their small stylesheets are inline,
 * scripts none).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

export const SANDBOX_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

export function addPageHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', SANDBOX_PAGE_CSP);
      reply.header('referrer-policy', 'no-referrer');
    }
    return payload;
  });
}

export function sendHtml(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** String parameters by name; any name may be absent. */
export type FlatQuery = Partial<Record<string, string>>;

/** The string parameters of a parsed query or form (repeated or nested ones are dropped). */
export function flatQuery(value: unknown): FlatQuery {
  const out: FlatQuery = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
