/**
 * Post-login Action: Authy second factor. Thin handlers: gather facts from `event`, call the
 * pure decisions (decide-execute.ts, decide-continue.ts and the modules they use), apply them
 * through `api`. Nothing throws out of a handler: any unexpected error denies the login. Each
 * decision writes one audit line (audit-notes.ts, audit-writer.ts).
 */
import { SettingsError, type Settings } from '../../../lib/action-settings';
import { ENROLLMENT_KEY, activeEnrollment, isEnrolled, legacyKeysToRemove, readEnrollment } from '../../../lib/enrollment';
import { DEVICES_KEY, readDevices } from '../../../lib/remembered-devices';
import { seal } from '../../../lib/seal';
import {
  OUTBOUND_TTL_SECONDS,
  SESSION_TOKEN_PARAM,
  outboundPayload,
  parseResultClaims,
  type ResultToken,
} from '../../../lib/token-contract';
import type { PostLoginApi, PostLoginEvent } from './auth0-types';
import { continueAudit, executeAudit } from './audit-notes';
import { Audit, errorName } from './audit-writer';
import { askProviders } from './confirm';
import { confirmed } from './confirmation';
import { allowedProvider } from './continue-decision';
import { decideOnExecute, methodUrl, movesToVerify, providerFor, type ExecuteFacts } from './decide-execute';
import { DENY } from './deny';
import { isSilent, locale, tenantHost } from './event-facts';
import { decideWithRecovery, storedRecovery } from './recovery';
import { settingsOf } from './settings-cache';
import {
  decideRemembered,
  devicesAfterSuccess,
  freshFactorRequested,
  outboundRemember,
  rememberedMethodUrl,
  rememberedSession,
  type RememberFacts,
} from './remembered';

function settingsOrDeny(event: PostLoginEvent, api: PostLoginApi, audit: Audit): Settings | null {
  try {
    const settings = settingsOf(event.secrets ?? {});
    audit.keyFrom(settings);
    return settings;
  } catch (error) {
    const setting = error instanceof SettingsError ? error.setting : 'settings';
    audit.write('login_denied', { reason: 'misconfigured', setting });
    api.access.deny(DENY.misconfigured(setting));
    return null;
  }
}

/** The facts of "remember this device" (remembered.ts): the stored devices and whether the application asks for a fresh factor. */
function rememberFacts(event: PostLoginEvent, enrollment: RememberFacts['enrollment'], nowMs: number): RememberFacts {
  const freshFactor = freshFactorRequested(event.transaction?.acr_values, event.request.query?.acr_values);
  return { enrollment, devices: readDevices(event.user.app_metadata), freshFactor, nowMs };
}

function secondFactorClaim(
  api: PostLoginApi,
  settings: Settings,
  enrollment: RememberFacts['enrollment'],
  method: string,
  extra?: { login_method?: string },
): void {
  const provider = enrollment.provider === 'verify' ? 'verify' : 'authy';
  api.idToken.setCustomClaim(`${settings.claimNamespace}second_factor`, { provider, method, ...extra });
}

/** A `remembered` result: the device's secret against the stored hash and expiry; the login passes without a code, or is denied. */
function continueRemembered(event: PostLoginEvent, api: PostLoginApi, audit: Audit, settings: Settings, token: ResultToken): void {
  const nowMs = Date.now();
  const enrollment = activeEnrollment(readEnrollment(event.user.app_metadata), nowMs);
  const facts = { ...rememberFacts(event, enrollment, nowMs), userId: event.user.user_id, tenantHost: tenantHost(event) };
  const decision = decideRemembered(token, facts, settings);
  if (decision.kind === 'deny') {
    audit.write('result_refused', { reason: decision.why.replace(/-/g, '_') });
    api.access.deny(decision.reason);
    return;
  }
  if (decision.devices) api.user.setAppMetadata(DEVICES_KEY, decision.devices);
  api.authentication.recordMethod(rememberedMethodUrl(settings, decision.deviceId));
  secondFactorClaim(api, settings, enrollment, 'remembered');
  audit.write('remembered', {});
}

async function run(
  phase: 'execute' | 'continue',
  event: PostLoginEvent,
  api: PostLoginApi,
  body: (audit: Audit) => Promise<void>,
): Promise<void> {
  const audit = new Audit(event, phase);
  try {
    await body(audit);
  } catch (error) {
    // Unexpected: never let the login through, never leak the error to the browser.
    try {
      audit.write('login_denied', { reason: 'internal', error: errorName(error) });
    } catch {
      // Hostile event data: the deny below still happens.
    }
    api.access.deny(DENY.internal);
  }
}

