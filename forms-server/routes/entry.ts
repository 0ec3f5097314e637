/**
 * GET /2fa: where Auth0 sends the browser. Checks the link (link.ts), raises the user's counter
 * to what the Action reports, and opens the link's one visit. The same link again in the same
 * browser resumes that visit; anywhere else it gets a plain page with the way back.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { FormsServerConfig } from '../config';
import { readLink, type Link } from '../link';
import { VISIT_PAGE } from '../plugins/visit';
import type { Observer } from '../observe';
import { rememberedOutcome, visitRemember } from '../plugins/device-cookie';
import { readVisitCookie, setVisitCookie } from '../plugins/visit-cookie';
import { continueForm, renderError, renderOutcome, type RenderDeps } from '../render';
import type { Store, VisitLimits } from '../store/types';
import { isLocked } from '../visit/attempts';
import { next } from '../visit/machine';
import { attemptLimits, enrolledBefore, startVisit, type Visit } from '../visit/visit';
import { msToSec, secToMs } from '../../lib/time';
import { generateRecoveryCodes } from '../../lib/recovery-codes';
import { randomBase64url } from '../../lib/random';

export interface EntryOptions extends RenderDeps {
  config: FormsServerConfig;
  store: Store;
  limits: VisitLimits;
  observe?: Observer;
  /** Twilio Verify is configured (config.verify): links that name Verify are refused without it. */
  verifyEnabled?: boolean;
}

const randomId = (): string => randomBase64url(32);

function visitFor(link: Link, nowMs: number, config: FormsServerConfig, verifyEnabled: boolean): Visit {
  const { outbound } = link;
  // A user who enrolls now is shown recovery codes on the code page (stored with the first right code).
  const enrolled = Boolean(outbound.authyId ?? outbound.verifyFactorSid);
  const recovery = { left: outbound.recoveryLeft ?? 0, codes: enrolled ? null : generateRecoveryCodes(), entering: false };
  return startVisit(
    {
      id: randomId(),
      csrf: randomId(),
      userId: outbound.userId,
      tenantIssuer: outbound.tenantIssuer,
      state: link.state,
      continueUrl: new URL('/continue', link.tenant.origin).href,
      audience: outbound.continueHost,
      locale: outbound.locale,
      authyId: outbound.authyId,
      ...(outbound.provider === 'verify' ? { provider: 'verify', verifyFactorSid: outbound.verifyFactorSid ?? null } : {}),
      remember: visitRemember(config, outbound),
      // Without Verify here the move is left out: the user signs in with Authy, and the Action, seeing an Authy result, keeps them there.
      ...(outbound.moveToVerify && verifyEnabled ? { moveToVerify: true } : {}),
      email: link.email,
      maxFailures: outbound.maxFailures,
      lockSeconds: outbound.lockSeconds,
      linkExpiresAtMs: link.expiresAtMs,
      maxVisitMs: secToMs(config.visitMaxSeconds),
      recovery,
    },
    nowMs,
  );
}

/** The way back from a page refused at entry: the link's login, cancelled. */
function cancelForm(deps: RenderDeps, link: Link) {
  const { outbound } = link;
  const to = { continueUrl: new URL('/continue', link.tenant.origin).href, audience: outbound.continueHost, userId: outbound.userId };
  return continueForm(deps, { kind: 'cancelled', failures: outbound.failures }, { ...to, state: link.state });
}

export const entryRoutes: FastifyPluginAsync<EntryOptions> = async (app, options) => {
  const { config, store, now, observe } = options;

  app.get('/2fa', async (request, reply) => {
    const link = readLink(config, request.query as Record<string, unknown>, now());
    if (link.outbound.provider === 'verify' && !options.verifyEnabled) {
      request.log.error({ step: 'entry', provider: 'verify' }, 'a Verify link, and Verify is not configured (VERIFY_SERVICE_SID)');
      return renderError(reply, 503, 'errVerifyOff', link.outbound.locale, cancelForm(options, link));
    }
    let visit = visitFor(link, now(), config, options.verifyEnabled === true);
    const counter = await store.raiseFailures(visit.userKey, link.outbound.failures, attemptLimits(visit, now()));
    // Locked already (here or by the Action): the visit starts at its end.
    if (isLocked(counter, now())) visit = next(visit, { type: 'attemptRefused', reason: 'locked', counter }, now()).visit;
    else if (counter.failures > 0) visit = { ...visit, earlierFailures: counter.failures };
    // A remembered device of this user in this browser: no page, the result goes back at once (the Action decides).
    const remembered = visit.outcome ? null : rememberedOutcome(request, config, link.outbound);
    if (remembered) {
      request.log.info({ step: 'entry', remembered: true }, 'remembered device presented');
      return renderOutcome(reply, visit, options, remembered);
    }

    const opened = await store.openVisit(visit, link.key, link.expiresAtMs, options.limits, now());
    const subject = { tenant: link.outbound.tenantIssuer, userId: link.outbound.userId };
    if (opened.kind === 'full') {
      request.log.warn({ step: 'entry' }, 'visit store full');
      observe?.storeFull(subject, request.log);
      return renderError(reply.header('retry-after', '30'), 503, 'errBusy', link.outbound.locale, cancelForm(options, link));
    }
    if (opened.kind === 'existing') {
      const mine = readVisitCookie(request) === opened.visitId && (await store.getVisit(opened.visitId, now())) !== null;
      if (mine) return reply.code(303).header('location', VISIT_PAGE).send();
      request.log.info({ step: 'entry' }, 'link already used');
      observe?.linkReused(subject, request.log);
      const failures = (await store.getCounter(visit.userKey, now())).failures;
      const way = continueForm(options, { kind: 'cancelled', failures }, visit);
      return renderError(reply, 409, 'errLinkUsed', link.outbound.locale, way, 'linkUsedHeading');
    }
    setVisitCookie(reply, visit.id, { secure: config.secureCookies, maxAgeSeconds: msToSec(visit.expiresAtMs - now()) });
    // The audit line (visit_started) is this request's news at info; the step line is for debugging.
    request.log.debug(
      { step: 'entry', enrolled: enrolledBefore(visit), ...(visit.provider ? { provider: visit.provider } : {}) },
      'visit started',
    );
    observe?.visitStarted(visit, request.log);
    return reply.code(303).header('location', VISIT_PAGE).send();
  });
};
