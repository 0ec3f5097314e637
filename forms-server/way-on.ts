/**
 * The way on from an error page. In a visit (its cookie) the page links back to the visit's page,
 * which has its own Cancel; when only the link is known (a link opened elsewhere, or expired), it
 * offers a cancelled result posted to the tenant's /continue, which takes the browser back to the
 * application; when nothing is known, it says to close the tab and sign in again.
 */
import type { FastifyRequest } from 'fastify';
import { readLink } from './link';
import { VISIT_PAGE } from './plugins/visit';
import { readVisitCookie } from './plugins/visit-cookie';
import { continueForm, type ContinueForm, type RenderDeps } from './render';
import type { Visit } from './visit/visit';

/** How long after its expiry a genuine link still finds its way back (the tenant decides whether that login is still open). */
const EXPIRED_LINK_GRACE_SECONDS = 24 * 3600;

/** A cancelled result posted to /continue, or a link back to the visit's page. */
export type Way = ContinueForm | { href: string };

export interface WayOn {
  way: Way;
  locale: string;
}

/** Back to the browser's visit page; undefined without a live visit, or when the store cannot say. */
export async function wayFromVisit(request: FastifyRequest, deps: RenderDeps): Promise<WayOn | undefined> {
  const id = readVisitCookie(request);
  if (!id) return undefined;
  try {
    const visit = await deps.store.getVisit<Visit>(id, deps.now());
    return visit ? { way: { href: VISIT_PAGE }, locale: visit.locale } : undefined;
  } catch {
    return undefined;
  }
}

/** A genuine link that expired: its signature and tenant still check out, so its state is known. */
export function wayFromExpiredLink(request: FastifyRequest, deps: RenderDeps): WayOn | undefined {
  try {
    const link = readLink(deps.config, request.query as Record<string, unknown>, deps.now(), EXPIRED_LINK_GRACE_SECONDS);
    const { outbound } = link;
    const to = {
      continueUrl: new URL('/continue', link.tenant.origin).href,
      audience: outbound.continueHost,
      userId: outbound.userId,
      state: link.state,
    };
    return { way: continueForm(deps, { kind: 'cancelled', failures: outbound.failures }, to), locale: outbound.locale };
  } catch {
    return undefined;
  }
}
