/**
 * The keyword check: every keyword in tenant.yaml and in the Action's code has a value, and each
 * value looks right, before any call to Auth0. It reports every problem at once, each naming the
 * variable to fix, because a0deploy would otherwise send an unmapped '##KEY##' as the literal
 * secret value or silently drop it.
 */
import { MIN_SECRET_BYTES, requiredSecrets, type SecretName } from '../../lib/action-secrets';
import { SettingsError, parseSettings } from '../../lib/action-settings';
import { describeSource, ENVIRONMENT_ONLY, whereToSet, type SettingsSource } from '../admin/env-files';
import { present } from './env';
import { DeployError } from './errors';
import {
  ACTION_NAME,
  AFTER_VARIABLE,
  BEFORE_VARIABLE,
  BINDINGS_KEYWORD,
  SECRET_KEYWORDS,
  keywordsIn,
  secretKeyword,
  type Binding,
  type KeywordMappings,
} from './keywords';

/** Settings whose value is a URL: a tenant reaches them over the internet, so https only. */
const URL_SECRETS: readonly SecretName[] = ['FORMS_URL', 'AUTHY_API_URL', 'CLAIM_NAMESPACE', 'VERIFY_API_URL'];
/** Settings that are credentials: masked in every line the deploy prints. */
const SENSITIVE_SECRETS: readonly SecretName[] = [
  'SHARED_SECRET',
  'AUTHY_API_KEY',
  'AUDIT_HASH_KEY',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_API_KEY_SECRET',
  'VERIFY_IDENTITY_KEY',
];
/** Auth0 limit on one Action secret value. */
const MAX_SECRET_CHARS = 4096;
/** A valid set of the required settings, so each value can be checked on its own by parseSettings. */
const GOOD_BASE: Record<string, string> = {
  FORMS_URL: 'https://forms.example.com/2fa',
  SHARED_SECRET: 'x'.repeat(MIN_SECRET_BYTES),
  AUTHY_API_KEY: 'key',
};

export type Credentials = { kind: 'token'; accessToken: string } | { kind: 'client'; clientId: string; clientSecret: string };

export interface DeployInputs {
  domain: string;
  credentials: Credentials;
  /** Every keyword a0deploy replaces, with its value. */
  mappings: KeywordMappings;
  /** The post-login binding list we will deploy, in order. */
  bindings: Binding[];
  /** Values never to print. */
  sensitiveValues: string[];
}

export interface DeploySources {
  tenantYaml: string;
  actionCode: string;
}

/** Problems of one Action secret value, checked alone against the Action's own parser. */
function secretProblems(secret: SecretName, keyword: string, value: string): string[] {
  const problems: string[] = [];
  if (value.length > MAX_SECRET_CHARS) {
    problems.push(`${keyword}: longer than Auth0's ${MAX_SECRET_CHARS}-character limit for an Action secret`);
  }
  if (URL_SECRETS.includes(secret)) {
    let https: boolean;
    try {
      https = new URL(value.trim()).protocol === 'https:';
    } catch {
      https = false;
    }
    if (!https) {
      problems.push(`${keyword}: ${secret} must be an absolute https URL`);
      return problems;
    }
  }
  try {
    parseSettings({ ...GOOD_BASE, [secret]: value });
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    // Another setting named: this value needs company (PROVIDER=verify, a Verify SID alone); the whole set is checked next.
    if (err.setting === secret) problems.push(`${keyword}: ${err.message}`);
  }
  return problems;
}

function bindingNames(env: Record<string, string | undefined>, variable: string, problems: string[]): string[] {
  const raw = present(env, variable);
  if (raw === undefined) return [];
  const names = raw.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) problems.push(`${variable}: empty Action name in the comma list`);
  for (const name of names) {
    if (name === ACTION_NAME) problems.push(`${variable}: lists ${ACTION_NAME} itself; list only your other Actions`);
    if (name.length > 128) problems.push(`${variable}: Action name longer than 128 characters`);
  }
  return names.filter((name) => name !== '' && name !== ACTION_NAME);
}

/** The tenant host and the Management API credentials: a token, or a client id and secret. */
function connectionSettings(env: Record<string, string | undefined>, problems: string[]): { domain?: string; credentials?: Credentials } {
  const domain = present(env, 'AUTH0_DOMAIN')?.trim();
  if (domain === undefined) problems.push('AUTH0_DOMAIN: not set (your tenant host, e.g. example.eu.auth0.com)');
  else if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(domain)) {
    problems.push('AUTH0_DOMAIN: must be a bare host name such as example.eu.auth0.com (no https://, no path)');
  }

  const accessToken = present(env, 'AUTH0_ACCESS_TOKEN');
  const clientId = present(env, 'AUTH0_CLIENT_ID');
  const clientSecret = present(env, 'AUTH0_CLIENT_SECRET');
  let credentials: Credentials | undefined;
  if (accessToken !== undefined) credentials = { kind: 'token', accessToken: accessToken.trim() };
  else if (clientId !== undefined && clientSecret !== undefined) credentials = { kind: 'client', clientId: clientId.trim(), clientSecret };
  else problems.push('AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (or AUTH0_ACCESS_TOKEN): not set');
  return { ...(domain !== undefined ? { domain } : {}), ...(credentials ? { credentials } : {}) };
}

