/**
 * Named errors of the forms server. Each carries its HTTP status and the catalogue key of the
 * message the page shows; one handler (app.ts) turns any of them into an error page. Details
 * (which check failed) go to the log, never to the browser.
 */
import type { MessageKey } from './i18n';

export class PageError extends Error {
  constructor(
    readonly statusCode: number,
    readonly messageKey: MessageKey,
    /** For the log only: which check failed. Never contains a token, code or phone number. */
    readonly detail: string,
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

/** The outbound token or state is missing, malformed, expired, forged or not for a trusted tenant. */
export class InvalidLinkError extends PageError {
  constructor(detail: string, key: MessageKey = 'errBadLink') {
    super(400, key, detail);
  }
}

/** A genuine link past its expiry (links last as long as Auth0's token, 10 minutes). */
export class ExpiredLinkError extends InvalidLinkError {
  constructor(detail: string) {
    super(detail, 'errLinkExpired');
  }
}

/** No flow for this browser: missing or unknown cookie, expired visit. */
export class SessionEndedError extends PageError {
  constructor(detail: string) {
    super(400, 'errSession', detail);
  }
}

/** A POST without the right CSRF token. */
export class CsrfError extends PageError {
  constructor() {
    super(403, 'errSession', 'csrf token missing or wrong');
  }
}

/** A form body that cannot be read. */
export class BadFormError extends PageError {
  constructor(detail: string) {
    super(400, 'errBadForm', detail);
  }
}
