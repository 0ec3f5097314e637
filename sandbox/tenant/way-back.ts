/**
 * The way back from the stand-in tenant's error pages: a link to the application when the page
 * knows which one (the login's client, also for a login that already finished), otherwise the
 * advice to close the tab and sign in again. Finished logins are remembered, by state or login
 * page, for as long as a login could be waiting.
 */
import type { TenantClient, TenantContext } from './context';
import { LOGIN_TTL_MS } from './records';

export interface WayBack {
  href: string;
  label: string;
}

/** The application's home: the origin of the callback URL it registered (or used). */
export function wayBackTo(client: TenantClient, redirectUri?: string): WayBack | null {
  const uri = redirectUri ?? client.redirect_uris[0];
  if (!uri) return null;
  return { href: new URL('/', uri).href, label: `Back to ${client.name}` };
}

/** Remembers that the login known by `key` (its state, or its login page's id) finished. */
export function rememberFinished(ctx: TenantContext, key: string, way: WayBack | null): void {
  const nowMs = Date.now();
  for (const [k, entry] of ctx.finished) if (entry.expiresAtMs < nowMs) ctx.finished.delete(k);
  if (way) ctx.finished.set(key, { way, expiresAtMs: nowMs + LOGIN_TTL_MS });
}

/** The way back of a login that finished, or null. */
export function finishedWayBack(ctx: TenantContext, key: string): WayBack | null {
  const entry = ctx.finished.get(key);
  return entry && entry.expiresAtMs >= Date.now() ? entry.way : null;
}
