/**
 * Turns a visit into its page: the step decides the template; a final visit gets the signed
 * result and the form that posts it to the tenant's /continue. A pending notice is shown once.
 */
import type { FastifyReply } from 'fastify';
import { secToMs, msToSec } from '../lib/time';
import { relativeTime } from '../lib/relative-time';
import { utcMinute } from '../lib/utc-minute';
import {
  SESSION_TOKEN_PARAM,
  signResultToken,
  type DeviceRegistration,
  type ResultOutcome,
  type ResultRecovery,
} from '../lib/token-contract';
import type { FormsServerConfig } from './config';
import { catalogueFor, format, message, triesLeftText, type Catalogue, type MessageKey } from './i18n';
import { rememberThisDevice } from './plugins/device-cookie';
import { contentSecurityPolicy } from './plugins/security-headers';
import type { Store } from './store/types';
import { MAX_PUSHES_PER_VISIT, triesLeft } from './visit/attempts';
import { countryOptions, defaultCountry } from './visit/phone';
import { countrySelectOptions } from './country-select';
import { totpQrSvg } from '../lib/providers/qr';
import { stepOf, type Visit } from './visit/visit';
import { onRecoveryPage, resultRecovery } from './visit/recovery-steps';
import { recoveryDonePage, recoveryPage, recoveryPanel } from './recovery-pages';

export interface RenderDeps {
  config: FormsServerConfig;
  store: Store;
  now: () => number;
}

export interface ContinueForm {
  action: string;
  state: string;
  tokenName: string;
  token: string;
}

/** The form that posts a signed result to /continue. */
export function continueForm(
  deps: RenderDeps,
  outcome: ResultOutcome,
  to: { continueUrl: string; audience: string; userId: string; state: string },
  rememberDevice: DeviceRegistration | null = null,
  recovery: ResultRecovery = {},
): ContinueForm {
  const token = signResultToken(
    outcome,
    {
      formsOrigin: deps.config.publicOrigin,
      audience: to.audience,
      userId: to.userId,
      state: to.state,
      secret: deps.config.sharedSecret,
      nowSec: msToSec(deps.now()),
      rememberDevice,
    },
    recovery,
  );
  return { action: to.continueUrl, state: to.state, tokenName: SESSION_TOKEN_PARAM, token };
}

function finalPage(
  reply: FastifyReply,
  t: Catalogue,
  page: Record<string, unknown>,
  visit: Visit,
  deps: RenderDeps,
  outcome: ResultOutcome,
) {
  const form = continueForm(deps, outcome, visit, rememberThisDevice(reply, visit, deps.now()), resultRecovery(visit));
  // These pages' only form posts to the trusted tenant's /continue, fixed by the server.
  reply.header('content-security-policy', contentSecurityPolicy(null));
  if (outcome.kind === 'locked') {
    const untilMs = secToMs(outcome.lockedUntilSec);
    const intro = format(t.lockedIntro, { until: utcMinute(new Date(untilMs)), relative: relativeTime(untilMs, deps.now(), t.lang) });
    return reply.view('locked', { ...page, continueForm: form, intro });
  }
  // After a recovery code, the page that says how many are left; with a new phone, it signs in at once.
  if (outcome.kind === 'recovery') return recoveryDonePage(reply, visit, t, page, form);
  const cancelled = outcome.kind === 'cancelled';
  return reply.view('done', {
    ...page,
    continueForm: form,
    heading: cancelled ? t.cancelledHeading : t.doneHeading,
    intro: cancelled ? t.cancelledIntro : t.doneIntro,
  });
}

/** The code page's first line: a code just texted or phoned says so; otherwise the Authy app's code. */
function codeIntro(t: Catalogue, visit: Visit): string {
  if (visit.channel === 'sms') return t.codeIntroSms;
  if (visit.channel === 'call') return t.codeIntroCall;
  return visit.authyId ? t.codeIntroEnrolled : t.codeIntroEnrolling;
}

/**
 * Wrong codes of earlier logins count: the code page says how many tries are left, including
 * them, unless an error notice already says so.
 */
async function earlierTries(t: Catalogue, visit: Visit, deps: RenderDeps, notice: { kind: string } | null): Promise<string | null> {
  if (!visit.earlierFailures || notice?.kind === 'error') return null;
  const counter = await deps.store.getCounter(visit.userKey, deps.now());
  return triesLeftText(t, triesLeft(counter, visit.maxFailures), true);
}

