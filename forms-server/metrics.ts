/**
 * Every Prometheus metric of the forms server, defined here and nowhere else. Each app gets a
 * registry of its own (never prom-client's global one), so tests and several apps in one
 * process do not collide; the process metrics (CPU, memory, event loop, GC) are collected once
 * per process and served by every app beside its own.
 *
 * Labels are low-cardinality by construction: each is one of the fixed unions below. Never a
 * user id, an address, a state, a token, a phone number or a code. Where they are recorded:
 * observe.ts (effect outcomes, the entry route, the rate-limit and error plugins) and
 * instrument.ts (the timed Authy client and Store).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const PREFIX = 'authy2fa_';
export const PROVIDER = 'authy';
/** The `provider` label of Twilio Verify's calls (Authy's keep PROVIDER). */
export const VERIFY_PROVIDER = 'verify';

export const PROVIDER_CALLS = [
  'verify',
  'sms',
  'call',
  'register',
  'push_create',
  'push_status',
  'user_status',
  'remove',
  'app_details',
  // Twilio Verify: a new TOTP factor, its first code, a Challenge (a sign-in code).
  'factor_create',
  'factor_verify',
  'challenge',
] as const;
export type ProviderCall = (typeof PROVIDER_CALLS)[number];
export const STORE_OPERATIONS = [
  'open_visit',
  'get_visit',
  'save_visit',
  'get_counter',
  'raise_failures',
  'reserve_attempt',
  'settle_attempt',
  'ping',
] as const;
export type StoreOperation = (typeof STORE_OPERATIONS)[number];

export const CODE_RESULTS = ['right', 'wrong', 'already_used', 'provider_error', 'refused_locked', 'refused_busy'] as const;
export type CodeResult = (typeof CODE_RESULTS)[number];
export const CODE_CHANNELS = ['app', 'sms', 'call'] as const;
export type CodeChannel = (typeof CODE_CHANNELS)[number];
export const SEND_RESULTS = ['sent', 'refused_locked', 'provider_error'] as const;
export type SendResult = (typeof SEND_RESULTS)[number];
export const PUSH_RESULTS = ['started', 'approved', 'denied', 'expired', 'withdrawn', 'error', 'refused'] as const;
export type PushResult = (typeof PUSH_RESULTS)[number];
export const VISIT_OUTCOMES = ['verified', 'locked', 'cancelled'] as const;
export const REGISTRATION_RESULTS = ['registered', 'failed'] as const;

export interface Metrics {
  /** What GET /metrics serves: this app's metrics and the process's. */
  registry: Registry;
  visitsStarted: Counter<'enrolled'>;
  visitsEnded: Counter<'outcome'>;
  registrations: Counter<'result'>;
  codesChecked: Counter<'result' | 'channel'>;
  sends: Counter<'channel' | 'result'>;
  pushes: Counter<'result'>;
  locks: Counter;
  linksReused: Counter;
  rateLimited: Counter;
  storeFull: Counter;
  storeUnavailable: Counter;
  providerDuration: Histogram<'provider' | 'call'>;
  providerErrors: Counter<'provider' | 'call' | 'error'>;
  storeDuration: Histogram<'operation'>;
  storeErrors: Counter<'operation'>;
}

let processRegistry: Registry | undefined;

/** The process metrics, registered once per process (each collector holds a GC observer and a timer). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Every combination of the labels, at zero, so a rate is defined from the first scrape. */
function zero<L extends string>(counter: Counter<L>, combos: Partial<Record<L, string>>[]): void {
  for (const labels of combos) counter.inc(labels, 0);
}

function each<L extends string>(name: L, values: readonly string[]): Partial<Record<L, string>>[] {
  return values.map((value) => ({ [name]: value }) as Partial<Record<L, string>>);
}

function cross<A extends string, B extends string>(
  a: A,
  as: readonly string[],
  b: B,
  bs: readonly string[],
): Partial<Record<A | B, string>>[] {
  return as.flatMap((x) => bs.map((y) => ({ [a]: x, [b]: y }) as Partial<Record<A | B, string>>));
}

/** Latency buckets (seconds) for calls that should take milliseconds and time out at a few seconds. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A fresh set of metrics in a registry of its own. `storeUp` is asked at every scrape for the
 * `authy2fa_store_up` gauge (1 when the store answers a ping).
 */
export function createMetrics(storeUp: () => Promise<boolean>): Metrics {
  const own = new Registry();
  const registers = [own];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name: PREFIX + name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Histogram<L>({ name: PREFIX + name, help, labelNames, buckets: CALL_BUCKETS, registers });

  const metrics: Metrics = {
    registry: own,
    visitsStarted: counter('visits_started_total', 'Visits opened from a valid link (enrolled: the user already had a phone).', [
      'enrolled',
    ]),
    visitsEnded: counter('visits_ended_total', 'Visits that reached a final step (expired visits are not seen).', ['outcome']),
    registrations: counter('registrations_total', 'Phone numbers sent to Authy to register (enrollment).', ['result']),
    codesChecked: counter('codes_checked_total', 'Codes submitted for checking, by result and by the channel they came by.', [
      'result',
      'channel',
    ]),
    sends: counter('sends_total', 'Codes asked for by SMS or voice call.', ['channel', 'result']),
    pushes: counter('pushes_total', 'Push (approval request) events.', ['result']),
    locks: counter('locks_total', 'Wrong answers that locked a user.'),
    linksReused: counter('links_reused_total', 'Links opened again in another browser (refused with a 409 page).'),
    rateLimited: counter('rate_limited_total', 'Requests refused by the per-address rate limit (429).'),
    storeFull: counter('store_full_total', 'New visits refused because the store holds VISIT_CAPACITY visits (503).'),
    storeUnavailable: counter('store_unavailable_total', 'Pages answered 503 because the store could not be reached.'),
    providerDuration: histogram('provider_call_duration_seconds', 'Calls to the second-factor provider.', ['provider', 'call']),
    providerErrors: counter('provider_errors_total', 'Provider calls that failed (not wrong codes or refused numbers).', [
      'provider',
      'call',
      'error',
    ]),
    storeDuration: histogram('store_call_duration_seconds', 'Calls to the store (memory or Redis).', ['operation']),
    storeErrors: counter('store_errors_total', 'Store calls that failed.', ['operation']),
  };
  new Gauge({
    name: `${PREFIX}store_up`,
    help: '1 when the store answered a ping at this scrape, else 0.',
    registers,
    async collect() {
      this.set((await storeUp()) ? 1 : 0);
    },
  });

  zero(metrics.visitsStarted, each('enrolled', ['true', 'false']));
  zero(metrics.visitsEnded, each('outcome', VISIT_OUTCOMES));
  zero(metrics.registrations, each('result', REGISTRATION_RESULTS));
  zero(metrics.codesChecked, cross('result', CODE_RESULTS, 'channel', CODE_CHANNELS));
  zero(metrics.sends, cross('channel', ['sms', 'call'], 'result', SEND_RESULTS));
  zero(metrics.pushes, each('result', PUSH_RESULTS));
  for (const c of [metrics.locks, metrics.linksReused, metrics.rateLimited, metrics.storeFull, metrics.storeUnavailable]) c.inc(0);

  metrics.registry = Registry.merge([own, processMetrics()]);
  return metrics;
}
