/** The tenant session: opened when the password is right, read on every browser request, ended by logout. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { msToSec } from '../../lib/time';
import { clearCookie, readCookie, setSessionCookie } from '../shared/cookies';
import { randomId } from '../shared/random-id';
import type { TenantContext } from './context';
import type { TenantSession } from './records';

/** Cookie names are unique across the sandbox: all servers share `localhost`, and cookies ignore ports. */
export const TENANT_SESSION_COOKIE = 'sandbox_tenant_session';

/** The live session of this browser, if its user still exists. */
export function sessionOf(ctx: TenantContext, request: FastifyRequest): TenantSession | null {
  const id = readCookie(request, TENANT_SESSION_COOKIE);
  if (!id) return null;
  const session = ctx.sessions.get(id);
  if (!session || !ctx.users.get(session.userId)) return null;
  return session;
}

/** Opens a session after a password login; its first method is `pwd`. */
export function openSession(ctx: TenantContext, reply: FastifyReply, userId: string): TenantSession {
  const nowMs = Date.now();
  const session: TenantSession = {
    id: randomId(),
    userId,
    authTimeSec: msToSec(nowMs),
    methods: [{ name: 'pwd', timestamp: new Date(nowMs).toISOString() }],
  };
  ctx.sessions.set(session.id, session);
  setSessionCookie(reply, TENANT_SESSION_COOKIE, session.id);
  return session;
}

/** Forgets this browser's session, if any, and clears its cookie. */
export function endSession(ctx: TenantContext, request: FastifyRequest, reply: FastifyReply): void {
  const id = readCookie(request, TENANT_SESSION_COOKIE);
  if (id) ctx.sessions.delete(id);
  clearCookie(reply, TENANT_SESSION_COOKIE);
}
