/**
 * Security headers on every answer. Content-Security-Policy: no inline script or style, no
 * framing, and forms post to ourselves. `formActions: null` leaves form-action out: browsers
 * apply it to the redirects that follow a form post too, and the POST to the tenant's /continue
 * ends in a redirect to the application, whose address (https, or http://localhost in
 * development) we cannot know.
 */
import fp from 'fastify-plugin';

export function contentSecurityPolicy(formActions: readonly string[] | null = ["'self'"]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    ...(formActions ? [`form-action ${formActions.join(' ')}`] : []),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const DEFAULT_CSP = contentSecurityPolicy();

export const securityHeaders = fp<{ hsts: boolean }>(
  async (app, options) => {
    app.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', DEFAULT_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
      // Pages are never stored; the stylesheet and script (no user data) may be cached.
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      reply.header('cross-origin-opener-policy', 'same-origin');
      if (options.hsts) reply.header('strict-transport-security', 'max-age=31536000');
      return payload;
    });
  },
  { name: 'security-headers' },
);
