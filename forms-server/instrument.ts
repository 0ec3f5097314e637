/**
 * Thin timing decorators: an AuthyClient, the Verify provider and a Store that do what the wrapped ones do, and
 * record each call's latency and failures (metrics.ts). They implement the same interfaces, so
 * routes, effects and the visit machine do not know they are there.
 */
import { AuthyError, type AuthyClient, type AuthyErrorCode } from '../lib/authy-client';
import { isProviderError, type ProviderErrorCode, type SecondFactorProvider } from '../lib/providers/types';
import { PROVIDER, VERIFY_PROVIDER, type Metrics, type ProviderCall, type StoreOperation } from './metrics';
import type { AttemptLimits, AttemptResult, Counter, OpenResult, Reservation, Store, VisitLimits, VisitRecord } from './store/types';

/** Authy's answers about the user's input: the call worked, so they are not provider errors. */
const USER_ANSWERS: ReadonlySet<AuthyErrorCode> = new Set<AuthyErrorCode>([
  'WRONG_CODE',
  'CODE_REUSED',
  'INVALID_PHONE',
  'UNSUPPORTED_PHONE',
  'UNSUPPORTED_COUNTRY',
]);

export interface TimedAuthyOptions {
  /** Called when Authy refuses the API key on real traffic (readiness remembers it). */
  onBadKey?: () => void;
}

export function timedAuthy(inner: AuthyClient, metrics: Metrics, options: TimedAuthyOptions = {}): AuthyClient {
  async function timed<T>(call: ProviderCall, run: () => Promise<T>): Promise<T> {
    const end = metrics.providerDuration.startTimer({ provider: PROVIDER, call });
    try {
      return await run();
    } catch (error) {
      const code = error instanceof AuthyError ? error.code : 'UNEXPECTED';
      const userAnswer = error instanceof AuthyError && USER_ANSWERS.has(error.code);
      if (!userAnswer) metrics.providerErrors.inc({ provider: PROVIDER, call, error: code });
      if (code === 'BAD_API_KEY') options.onBadKey?.();
      throw error;
    } finally {
      end();
    }
  }
  return {
    registerUser: (input) => timed('register', () => inner.registerUser(input)),
    verifyToken: (authyId, token) => timed('verify', () => inner.verifyToken(authyId, token)),
    requestSms: (authyId) => timed('sms', () => inner.requestSms(authyId)),
    requestCall: (authyId) => timed('call', () => inner.requestCall(authyId)),
    userStatus: (authyId) => timed('user_status', () => inner.userStatus(authyId)),
    removeUser: (authyId) => timed('remove', () => inner.removeUser(authyId)),
    createApprovalRequest: (authyId, input) => timed('push_create', () => inner.createApprovalRequest(authyId, input)),
    approvalStatus: (uuid) => timed('push_status', () => inner.approvalStatus(uuid)),
  };
}

/** Verify's answers about the user's code: the call worked, so they are not provider errors. */
const VERIFY_USER_ANSWERS: ReadonlySet<ProviderErrorCode> = new Set<ProviderErrorCode>(['WRONG_CODE', 'MAX_ATTEMPTS']);

/** The Verify provider, timed: `provider="verify"` on the same metrics as Authy's calls. */
export function timedVerify(inner: SecondFactorProvider, metrics: Metrics): SecondFactorProvider {
  async function timed<T>(call: ProviderCall, run: () => Promise<T>): Promise<T> {
    const end = metrics.providerDuration.startTimer({ provider: VERIFY_PROVIDER, call });
    try {
      return await run();
    } catch (error) {
      const code = isProviderError(error) ? error.code : 'UNEXPECTED';
      if (!isProviderError(error) || !VERIFY_USER_ANSWERS.has(error.code)) {
        metrics.providerErrors.inc({ provider: VERIFY_PROVIDER, call, error: code });
      }
      throw error;
    } finally {
      end();
    }
  }
  return {
    ...inner,
    enroll: (input) => timed('factor_create', () => inner.enroll(input)),
    activate: (enrollment, code, method) => timed('factor_verify', () => inner.activate(enrollment, code, method)),
    checkCode: (enrollment, code, method) => timed('challenge', () => inner.checkCode(enrollment, code, method)),
  };
}

/** A Store that times every call of the one it wraps (close is passed through untimed). */
export class TimedStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly metrics: Metrics,
  ) {}

  private async timed<T>(operation: StoreOperation, run: () => Promise<T>): Promise<T> {
    const end = this.metrics.storeDuration.startTimer({ operation });
    try {
      return await run();
    } catch (error) {
      this.metrics.storeErrors.inc({ operation });
      throw error;
    } finally {
      end();
    }
  }

  openVisit(visit: VisitRecord, linkKey: string, linkExpiresAtMs: number, limits: VisitLimits, nowMs: number): Promise<OpenResult> {
    return this.timed('open_visit', () => this.inner.openVisit(visit, linkKey, linkExpiresAtMs, limits, nowMs));
  }

  getVisit<V extends VisitRecord>(id: string, nowMs: number): Promise<V | null> {
    return this.timed('get_visit', () => this.inner.getVisit<V>(id, nowMs));
  }

  saveVisit(visit: VisitRecord, nowMs: number): Promise<boolean> {
    return this.timed('save_visit', () => this.inner.saveVisit(visit, nowMs));
  }

  getCounter(userKey: string, nowMs: number): Promise<Counter> {
    return this.timed('get_counter', () => this.inner.getCounter(userKey, nowMs));
  }

  raiseFailures(userKey: string, failures: number, limits: AttemptLimits): Promise<Counter> {
    return this.timed('raise_failures', () => this.inner.raiseFailures(userKey, failures, limits));
  }

  reserveAttempt(userKey: string, limits: AttemptLimits & { holdMs: number }): Promise<Reservation> {
    return this.timed('reserve_attempt', () => this.inner.reserveAttempt(userKey, limits));
  }

  settleAttempt(userKey: string, reservationId: string, result: AttemptResult, limits: AttemptLimits): Promise<Counter> {
    return this.timed('settle_attempt', () => this.inner.settleAttempt(userKey, reservationId, result, limits));
  }

  ping(): Promise<void> {
    return this.timed('ping', () => this.inner.ping());
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
