/** What every route module of the demo application receives from the factory (app.ts), and its sessions. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCookie, setSessionCookie } from '../shared/cookies';
import { randomId } from '../shared/random-id';
import type { TenantApi } from './tenant-api';

/** Distinct from every other sandbox cookie: all sandbox servers share `localhost`. */
export const DEMO_SESSION_COOKIE = 'sandbox_demo_session';

export interface DemoSession {
  /** The sign-in this browser started: its state and nonce, until the callback. */
  pending?: { state: string; nonce: string; expiresAtMs: number };
  user?: { claims: Record<string, unknown>; refreshToken?: string; refreshedAt?: string };
}

export interface DemoContext {
  /** This app's origin, e.g. http://localhost:3000. */
  publicUrl: string;
  /** The tenant's origin as the browser uses it. */
  tenantUrl: string;
  callbackUrl: string;
  clientId: string;
  /** The ID-token claim that says 2FA was done, if configured. */
  secondFactorClaim?: string;
  tenant: TenantApi;
  sessions: Map<string, DemoSession>;
}

/** This browser's session; a fresh one (and its cookie) when it has none. */
export function sessionOf(ctx: DemoContext, request: FastifyRequest, reply: FastifyReply): DemoSession {
  const id = readCookie(request, DEMO_SESSION_COOKIE);
  const existing = id ? ctx.sessions.get(id) : undefined;
  if (existing) return existing;
  const fresh: DemoSession = {};
  const newId = randomId();
  ctx.sessions.set(newId, fresh);
  setSessionCookie(reply, DEMO_SESSION_COOKIE, newId);
  return fresh;
}
