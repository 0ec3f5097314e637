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

/** The headers every answer carries as they are, in their order on the wire: before and after cache-control. */
const BEFORE_CACHE_CONTROL: readonly (readonly [string, string])[] = Object.freeze([
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
] as const);

function afterCacheControl(hsts: boolean): readonly (readonly [string, string])[] {
  const headers: (readonly [string, string])[] = [['cross-origin-opener-policy', 'same-origin']];
  if (hsts) headers.push(['strict-transport-security', 'max-age=31536000']);
  return Object.freeze(headers);
}

export const securityHeaders = fp<{ hsts: boolean }>(
  async (app, options) => {
    const after = afterCacheControl(options.hsts);
    // A callback hook, not an async one: no promise per answer.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', DEFAULT_CSP);
      for (const [name, value] of BEFORE_CACHE_CONTROL) reply.header(name, value);
      // Pages are never stored; the stylesheet and script (no user data) may be cached.
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      for (const [name, value] of after) reply.header(name, value);
      done(null, payload);
    });
  },
  { name: 'security-headers' },
);
