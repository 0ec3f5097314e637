/**
 * The one cookie of the forms server: the id of the current visit. Written and read by hand
 * (a few lines) rather than through a cookie plugin, so nothing loads modules lazily.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export const FLOW_COOKIE = 'authy2fa_flow';
const VISIT_ID = /^[A-Za-z0-9_-]{43}$/;

/** The visit id from the Cookie header, or null. Only a well-formed id is returned. */
export function readVisitCookie(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== FLOW_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return VISIT_ID.test(value) ? value : null;
  }
  return null;
}

export function setVisitCookie(reply: FastifyReply, id: string, options: { secure: boolean; maxAgeSeconds: number }): void {
  // Lax: the cookie is set on a cross-site navigation from Auth0 and must ride the redirect that follows.
  const attributes = [
    `${FLOW_COOKIE}=${id}`,
    'Path=/2fa',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
  ];
  if (options.secure) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}