/** Every problem at once, naming where the settings were read from and where to set them. */
function inputError(problems: readonly string[], source: SettingsSource): DeployError {
  return new DeployError(
    'INPUT',
    [
      `Nothing was sent to Auth0. Fix these settings first (read from ${describeSource(source)}):`,
      ...problems.map((p) => `  - ${p}`),
      whereToSet(source),
    ].join('\n'),
    problems,
  );
}

export interface Connection {
  domain: string;
  credentials: Credentials;
  sensitiveValues: string[];
}

/** Checks only what a Management API call needs (for scripts that do not deploy the Action). */
export function checkConnection(env: Record<string, string | undefined>, source: SettingsSource = ENVIRONMENT_ONLY): Connection {
  const problems: string[] = [];
  const { domain, credentials } = connectionSettings(env, problems);
  if (problems.length > 0 || domain === undefined || credentials === undefined) throw inputError(problems, source);
  const sensitiveValues = [present(env, 'AUTH0_ACCESS_TOKEN'), present(env, 'AUTH0_CLIENT_SECRET')].filter(
    (v): v is string => v !== undefined,
  );
  return { domain, credentials, sensitiveValues };
}

/** Checks everything a deploy needs. Throws DeployError('INPUT') listing every problem. */
export function checkDeployInputs(
  env: Record<string, string | undefined>,
  sources: DeploySources,
  source: SettingsSource = ENVIRONMENT_ONLY,
): DeployInputs {
  const problems: string[] = [];

  const { domain, credentials } = connectionSettings(env, problems);
  const accessToken = present(env, 'AUTH0_ACCESS_TOKEN');
  const clientSecret = present(env, 'AUTH0_CLIENT_SECRET');

  const mappings: KeywordMappings = {};
  const secretValues: Record<string, string> = {};
  const sensitiveValues: string[] = [accessToken, clientSecret].filter((v): v is string => v !== undefined);
  const required = requiredSecrets(present(env, secretKeyword('PROVIDER')));
  for (const { secret, keyword } of SECRET_KEYWORDS) {
    const value = present(env, keyword);
    if (value === undefined) {
      if (required.includes(secret)) problems.push(`${keyword}: not set (Action secret ${secret} is required)`);
      // An optional setting left unset is sent empty: the Action reads an empty secret as its default.
      mappings[keyword] = '';
      continue;
    }
    problems.push(...secretProblems(secret, keyword, value));
    mappings[keyword] = value;
    secretValues[secret] = value;
    if (SENSITIVE_SECRETS.includes(secret)) sensitiveValues.push(value);
  }
  // Settings that are fine one by one may still clash (e.g. CLAIM_NAMESPACE derived from FORMS_URL).
  if (problems.length === 0) {
    try {
      parseSettings(secretValues);
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      const keyword = SECRET_KEYWORDS.find((k) => k.secret === err.setting)?.keyword ?? err.setting;
      problems.push(`${keyword}: ${err.message}`);
    }
  }

  if (present(env, BINDINGS_KEYWORD) !== undefined) {
    problems.push(`${BINDINGS_KEYWORD}: is built by the deploy; set ${BEFORE_VARIABLE} and ${AFTER_VARIABLE} instead`);
  }
  const before = bindingNames(env, BEFORE_VARIABLE, problems);
  const after = bindingNames(env, AFTER_VARIABLE, problems);
  const order = [...before, ACTION_NAME, ...after];
  const duplicates = order.filter((name, index) => order.indexOf(name) !== index);
  if (duplicates.length > 0) {
    problems.push(`${BEFORE_VARIABLE}/${AFTER_VARIABLE}: ${[...new Set(duplicates)].join(', ')} listed more than once`);
  }
  const bindings: Binding[] = order.map((name) => ({ action_name: name, display_name: name }));
  mappings[BINDINGS_KEYWORD] = bindings;

  // tenant.yaml must hand every secret to the Action, and every keyword used anywhere needs a value.
  const yamlKeywords = keywordsIn(sources.tenantYaml);
  for (const { secret, keyword } of SECRET_KEYWORDS) {
    if (!yamlKeywords.includes(keyword)) problems.push(`tenant.yaml: does not map Action secret ${secret} (expected '@@${keyword}@@')`);
  }
  for (const keyword of yamlKeywords) {
    if (!(keyword in mappings)) problems.push(`${keyword}: used in tenant.yaml but has no value`);
  }
  for (const keyword of keywordsIn(sources.actionCode)) {
    if (!(keyword in mappings)) problems.push(`${keyword}: used in actions/${ACTION_NAME}/code.js but has no value`);
  }
  if (!new RegExp(`^\\s*-\\s*name:\\s*['"]?${ACTION_NAME}['"]?\\s*$`, 'm').test(sources.tenantYaml)) {
    problems.push(`tenant.yaml: no Action named ${ACTION_NAME}`);
  }

  if (problems.length > 0 || domain === undefined || credentials === undefined) {
    throw inputError(problems, source);
  }
  return { domain, credentials, mappings, bindings, sensitiveValues };
}
