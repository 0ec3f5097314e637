/**
 * Facts the handlers read from Auth0's `event`: the tenant host, whether the login is silent
 * (`prompt=none`), and the language of the forms pages.
 */
import type { PostLoginEvent } from './auth0-types';

/** The host of the request, lower case: a result token's audience, and the `tenant` of an audit line. */
export function tenantHost(event: PostLoginEvent): string {
  return (event.request.hostname ?? '').toLowerCase();
}

/** True for `prompt=none` (silent authentication), asked in the query or the transaction. */
export function isSilent(event: PostLoginEvent): boolean {
  const prompt = event.request.query?.prompt ?? event.transaction?.prompt;
  const values = Array.isArray(prompt) ? prompt : typeof prompt === 'string' ? prompt.split(' ') : [];
  return values.includes('none');
}

/**
 * The page language: the first well-formed `ui_locales` entry, else `event.transaction.locale`
 * (the language Auth0 negotiated from the browser's Accept-Language and the tenant's languages).
 */
export function locale(event: PostLoginEvent): string {
  const tags = [...(event.transaction?.ui_locales ?? []), event.transaction?.locale ?? ''];
  return tags.find((tag) => /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(tag)) ?? '';
}
