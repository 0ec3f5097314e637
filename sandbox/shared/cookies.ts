/**
 * The two cookie operations the sandbox servers need, without @fastify/cookie (which loads its
 * parser with a dynamic import that Jest cannot run without experimental flags). Values are
 * opaque random ids, so no encoding beyond URI escaping is needed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Reads one cookie from the request's Cookie header. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function append(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing.map(String) : existing !== undefined ? [String(existing)] : [];
  reply.header('set-cookie', [...list, cookie]);
}

/** Sets an HttpOnly, SameSite=Lax session cookie on path `/` (no Secure: the sandbox is plain http on localhost). */
export function setSessionCookie(reply: FastifyReply, name: string, value: string, maxAgeSeconds?: number): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  append(reply, parts.join('; '));
}

export function clearCookie(reply: FastifyReply, name: string): void {
  append(reply, `${name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
}
