/**
 * The one visit to the forms server that a login gets (Auth0 allows one redirect per Action):
 * entry → enroll (phone) → code (app, SMS, call, push) → done (POST back to /continue).
 * Every POST is checked against the visit's cookie and CSRF token, then redirects (303) to
 * GET /2fa/flow, which renders whatever the visit's state calls for.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthyError, type AuthyClient } from '../../lib/authy-client';
import { verifyHs256 } from '../../lib/jwt-hs256';
import { safeEqual } from '../../lib/safe-equal';
import { utcMinute } from '../../lib/utc-minute';
import { unseal } from '../../lib/seal';
import { SESSION_TOKEN_PARAM, parseOutboundClaims, signResultToken, type OutboundToken } from '../../lib/token-contract';
import { checkSend, codeTarget, isLocked, normalizeCode, parseChannel, triesLeft } from '../attempts';
import { contentSecurityPolicy } from '../security-headers';
import type { FormsServerConfig } from '../config';
import { BadFormError, CsrfError, InvalidLinkError, SessionEndedError } from '../errors';
import { readFlowCookie, setFlowCookie } from '../flow-cookie';
import { catalogueFor, format, message, type MessageKey } from '../i18n';
import { countryOptions, isCountry, parsePhone } from '../phone';
import type { Counter, Flow, Store } from '../store';

export interface FlowDeps {
  config: FormsServerConfig;
  store: Store;
  authy: AuthyClient;
  now: () => number;
}

const FLOW_PATH = '/2fa/flow';
/** A visit may last as long as the outbound token, and never more than this. */
const MAX_VISIT_MS = 15 * 60 * 1000;
const STATE = /^[\x21-\x7e]{1,2048}$/;

function authyNotice(error: unknown): MessageKey {
  if (!(error instanceof AuthyError)) return 'authyUnavailable';
  switch (error.code) {
    case 'INVALID_PHONE':
    case 'INVALID_REQUEST':
      return 'authyInvalidPhone';
    case 'UNSUPPORTED_PHONE':
      return 'authyUnsupportedPhone';
    case 'UNSUPPORTED_COUNTRY':
      return 'authyUnsupportedCountry';
    case 'RATE_LIMITED':
      return 'authyRateLimited';
    case 'BAD_API_KEY':
      return 'authyConfig';
    case 'USER_NOT_FOUND':
      return 'authyUserMissing';
    default:
      return 'authyUnavailable';
  }
}

function body(request: FastifyRequest): Record<string, unknown> {
  const value = request.body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadFormError('body is not a form');
  return value as Record<string, unknown>;
}

