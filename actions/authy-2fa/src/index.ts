/**
 * Post-login Action: Authy second factor. Thin handlers: gather facts from `event`, call the
 * pure decisions in decide.ts, apply them through `api`. Nothing throws out of a handler:
 * any unexpected error denies the login.
 */
import { parseSettings, SettingsError, type Settings } from '../../../lib/action-settings';
import { createAuthyClient, AuthyError } from '../../../lib/authy-client';
import { isRecord } from '../../../lib/is-record';
import { ENROLLMENT_KEY, activeEnrollment, legacyKeysToRemove, readEnrollment } from '../../../lib/enrollment';
import { seal } from '../../../lib/seal';
import { OUTBOUND_TTL_SECONDS, SESSION_TOKEN_PARAM, outboundPayload, parseResultClaims } from '../../../lib/token-contract';
import type { PostLoginApi, PostLoginEvent } from './auth0-types';
import { DENY, confirmed, decideOnContinue, decideOnExecute, methodUrl, type Confirmation, type ConfirmationFacts } from './decide';

const LOG_PREFIX = '[authy-2fa]';

/** The error's name for the log; errors may come from another realm, so no instanceof. */
function errorName(error: unknown): string {
  const name = isRecord(error) ? error.name : undefined;
  return typeof name === 'string' && /^[A-Za-z]{1,40}$/.test(name) ? name : 'error';
}

/** Logs a decision without PII: no user id, email, phone, token or code. */
function log(step: string, detail: string): void {
  console.log(`${LOG_PREFIX} ${step}: ${detail}`);
}

function settingsOrDeny(event: PostLoginEvent, api: PostLoginApi): Settings | null {
  try {
    return parseSettings(event.secrets ?? {});
  } catch (error) {
    const setting = error instanceof SettingsError ? error.setting : 'settings';
    log('config', `invalid setting ${setting}`);
    api.access.deny(DENY.misconfigured(setting));
    return null;
  }
}

function isSilent(event: PostLoginEvent): boolean {
  const prompt = event.request.query?.prompt ?? event.transaction?.prompt;
  const values = Array.isArray(prompt) ? prompt : typeof prompt === 'string' ? prompt.split(' ') : [];
  return values.includes('none');
}

function locale(event: PostLoginEvent): string {
  const first = event.transaction?.ui_locales?.[0] ?? event.transaction?.locale ?? '';
  return /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(first) ? first : '';
}

function tenantHost(event: PostLoginEvent): string {
  return (event.request.hostname ?? '').toLowerCase();
}

async function run(step: string, api: PostLoginApi, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    // Unexpected: never let the login through, never leak the error to the browser.
    log(step, `unexpected ${errorName(error)}`);
    api.access.deny(DENY.internal);
  }
}

export const onExecutePostLogin = async (event: PostLoginEvent, api: PostLoginApi): Promise<void> =>
  run('execute', api, async () => {
    const settings = settingsOrDeny(event, api);
    if (!settings) return;
    const nowMs = Date.now();
    const enrollment = activeEnrollment(readEnrollment(event.user.app_metadata), nowMs);
    const decision = decideOnExecute(
      {
        protocol: event.transaction?.protocol,
        silent: isSilent(event),
        clientId: event.client.client_id,
        connectionName: event.connection.name,
        sessionMethods: (event.authentication?.methods ?? []).map((m) => m.name),
        enrollment,
        hasEmail: typeof event.user.email === 'string' && event.user.email.includes('@'),
        emailVerified: event.user.email_verified === true,
        nowMs,
      },
      settings,
    );
    log('execute', decision.kind === 'allow' ? `allow (${decision.why})` : decision.kind);
    if (decision.kind === 'deny') {
      api.access.deny(decision.reason);
      return;
    }
    if (decision.kind === 'allow') {
      if (decision.why === 'verified-in-session') {
        api.idToken.setCustomClaim(`${settings.claimNamespace}second_factor`, { provider: 'authy', method: 'session' });
      }
      return;
    }
    const host = tenantHost(event);
    if (!host) {
      api.access.deny(DENY.internal);
      return;
    }
    const sessionToken = api.redirect.encodeToken({
      secret: settings.sharedSecret,
      expiresInSeconds: OUTBOUND_TTL_SECONDS,
      payload: outboundPayload({
        continueHost: host,
        authyId: enrollment.authyId,
        sealedEmail: enrollment.authyId ? null : seal(event.user.email ?? '', settings.sharedSecret),
        failures: enrollment.failures,
        maxFailures: settings.maxFailures,
        lockSeconds: settings.lockSeconds,
        locale: locale(event),
      }),
    });
    api.redirect.sendUserTo(settings.formsUrl.href, { query: { [SESSION_TOKEN_PARAM]: sessionToken } });
  });

/** Asks Authy what the decision needs confirmed. Any Authy failure leaves the fact unconfirmed. */
async function askAuthy(confirm: Confirmation, settings: Settings): Promise<ConfirmationFacts> {
  const authy = createAuthyClient({ apiKey: settings.authyApiKey, baseUrl: settings.authyApiUrl, timeoutMs: settings.authyTimeoutMs });
  const facts: ConfirmationFacts = { status: null, approval: null };
  try {
    if (confirm.statusOf) {
      const status = await authy.userStatus(confirm.statusOf);
      facts.status = { exists: true, registered: status.registered, disabled: status.accountDisabled };
    }
    if (confirm.approval) {
      const approval = await authy.approvalStatus(confirm.approval.uuid);
      facts.approval = { status: approval.status, authyId: approval.authyId };
    }
  } catch (error) {
    log('continue', `authy ${error instanceof AuthyError ? error.code : 'error'}`);
  }
  return facts;
}

export const onContinuePostLogin = async (event: PostLoginEvent, api: PostLoginApi): Promise<void> =>
  run('continue', api, async () => {
    const settings = settingsOrDeny(event, api);
    if (!settings) return;
    let claims: Record<string, unknown>;
    let token;
    try {
      // Auth0 checks signature, expiry and that the token's `state` is this login's state.
      claims = api.redirect.validateToken({ secret: settings.sharedSecret, tokenParameterName: SESSION_TOKEN_PARAM });
      token = parseResultClaims(claims);
    } catch (error) {
      log('continue', `invalid result token (${errorName(error)})`);
      api.access.deny(DENY.invalidResult);
      return;
    }
    const nowMs = Date.now();
    const enrollment = activeEnrollment(readEnrollment(event.user.app_metadata), nowMs);
    const decision = decideOnContinue(token, { userId: event.user.user_id, tenantHost: tenantHost(event), enrollment, nowMs }, settings);

    if (decision.kind === 'deny') {
      log('continue', `deny (${token.outcome.kind})`);
      if (decision.store) api.user.setAppMetadata(ENROLLMENT_KEY, decision.store);
      api.access.deny(decision.reason);
      return;
    }
    if (!confirmed(decision.confirm, await askAuthy(decision.confirm, settings))) {
      log('continue', 'deny (not confirmed by authy)');
      api.access.deny(DENY.notConfirmed);
      return;
    }
    api.user.setAppMetadata(ENROLLMENT_KEY, decision.store);
    // Rule-era users are rewritten in the current shape on their first success.
    for (const key of legacyKeysToRemove(event.user.app_metadata)) api.user.setAppMetadata(key, null);
    api.authentication.recordMethod(methodUrl(settings));
    api.idToken.setCustomClaim(`${settings.claimNamespace}second_factor`, { provider: 'authy', method: decision.method });
    log('continue', `allow (${decision.method})`);
  });
