/**
 * Network failures in plain words, for every tool (the deploy, retire-rule and the admin tools):
 * "cannot reach acme.eu.auth0.com: the name does not resolve (DNS)" and what to check, instead of
 * "fetch failed". Pure: it only reads the error it is given.
 *
 * The shapes it reads (walked through `cause`, and AggregateError's `errors`, a few levels deep):
 * - Node's fetch (undici): TypeError "fetch failed" whose `cause` has `code` (ENOTFOUND,
 *   ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, CERT_HAS_EXPIRED, ...) and often `hostname`;
 *   an AbortSignal.timeout() abort is a DOMException named TimeoutError (AbortError for abort()).
 * - the auth0 v7 SDK: ManagementError "fetch failed" with the fetch error as `cause`,
 *   ManagementTimeoutError, and its token request's raw fetch error or a 408 "token request timed out".
 * - auth0-deploy-cli (its own auth0 v6 SDK): FetchError with the fetch error as `cause`; when
 *   a0deploy rethrows it as text ("Problem creating actions ...\nFetchError: ..."), only the text is left.
 * Nothing of the error is repeated but its code: never a URL with a query, a header or a stack.
 */
import { isRecord } from '../../lib/is-record';

export type NetworkFailure = 'dns' | 'dns-temporary' | 'refused' | 'reset' | 'unreachable' | 'tls' | 'timeout' | 'network';

export interface NetworkProblem {
  kind: NetworkFailure;
  /** The host that could not be reached (the caller's, else the one the error names), or null. */
  host: string | null;
  /** The error code it was recognised by (ENOTFOUND, CERT_HAS_EXPIRED, ...), when there is one. */
  code: string | null;
  /** What happened, in plain words. */
  reason: string;
  /** What to check. */
  hint: string;
}

const DNS = ['ENOTFOUND', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA'];
const DNS_TEMPORARY = ['EAI_AGAIN'];
const REFUSED = ['ECONNREFUSED'];
const RESET = ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'];
const UNREACHABLE = ['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL'];
const TIMEOUT = [
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
];
const TIMEOUT_NAMES = ['AbortError', 'TimeoutError', 'ManagementTimeoutError'];
/** OpenSSL's certificate verification codes, as Node names them. */
const TLS = [
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'HOSTNAME_MISMATCH',
  'EPROTO',
];

const TLS_REASONS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  CERT_NOT_YET_VALID: 'its TLS certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate could not be verified (no trusted issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its TLS certificate could not be verified (no trusted issuer)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain holds a self-signed certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
  HOSTNAME_MISMATCH: 'its TLS certificate is for another host name',
};

const HINTS: Readonly<Record<NetworkFailure, string>> = {
  dns:
    'Check the host name for typos (AUTH0_DOMAIN is the tenant host only, e.g. acme.eu.auth0.com) ' +
    'and that this machine can resolve names (DNS, VPN).',
  'dns-temporary':
    'The name server did not answer: check the network connection and DNS settings (VPN, proxy), then run the command again.',
  refused: 'Nothing accepted the connection: check the host and port, and any proxy (HTTPS_PROXY) or firewall between this machine and it.',
  reset: 'A proxy, firewall or VPN may be cutting connections; run the command again, and check them if it persists.',
  unreachable: 'This machine has no route to it: check the network connection, VPN and firewall.',
  tls:
    'A proxy that inspects HTTPS needs its CA certificate in NODE_EXTRA_CA_CERTS; also check the system clock. ' +
    'Do not turn certificate checks off.',
  timeout: 'No answer in time: check the network connection, proxy (HTTPS_PROXY) and firewall, then run the command again.',
  network: 'Check the network connection, proxy (HTTPS_PROXY) and firewall, then run the command again.',
};

const REASONS: Readonly<Record<Exclude<NetworkFailure, 'tls'>, string>> = {
  dns: 'the name does not resolve (DNS)',
  'dns-temporary': 'the name could not be looked up just now (DNS)',
  refused: 'the connection was refused',
  reset: 'the connection was closed before an answer (reset)',
  unreachable: 'the network or host is unreachable',
  timeout: 'no answer in time (timeout)',
  network: 'the request failed before any answer (network error)',
};

interface Clues {
  codes: string[];
  names: string[];
  messages: string[];
  hostname: string | null;
  status: number | null;
}

function gather(error: unknown, clues: Clues, depth: number, seen: Set<unknown>): void {
  if (depth > 8 || error === null || typeof error !== 'object' || seen.has(error)) return;
  seen.add(error);
  if (!isRecord(error)) return;
  const { code, name, message, hostname, statusCode, cause, errors } = error;
  if (typeof code === 'string') clues.codes.push(code);
  if (typeof name === 'string') clues.names.push(name);
  if (typeof message === 'string') clues.messages.push(message);
  if (typeof hostname === 'string' && clues.hostname === null) clues.hostname = hostname;
  if (typeof statusCode === 'number' && clues.status === null) clues.status = statusCode;
  gather(cause, clues, depth + 1, seen);
  if (Array.isArray(errors)) for (const inner of errors) gather(inner, clues, depth + 1, seen);
}