export function registerFlowRoutes(app: FastifyInstance, deps: FlowDeps): void {
  const { config, store, authy, now } = deps;

  /** The trusted tenant whose host or hostname is `host`; never a host taken from the request. */
  function trustedTenant(host: string): URL | undefined {
    const wanted = host.toLowerCase();
    return config.trustedTenants.find((tenant) => tenant.host === wanted || tenant.hostname === wanted);
  }

  function readOutbound(token: unknown): OutboundToken {
    let outbound: OutboundToken;
    try {
      outbound = parseOutboundClaims(verifyHs256(token, config.sharedSecret, { now: Math.floor(now() / 1000) }));
    } catch (error) {
      throw new InvalidLinkError(`outbound token refused: ${error instanceof Error ? error.message : 'unknown'}`);
    }
    if (!trustedTenant(outbound.tenantIssuer)) throw new InvalidLinkError('outbound token issuer is not a trusted tenant');
    return outbound;
  }

  async function loadFlow(request: FastifyRequest): Promise<Flow> {
    const id = readFlowCookie(request);
    if (!id) throw new SessionEndedError('no flow cookie');
    const flow = await store.getFlow(id, now());
    if (!flow) throw new SessionEndedError('flow unknown or expired');
    return flow;
  }

  /** Loads the visit for a POST and checks its CSRF token. */
  async function postedFlow(request: FastifyRequest): Promise<{ flow: Flow; form: Record<string, unknown> }> {
    const form = body(request);
    const flow = await loadFlow(request);
    if (typeof form.csrf !== 'string' || !safeEqual(form.csrf, flow.csrf)) throw new CsrfError();
    return { flow, form };
  }

  async function backToFlow(reply: FastifyReply, flow: Flow): Promise<FastifyReply> {
    await store.saveFlow(flow);
    return reply.code(303).header('location', FLOW_PATH).send();
  }

  function notice(flow: Flow, key: MessageKey, kind: 'error' | 'info', params?: Record<string, string | number>): void {
    flow.notice = params ? { key, kind, params } : { key, kind };
  }

  /** Ends the visit as locked when the counter is; true if it did. */
  function endIfLocked(flow: Flow, counter: Counter): boolean {
    if (!isLocked(counter, now())) return false;
    flow.outcome = { kind: 'locked', failures: counter.failures, lockedUntil: Math.ceil((counter.lockedUntil ?? now()) / 1000) };
    return true;
  }

  async function lockIfNeeded(flow: Flow): Promise<boolean> {
    return endIfLocked(flow, await store.getCounter(flow.counterKey, now()));
  }

  /** Counts one wrong answer; ends the visit as locked when the limit is reached. */
  async function wrongAnswer(flow: Flow, key: MessageKey): Promise<void> {
    const counter = await store.recordFailure(flow.counterKey, flow.maxFailures, flow.lockSeconds, now());
    if (endIfLocked(flow, counter)) return;
    notice(flow, key, 'error', { left: triesLeft(counter, flow.maxFailures) });
  }

  // ------------------------------------------------------------ entry

  app.get('/2fa', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    if (typeof query.state !== 'string' || !STATE.test(query.state)) throw new InvalidLinkError('state missing or malformed');
    const token = query[SESSION_TOKEN_PARAM];
    const outbound = readOutbound(token);
    const tenant = trustedTenant(outbound.continueHost);
    if (!tenant) throw new InvalidLinkError('continue host is not a trusted tenant');
    const email = outbound.sealedEmail ? unseal(outbound.sealedEmail, config.sharedSecret) : null;
    if (!outbound.authyId && !email) throw new InvalidLinkError('sealed email refused');

    // One visit per link (token + state): a link replayed from history or a log starts nothing.
    // The state is part of the key because Auth0's tokens are deterministic: two logins of one
    // user in the same second carry the same token, but never the same state.
    const tokenHash = createHash('sha256').update(`${String(token)}|${query.state}`).digest('base64url');
    if (!(await store.markUsed(`outbound:${tokenHash}`, outbound.expiresAt * 1000, now()))) throw new InvalidLinkError('outbound token already used');

    const counterKey = `${outbound.tenantIssuer}|${outbound.userId}`;
    const counter = await store.raiseCounter(counterKey, outbound.failures);
    const flow: Flow = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      userId: outbound.userId,
      counterKey,
      state: query.state,
      continueUrl: new URL('/continue', tenant.origin).href,
      audience: outbound.continueHost,
      locale: outbound.locale,
      authyId: outbound.authyId,
      pendingAuthyId: null,
      email,
      maxFailures: outbound.maxFailures,
      lockSeconds: outbound.lockSeconds,
      channel: 'app',
      sends: 0,
      lastSendAt: 0,
      pushUuid: null,
      notice: null,
      outcome: null,
      expiresAt: Math.min(outbound.expiresAt * 1000, now() + MAX_VISIT_MS),
    };
    endIfLocked(flow, counter);
    await store.createFlow(flow);
    setFlowCookie(reply, flow.id, { secure: config.secureCookies, maxAgeSeconds: (flow.expiresAt - now()) / 1000 });
    request.log.info({ step: 'entry', enrolled: Boolean(outbound.authyId) }, 'visit started');
    return reply.code(303).header('location', FLOW_PATH).send();
  });

  // ------------------------------------------------------------ render

  /** Renders whatever the visit's state calls for; shows the pending notice once. */
  async function renderFlow(reply: FastifyReply, flow: Flow, status = 200, typed: { phone?: string; country?: string } = {}): Promise<FastifyReply> {
    const t = catalogueFor(flow.locale);
    const shown = flow.notice ? { kind: flow.notice.kind, text: message(t, flow.notice.key as MessageKey, flow.notice.params) } : null;
    if (flow.notice) {
      flow.notice = null;
      await store.saveFlow(flow);
    }
    const page = { t, csrf: flow.csrf, notice: shown, lang: t.lang };
    reply.code(status).header('content-type', 'text/html; charset=utf-8');

    if (flow.outcome) {
      const sessionToken = signResultToken(flow.outcome, {
        formsOrigin: config.publicOrigin,
        audience: flow.audience,
        userId: flow.userId,
        state: flow.state,
        secret: config.sharedSecret,
        now: Math.floor(now() / 1000),
      });
      // These pages' only form posts to the trusted tenant's /continue, fixed by the server.
      reply.header('content-security-policy', contentSecurityPolicy(null));
      const continueForm = { action: flow.continueUrl, state: flow.state, tokenName: SESSION_TOKEN_PARAM, token: sessionToken };
      if (flow.outcome.kind === 'locked') {
        const until = utcMinute(new Date(flow.outcome.lockedUntil * 1000));
        return reply.view('locked', { ...page, continueForm, intro: format(t.lockedIntro, { until }) });
      }
      const cancelled = flow.outcome.kind === 'cancelled';
      return reply.view('done', {
        ...page,
        continueForm,
        heading: cancelled ? t.cancelledHeading : t.doneHeading,
        intro: cancelled ? t.cancelledIntro : t.doneIntro,
      });
    }
    if (flow.pushUuid) return reply.view('push', page);
    const target = codeTarget(flow);
    if (target) {
      return reply.view('code', {
        ...page,
        intro: flow.authyId ? t.codeIntroEnrolled : t.codeIntroEnrolling,
        enrolling: !flow.authyId,
        canPush: Boolean(flow.authyId),
      });
    }
    // A refused number is shown again so the user can correct it rather than retype it.
    return reply.view('enroll', { ...page, countries: countryOptions(flow.locale), country: typed.country ?? defaultCountry(flow.locale), phone: typed.phone ?? '' });
  }

  app.get(FLOW_PATH, async (request, reply) => renderFlow(reply, await loadFlow(request)));

  // ------------------------------------------------------------ enroll

  app.post('/2fa/enroll', async (request, reply) => {
    const { flow, form } = await postedFlow(request);
    if (flow.outcome || codeTarget(flow)) return backToFlow(reply, flow);
    const phone = parsePhone(form.country, form.phone);
    if (!phone.ok) {
      // Input the server refuses outright: the same page, with the reason, as a 422.
      notice(flow, phone.error, 'error');
      const typed = {
        ...(typeof form.phone === 'string' && form.phone.length <= 32 ? { phone: form.phone } : {}),
        ...(isCountry(form.country) ? { country: form.country } : {}),
      };
      return renderFlow(reply, flow, 422, typed);
    }
    try {
      const registered = await authy.registerUser({ email: flow.email ?? '', cellphone: phone.nationalNumber, countryCode: phone.countryCallingCode });
      flow.pendingAuthyId = registered.authyId;
      request.log.info({ step: 'enroll' }, 'phone registered');
    } catch (error) {
      request.log.warn({ step: 'enroll', authy: error instanceof AuthyError ? error.code : 'error' }, 'registration failed');
      notice(flow, authyNotice(error), 'error');
    }
    return backToFlow(reply, flow);
  });

  app.post('/2fa/change-number', async (request, reply) => {
    const { flow } = await postedFlow(request);
    // Only a number registered in this visit can be changed here; an enrolled user is reset by support.
    if (!flow.outcome && !flow.authyId) {
      flow.pendingAuthyId = null;
      flow.channel = 'app';
    }
    return backToFlow(reply, flow);
  });

  // ------------------------------------------------------------ code

  app.post('/2fa/verify', async (request, reply) => {
    const { flow, form } = await postedFlow(request);
    const target = codeTarget(flow);
    if (flow.outcome || !target) return backToFlow(reply, flow);
    if (await lockIfNeeded(flow)) return backToFlow(reply, flow);
    const code = normalizeCode(form.code);
    if (!code) {
      notice(flow, 'codeFormat', 'error');
      return renderFlow(reply, flow, 422);
    }
    try {
      await authy.verifyToken(target, code);
    } catch (error) {
      const kind = error instanceof AuthyError ? error.code : 'error';
      request.log.info({ step: 'verify', authy: kind }, 'code refused');
      if (kind === 'WRONG_CODE') await wrongAnswer(flow, 'wrongCode');
      else if (kind === 'CODE_REUSED') await wrongAnswer(flow, 'codeReused');
      else notice(flow, authyNotice(error), 'error');
      return backToFlow(reply, flow);
    }
    await store.resetCounter(flow.counterKey);
    flow.outcome = { kind: 'verified', method: flow.channel === 'push' ? 'app' : flow.channel, authyId: target, enrolledNow: !flow.authyId, approvalUuid: null };
    request.log.info({ step: 'verify', method: flow.outcome.method }, 'code accepted');
    return backToFlow(reply, flow);
  });

  app.post('/2fa/send', async (request, reply) => {
    const { flow, form } = await postedFlow(request);
    const target = codeTarget(flow);
    const channel = parseChannel(form.channel);
    if (!channel) throw new BadFormError('unknown channel');
    if (flow.outcome || !target) return backToFlow(reply, flow);
    if (await lockIfNeeded(flow)) return backToFlow(reply, flow);
    const check = checkSend(flow, now());
    if (!check.ok) {
      notice(flow, check.key, 'error', check.key === 'sendTooSoon' ? { seconds: check.seconds } : undefined);
      return backToFlow(reply, flow);
    }
    try {
      if (channel === 'sms') await authy.requestSms(target);
      else await authy.requestCall(target);
      flow.sends += 1;
      flow.lastSendAt = now();
      flow.channel = channel;
      notice(flow, channel === 'sms' ? 'smsSent' : 'callStarted', 'info');
    } catch (error) {
      request.log.warn({ step: 'send', channel, authy: error instanceof AuthyError ? error.code : 'error' }, 'send failed');
      notice(flow, authyNotice(error), 'error');
    }
    return backToFlow(reply, flow);
  });

  // ------------------------------------------------------------ push (OneTouch)

  app.post('/2fa/push', async (request, reply) => {
    const { flow } = await postedFlow(request);
    // Push only for enrolled users: a number registered a minute ago has no app to approve on.
    if (flow.outcome || !flow.authyId) return backToFlow(reply, flow);
    try {
      const { uuid } = await authy.createApprovalRequest(flow.authyId, { message: catalogueFor(flow.locale).title, secondsToExpire: 120 });
      flow.pushUuid = uuid;
    } catch (error) {
      notice(flow, authyNotice(error), 'error');
    }
    return backToFlow(reply, flow);
  });

  app.post('/2fa/push/check', async (request, reply) => {
    const { flow, form } = await postedFlow(request);
    if (flow.outcome || !flow.authyId || !flow.pushUuid) return backToFlow(reply, flow);
    if (form.action === 'back') {
      flow.pushUuid = null;
      return backToFlow(reply, flow);
    }
    if (await lockIfNeeded(flow)) return backToFlow(reply, flow);
    try {
      const approval = await authy.approvalStatus(flow.pushUuid);
      if (approval.authyId !== null && approval.authyId !== flow.authyId) throw new AuthyError('BAD_RESPONSE', 'approval of another user');
      if (approval.status === 'approved') {
        await store.resetCounter(flow.counterKey);
        flow.outcome = { kind: 'verified', method: 'push', authyId: flow.authyId, enrolledNow: false, approvalUuid: flow.pushUuid };
      } else if (approval.status === 'denied') {
        flow.pushUuid = null;
        await wrongAnswer(flow, 'pushDenied');
      } else if (approval.status === 'expired') {
        flow.pushUuid = null;
        notice(flow, 'pushExpired', 'error');
      } else {
        notice(flow, 'pushPending', 'info');
      }
    } catch (error) {
      notice(flow, authyNotice(error), 'error');
    }
    return backToFlow(reply, flow);
  });

  // ------------------------------------------------------------ cancel

  app.post('/2fa/cancel', async (request, reply) => {
    const { flow } = await postedFlow(request);
    if (!flow.outcome) {
      const counter = await store.getCounter(flow.counterKey, now());
      flow.outcome = { kind: 'cancelled', failures: counter.failures };
    }
    return backToFlow(reply, flow);
  });
}

/** The country preselected on the enrollment page: the region of the login's locale, else US. */
export function defaultCountry(locale: string): string {
  const region = locale.split('-')[1];
  if (region && /^[A-Z]{2}$/i.test(region)) return region.toUpperCase();
  const byLanguage: Record<string, string> = { de: 'DE', es: 'ES', fr: 'FR', it: 'IT', pt: 'PT', nl: 'NL' };
  return byLanguage[locale.toLowerCase().split('-')[0] ?? ''] ?? 'US';
}
