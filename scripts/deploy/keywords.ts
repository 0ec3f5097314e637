/**
 * The one place that says which tenant.yaml keyword carries which value. Secret keywords are
 * derived from the Action's own SECRET_NAMES (lib/action-secrets.ts), so no secret name is spelled twice.
 */
import { SECRET_NAMES, type SecretName } from '../../lib/action-secrets';

/** The Action's name in tenant.yaml (and its folder under actions/). */
export const ACTION_NAME = 'authy-2fa';

/** Prefix of every keyword this project owns, so an admin can tell ours from theirs. */
export const KEYWORD_PREFIX = 'AUTHY2FA_';

/** tenant.yaml keyword of an Action secret: FORMS_URL -> AUTHY2FA_FORMS_URL. */
export function secretKeyword(name: SecretName): string {
  return `${KEYWORD_PREFIX}${name}`;
}

/** Keyword of the whole post-login binding list; built by the deploy script, never set by hand. */
export const BINDINGS_KEYWORD = `${KEYWORD_PREFIX}POST_LOGIN_BINDINGS`;

/** Comma lists of Action names the admin keeps bound before / after ours. */
export const BEFORE_VARIABLE = `${KEYWORD_PREFIX}POST_LOGIN_BEFORE`;
export const AFTER_VARIABLE = `${KEYWORD_PREFIX}POST_LOGIN_AFTER`;

/** Every secret keyword, in SECRET_NAMES order. */
export const SECRET_KEYWORDS: ReadonlyArray<{ secret: SecretName; keyword: string }> = SECRET_NAMES.map((secret) => ({
  secret,
  keyword: secretKeyword(secret),
}));

export interface Binding {
  action_name: string;
  display_name: string;
}

/** A keyword value as a0deploy takes it: text is JSON-encoded into '@@KEY@@'; the list becomes a YAML flow sequence. */
export type KeywordValue = string | Binding[];
export type KeywordMappings = Record<string, KeywordValue>;

/**
 * Keywords used in a text, in order of first use: '@@KEY@@' (JSON-inserted) and '##KEY##' (raw).
 * Both forms are replaced by a0deploy in tenant.yaml and in the Action's code file.
 */
export function keywordsIn(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/@@([A-Za-z0-9_]+)@@|##([A-Za-z0-9_]+)##/g)) {
    found.add(match.at(1) ?? match.at(2) ?? '');
  }
  return [...found];
}