/** The final page of an outcome decided without a visit of its own (a remembered device): the form that posts it at once. */
export async function renderOutcome(reply: FastifyReply, visit: Visit, deps: RenderDeps, outcome: ResultOutcome): Promise<FastifyReply> {
  const t = catalogueFor(visit.locale);
  reply.code(200).header('content-type', 'text/html; charset=utf-8');
  return finalPage(reply, t, { t, csrf: visit.csrf, notice: null, lang: t.lang }, visit, deps, outcome);
}

/** Renders whatever the visit's step calls for. */
export async function renderVisit(
  reply: FastifyReply,
  visit: Visit,
  deps: RenderDeps,
  options: { status?: number; typed?: { phone?: string; country?: string } } = {},
): Promise<FastifyReply> {
  const t = catalogueFor(visit.locale);
  const notice = visit.notice;
  const shown = notice ? { kind: notice.kind, text: message(t, notice.key, notice.params) } : null;
  // Shown once; a parallel request that saved first simply keeps its own notice.
  if (notice) {
    const cleared: Visit = { ...visit, notice: null };
    await deps.store.saveVisit(cleared, deps.now());
  }
  const page = { t, csrf: visit.csrf, notice: shown, lang: t.lang, recovery: recoveryPanel(visit, t) };
  reply.code(options.status ?? 200).header('content-type', 'text/html; charset=utf-8');

  const step = stepOf(visit);
  if (visit.outcome) return finalPage(reply, t, page, visit, deps, visit.outcome);
  if (onRecoveryPage(visit)) return recoveryPage(reply, visit, t, page);
  if (visit.provider === 'verify') return verifyPage(reply, visit, t, page);
  if (step === 'push') return reply.view('push', page);
  if (step === 'code') {
    return reply.view('code', {
      ...page,
      intro: codeIntro(t, visit),
      earlierTries: await earlierTries(t, visit, deps, shown),
      enrolling: !visit.authyId,
      canPush: Boolean(visit.authyId) && visit.pushes < MAX_PUSHES_PER_VISIT,
      remember: rememberBox(t, visit),
    });
  }
  // A refused number is shown again so the user can correct it rather than retype it.
  const typed = options.typed ?? {};
  const country = typed.country ?? defaultCountry(visit.locale);
  return reply.view('enroll', {
    ...page,
    countryOptions: countrySelectOptions(countryOptions(visit.locale), country),
    phone: typed.phone ?? '',
  });
}

/** The "remember this device" box of the code page, or null when not offered. */
function rememberBox(t: Catalogue, visit: Visit): { label: string; checked: boolean } | null {
  return visit.remember ? { label: format(t.rememberDevice, { days: visit.remember.days }), checked: visit.remember.chosen } : null;
}

/** The secret in groups of four, as authenticator apps show and take it (spaces are ignored when typed). */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * A Verify visit's pages: the authenticator-app setup, then the code page, with the new factor's
 * QR code (an inline SVG: no script, no style, no request) and its key for manual entry until the
 * first code is right. No SMS, call or push with Verify.
 */
async function verifyPage(reply: FastifyReply, visit: Visit, t: Catalogue, page: Record<string, unknown>): Promise<FastifyReply> {
  if (stepOf(visit) === 'enroll') return reply.view('enroll-app', page);
  const factor = visit.pendingFactor ?? null;
  const qr = factor ? { svg: await totpQrSvg(factor.uri), secret: grouped(factor.secret) } : null;
  return reply.view('code', {
    ...page,
    intro: t.codeIntroApp,
    qr,
    enrolling: factor !== null,
    changeLabel: t.setupAgain,
    phoneChannels: false,
    canPush: false,
    remember: rememberBox(t, visit),
  });
}

/**
 * An error page. `way` adds a button that posts a cancelled result back to the application, or a
 * link back to the visit's page; without one the page says to close the tab and sign in again.
 * `heading` replaces the generic one.
 */
export async function renderError(
  reply: FastifyReply,
  status: number,
  key: MessageKey,
  locale: string,
  way?: ContinueForm | { href: string },
  heading: MessageKey = 'errorHeading',
): Promise<FastifyReply> {
  const t = catalogueFor(locale);
  const form = way && 'action' in way ? way : null;
  if (form) reply.header('content-security-policy', contentSecurityPolicy(null));
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .view('error', { t, lang: t.lang, heading: t[heading], message: t[key], continueForm: form, visitLink: way && !form ? way : null });
}
