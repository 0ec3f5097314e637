/**
 * The stand-in tenant's languages and how it picks a login's `event.transaction.locale`, the way
 * Auth0 does: the first of the login's `ui_locales` the tenant has enabled, else the first of
 * the browser's `Accept-Language` (by quality) the tenant has enabled, else the tenant's default
 * language (the first of the list). A request matches an enabled language exactly, or by its
 * primary language: "de-AT" gets "de", and "pt" and "pt-PT" get "pt-BR" (the one Portuguese the
 * tenant has, as the forms server has one Portuguese catalogue).
 */

/** The tenant's enabled languages, default first: the one list the sandbox has. */
export const TENANT_LANGUAGES = ['en', 'es', 'de', 'fr', 'pt-BR', 'it', 'nl'] as const;

/** The enabled language a requested tag matches, or undefined. */
export function enabledLanguage(tag: string, enabled: readonly string[] = TENANT_LANGUAGES): string | undefined {
  const wanted = tag.trim().toLowerCase();
  if (wanted === '' || wanted === '*') return undefined;
  const exact = enabled.find((language) => language.toLowerCase() === wanted);
  if (exact) return exact;
  const primary = wanted.split('-')[0];
  return enabled.find((language) => language.toLowerCase().split('-')[0] === primary);
}

/** The tags of an Accept-Language header, most wanted first (q=0 means "not this one"). */
export function acceptedLanguages(header: string | undefined): string[] {
  const entries = (header ?? '').split(',').map((part, index) => {
    const [tag = '', ...params] = part.split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
    return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
  });
  return entries
    .filter((e) => e.tag !== '' && Number.isFinite(e.q) && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((e) => e.tag);
}

/** `event.transaction.locale` of a login: ui_locales first, then Accept-Language, then the default. */
export function transactionLocale(uiLocales: readonly string[], acceptLanguage: string | undefined): string {
  for (const tag of [...uiLocales, ...acceptedLanguages(acceptLanguage)]) {
    const language = enabledLanguage(tag);
    if (language) return language;
  }
  return TENANT_LANGUAGES[0];
}