export const onExecutePostLogin = async (event: PostLoginEvent, api: PostLoginApi): Promise<void> =>
  run('execute', event, api, async (audit) => {
    const settings = settingsOrDeny(event, api, audit);
    if (!settings) return;
    const nowMs = Date.now();
    const enrollment = activeEnrollment(readEnrollment(event.user.app_metadata), nowMs);
    const remember = rememberFacts(event, enrollment, nowMs);
    // An application that asks for a fresh second factor gets one: no earlier factor of the session counts.
    const sessionMethods = remember.freshFactor ? [] : (event.authentication?.methods ?? []).map((m) => m.name);
    const facts: ExecuteFacts = {
      protocol: event.transaction?.protocol,
      silent: isSilent(event),
      clientId: event.client.client_id,
      connectionName: event.connection.name,
      sessionMethods,
      enrollment,
      hasEmail: typeof event.user.email === 'string' && event.user.email.includes('@'),
      emailVerified: event.user.email_verified === true,
      nowMs,
    };
    if (facts.protocol !== 'oauth2-refresh-token' && rememberedSession(sessionMethods, remember, settings)) {
      audit.write('session_reused', { method: 'remembered' });
      secondFactorClaim(api, settings, enrollment, 'remembered');
      return;
    }
    const decision = decideOnExecute(facts, settings);
    const host = tenantHost(event);
    if (decision.kind === 'redirect' && !host) {
      audit.write('login_denied', { reason: 'internal', error: 'no_host' });
      api.access.deny(DENY.internal);
      return;
    }
    audit.note(executeAudit(decision, facts));
    if (decision.kind === 'deny') {
      api.access.deny(decision.reason);
      return;
    }
    if (decision.kind === 'allow') {
      if (decision.why === 'verified-in-session') secondFactorClaim(api, settings, enrollment, 'session');
      // A refresh: `login_method` is the stored method of the user's latest second-factor login (where known).
      else if (decision.why === 'refresh-token' && isEnrolled(enrollment)) {
        const stored = event.user.app_metadata?.[ENROLLMENT_KEY] as { last_method?: string } | undefined;
        // Only a method of ours reaches the token (exec of a non-string reads it as text, and finds none).
        const known = /^(app|sms|call|push)$/.exec(stored?.last_method as string);
        secondFactorClaim(api, settings, enrollment, 'refresh', known ? { login_method: known[0] } : {});
      }
      return;
    }
    // decideOnExecute denied an unknown provider: here it is authy or verify.
    const provider = providerFor(enrollment, settings) === 'verify' ? 'verify' : 'authy';
    const left = isEnrolled(enrollment) ? (storedRecovery(event.user.app_metadata)?.hashes.length ?? 0) : 0;
    // A new phone set up after a recovery code is registered with Authy, which needs the email.
    const sealEmail = !isEnrolled(enrollment) || (provider === 'authy' && left > 0 && facts.hasEmail);
    const sessionToken = api.redirect.encodeToken({
      secret: settings.sharedSecret,
      expiresInSeconds: OUTBOUND_TTL_SECONDS,
      payload: outboundPayload({
        continueHost: host,
        authyId: provider === 'authy' ? enrollment.authyId : null,
        provider,
        verifyFactorSid: provider === 'verify' ? (enrollment.verifyFactorSid ?? null) : null,
        sealedEmail: sealEmail ? seal(event.user.email ?? '', settings.sharedSecret) : null,
        failures: enrollment.failures,
        maxFailures: settings.maxFailures,
        lockSeconds: settings.lockSeconds,
        locale: locale(event),
        recoveryLeft: left,
        ...outboundRemember(remember, settings),
        moveToVerify: movesToVerify(enrollment, settings),
      }),
    });
    api.redirect.sendUserTo(settings.formsUrl.href, { query: { [SESSION_TOKEN_PARAM]: sessionToken } });
  });

export const onContinuePostLogin = async (event: PostLoginEvent, api: PostLoginApi): Promise<void> =>
  run('continue', event, api, async (audit) => {
    const settings = settingsOrDeny(event, api, audit);
    if (!settings) return;
    let claims: Record<string, unknown>;
    let token;
    try {
      // Auth0 checks signature, expiry and that the token's `state` is this login's state.
      claims = api.redirect.validateToken({ secret: settings.sharedSecret, tokenParameterName: SESSION_TOKEN_PARAM });
      token = parseResultClaims(claims);
    } catch (error) {
      audit.write('result_refused', { reason: 'invalid_token', error: errorName(error) });
      api.access.deny(DENY.invalidResult);
      return;
    }
    if (token.outcome.kind === 'remembered') {
      continueRemembered(event, api, audit, settings, token);
      return;
    }
    const nowMs = Date.now();
    const enrollment = activeEnrollment(readEnrollment(event.user.app_metadata), nowMs);
    const continueFacts = { userId: event.user.user_id, tenantHost: tenantHost(event), enrollment, nowMs };
    const decision = decideWithRecovery(token, continueFacts, settings, storedRecovery(event.user.app_metadata));

    if (decision.kind === 'deny') {
      audit.note(continueAudit(decision));
      if (decision.store) api.user.setAppMetadata(ENROLLMENT_KEY, decision.store);
      api.access.deny(decision.reason);
      return;
    }
    const answers = await askProviders(decision.confirm, settings, event.user.user_id);
    if (!confirmed(decision.confirm, answers)) {
      const verify = decision.confirm.verify !== undefined;
      const why = answers.failure ?? answers.unconfirmed;
      audit.write('result_refused', { reason: 'not_confirmed', ...(why ? { [verify ? 'verify' : 'authy']: why } : {}) });
      api.access.deny(verify ? DENY.notConfirmedVerify : DENY.notConfirmed);
      return;
    }
    api.user.setAppMetadata(ENROLLMENT_KEY, decision.store);
    // Rule-era users are rewritten in the current shape on their first success.
    for (const key of legacyKeysToRemove(event.user.app_metadata)) api.user.setAppMetadata(key, null);
    // Stored only now, after a confirmed second factor of this login; a new enrollment forgets older devices.
    const facts = { ...rememberFacts(event, enrollment, nowMs), enrolledNow: decision.enrolledNow };
    const devices = devicesAfterSuccess(token.rememberDevice, facts, settings);
    if (devices !== undefined) api.user.setAppMetadata(DEVICES_KEY, devices);
    if (devices && token.rememberDevice) audit.write('device_remembered', { devices: devices.devices.length });
    api.authentication.recordMethod(methodUrl(settings));
    api.idToken.setCustomClaim(`${settings.claimNamespace}second_factor`, {
      provider: allowedProvider(decision),
      method: decision.method,
      // After a recovery code: how many are left.
      ...(decision.method === 'recovery' ? { recovery_codes_left: decision.store.recovery?.hashes.length ?? 0 } : {}),
    });
    audit.note(continueAudit(decision));
  });