function kindOf(code: string): NetworkFailure | null {
  if (DNS.includes(code)) return 'dns';
  if (DNS_TEMPORARY.includes(code)) return 'dns-temporary';
  if (REFUSED.includes(code)) return 'refused';
  if (RESET.includes(code)) return 'reset';
  if (UNREACHABLE.includes(code)) return 'unreachable';
  if (TIMEOUT.includes(code)) return 'timeout';
  if (TLS.includes(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_')) return 'tls';
  return null;
}

/** Every code-looking word of a text ("getaddrinfo ENOTFOUND x", "FetchError: ..."), for errors flattened to text. */
function codesInText(text: string): string[] {
  return text.match(/\b(?:E[A-Z]{3,}|UND_ERR_[A-Z_]+|ERR_(?:TLS|SSL)_[A-Z_]+|[A-Z]+(?:_[A-Z]+){2,})\b/g) ?? [];
}

const GENERIC_TEXT =
  /\bfetch failed\b|\bFetchError\b|request failed and the interceptors did not return|\bsocket hang up\b|\bnetwork error\b/i;

/**
 * What went wrong on the network, or null when the error is not a network failure (an HTTP
 * answer, a programming error). `host` is the host the caller was calling (the tenant, Authy,
 * the export download); without it the host the error names, if any.
 */
export function explainNetworkError(error: unknown, host?: string): NetworkProblem | null {
  const clues: Clues = { codes: [], names: [], messages: [], hostname: null, status: null };
  gather(error, clues, 0, new Set());
  const found = (kind: NetworkFailure, code: string | null): NetworkProblem => {
    const reason = kind === 'tls' ? ((code !== null ? TLS_REASONS[code] : undefined) ?? 'its TLS certificate was refused') : REASONS[kind];
    return {
      kind,
      host: host ?? clues.hostname,
      code,
      reason: code !== null && kind === 'tls' ? `${reason} (${code})` : reason,
      hint: HINTS[kind],
    };
  };
  // A status code means an answer came: not a network failure (except the SDK's token-request timeout, a 408 it makes up).
  if (clues.status !== null && !(clues.status === 408 && clues.messages.some((m) => /timed out/i.test(m)))) return null;
  for (const code of clues.codes) {
    const kind = kindOf(code);
    if (kind !== null) return found(kind, code);
  }
  if (clues.names.some((name) => TIMEOUT_NAMES.includes(name)) || clues.status === 408) return found('timeout', null);
  for (const code of clues.messages.flatMap(codesInText)) {
    const kind = kindOf(code);
    if (kind !== null) return found(kind, code);
  }
  if (clues.messages.some((message) => /\bsocket hang up\b/i.test(message))) return found('reset', null);
  if (clues.messages.some((message) => GENERIC_TEXT.test(message))) return found('network', null);
  return null;
}

/** "cannot reach acme.eu.auth0.com: the name does not resolve (DNS). Check ..." */
export function formatNetworkProblem(problem: NetworkProblem): string {
  return `cannot reach ${problem.host ?? 'the server'}: ${problem.reason}. ${problem.hint}`;
}

/** The plain message of a network failure, or null when `error` is not one. */
export function networkMessage(error: unknown, host?: string): string | null {
  const problem = explainNetworkError(error, host);
  return problem ? formatNetworkProblem(problem) : null;
}

/** Failures a retry will not cure: a name that does not exist, a certificate that is refused. */
export function isPermanentNetworkFailure(error: unknown): boolean {
  const kind = explainNetworkError(error)?.kind;
  return kind === 'dns' || kind === 'tls';
}

/** The host of a URL, for the message (never its path or query). */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** A fetch that remembers its last network failure and the host it went to, for clients whose errors keep only a code of their own. */
export function recordingFetch(base: typeof fetch): { fetch: typeof fetch; lastFailure: () => { error: unknown; host?: string } | null } {
  let last: { error: unknown; host?: string } | null = null;
  const wrapped: typeof fetch = async (input, init) => {
    try {
      return await base(input, init);
    } catch (error) {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const host = hostOf(url);
      last = { error, ...(host !== undefined ? { host } : {}) };
      throw error;
    }
  };
  return { fetch: wrapped, lastFailure: () => last };
}

/** The plain message of the last network failure a recordingFetch saw, or null. */
export function lastNetworkMessage(probe: { lastFailure: () => { error: unknown; host?: string } | null }): string | null {
  const failure = probe.lastFailure();
  return failure ? networkMessage(failure.error, failure.host) : null;
}
