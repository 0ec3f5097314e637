/**
 * KNOWN BUG (forms-server/routes/flow.ts, GET /2fa/flow with an outcome): the done and locked
 * pages send `form-action 'self' <tenant> https:`. Their form posts to the tenant's /continue,
 * which answers with a redirect to the application; Chromium applies form-action to that
 * redirect too, so an application on http (the sandbox's http://localhost:3000, or any Auth0
 * app with an http://localhost callback) is blocked: the browser stays on "Signing you in…".
 * `continue-redirect.test.ts` shows the bug with the real header.
 *
 * Until it is fixed, the other journeys add the demo application's origin to that one
 * directive of that one page, so they can test everything after it. Nothing else changes:
 * the rest of the policy still applies. Delete this file once the forms server allows it.
 */
import type { Page } from 'playwright-core';

export function addFormAction(policy: string, origin: string): string {
  return policy
    .split(';')
    .map((directive) => {
      const trimmed = directive.trim();
      return trimmed.startsWith('form-action ') && !trimmed.split(/\s+/).includes(origin) ? `${trimmed} ${origin}` : trimmed;
    })
    .join('; ');
}

interface PausedResponse {
  requestId: string;
  responseStatusCode?: number;
  responseHeaders?: { name: string; value: string }[];
}

/**
 * Rewrites the header through the DevTools protocol's Fetch domain at the response stage:
 * Playwright's own routes do not see requests that follow a redirect, and /2fa/flow is always
 * reached by a 303.
 */
export async function allowContinueRedirectTo(page: Page, formsOrigin: string, appOrigin: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (event: PausedResponse) => {
    const headers = (event.responseHeaders ?? []).map((h) =>
      h.name.toLowerCase() === 'content-security-policy' ? { name: h.name, value: addFormAction(h.value, appOrigin) } : h,
    );
    cdp.send('Fetch.continueResponse', { requestId: event.requestId, responseCode: event.responseStatusCode ?? 200, responseHeaders: headers }).catch(() =>
      // Never leave the page waiting on a paused response: pass it on untouched.
      cdp.send('Fetch.continueResponse', { requestId: event.requestId }).catch(() => undefined),
    );
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${formsOrigin}/2fa/flow`, requestStage: 'Response' }] });
}
