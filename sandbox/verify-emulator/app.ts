/**
 * The Twilio Verify v2 emulator as a Fastify app: one Verify Service at Twilio's paths
 * (`/v2/Services/{VA...}/...`), HTTP Basic auth, form-encoded parameters, Twilio's JSON and
 * error bodies, real TOTP, attempt limits; a phone page showing SMS/voice codes and the current
 * code of every TOTP factor; controls for tests (faults, reset). State in memory. Build it, then
 * `inject` or listen (127.0.0.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { FaultQueue, serveFault } from '../authy-emulator/faults';
import * as errors from './errors';
import { resourcePath, type RouteContext } from './routes/context';
import { challengeRoutes } from './routes/challenges';
import { controlRoutes } from './routes/control';
import { factorRoutes } from './routes/factors';
import { phoneRoutes } from './routes/phone';
import { verificationRoutes } from './routes/verifications';
import { VerifyStore } from './store';
import { TotpFactors } from './totp-factors';
import { Verifications } from './verifications';

export interface VerifyEmulatorOptions {
  /** The account (AC...) whose Auth Token opens the API. */
  accountSid: string;
  authToken: string;
  /** More credentials: API keys (SK...) with their secrets. */
  apiKeys?: { sid: string; secret: string }[];
  /** The one Verify Service (VA...); default DEFAULT_SERVICE_SID. */
  serviceSid?: string;
  /** The Service's friendly name: the issuer in otpauth URIs. Default "Sandbox". */
  serviceName?: string;
  /** Clock in ms since the epoch, default Date.now; tests pass their own. */
  now?: () => number;
  logger?: boolean;
  /** Digits of SMS and voice codes, 4 to 10, default 6. */
  codeLength?: number;
  /** Life of a verification, default 600 s (Twilio: 10 minutes). */
  verificationTtlSeconds?: number;
  /** E.164 prefix of landlines (SMS refused with 60205), default "+1999". */
  landlinePrefix?: string;
  /** Answer GET of an approved verification with 200 (approved) instead of Twilio's 404. Default false. */
  keepApprovedVerifications?: boolean;
}

export const DEFAULT_SERVICE_SID = 'VA' + '0'.repeat(31) + '1';

const BODY_LIMIT = 16 * 1024;
const MALFORMED_BODY = '{"sid": "VE00000000000000000000000000000001", "status": "appro';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function requireInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`buildVerifyEmulator: ${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** Constant-time check of `Authorization: Basic` against every configured credential pair. */
function credentialCheck(options: VerifyEmulatorOptions): (header: string | undefined) => boolean {
  const pairs = [{ sid: options.accountSid, secret: options.authToken }, ...(options.apiKeys ?? [])].map((p) =>
    digest(`${p.sid}:${p.secret}`),
  );
  return (header) => {
    const match = typeof header === 'string' ? /^Basic ([A-Za-z0-9+/=]+)$/.exec(header) : null;
    if (!match) return false;
    const sent = digest(Buffer.from(match[1], 'base64').toString('utf8'));
    let ok = false;
    for (const pair of pairs) ok = timingSafeEqual(sent, pair) || ok;
    return ok;
  };
}

/**
 * Hangs end as the app starts closing (preClose, before the server waits for its connections),
 * so tests and shutdowns never wait on them.
 */
function releasableHang(app: FastifyInstance): (ms: number) => Promise<void> {
  const hangs = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const release of [...hangs]) release();
  });
  return (ms) =>
    new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        hangs.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      hangs.add(release);
    });
}

/** /v2 and /__emulator need Basic auth; /v2 calls must name this Service, then meet the next queued fault. */
function guardApi(app: FastifyInstance, options: VerifyEmulatorOptions, serviceSid: string, faults: FaultQueue): void {
  const authorized = credentialCheck(options);
  const hang = releasableHang(app);
  app.addHook('onRequest', async (request, reply) => {
    const isApi = request.url.startsWith('/v2/');
    if (!isApi && !request.url.startsWith('/__emulator/')) return;
    if (!authorized(request.headers.authorization)) {
      return errors.sendTwilioError(reply.header('www-authenticate', 'Basic realm="Twilio API"'), errors.authenticate());
    }
    if (!isApi) return;
    if (!request.url.startsWith(`/v2/Services/${serviceSid}/`))
      return errors.sendTwilioError(reply, errors.notFound(resourcePath(request.url)));
    const fault = faults.take();
    if (!fault) return;
    return serveFault(fault, reply, {
      rateLimited: (r) => errors.sendTwilioError(r, errors.tooManyRequests()),
      serverError: (r, status) => errors.sendTwilioError(r, errors.internalError(status)),
      malformedBody: MALFORMED_BODY,
      hang,
    });
  });
}

/** Errors in Twilio's shape: named ones as they are, unreadable requests as 60200, the rest as 20500. */
function answerErrorsAsTwilio(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof errors.TwilioApiError) return errors.sendTwilioError(reply, error);
    const statusCode = (error as { statusCode?: unknown }).statusCode;
    const status = typeof statusCode === 'number' ? statusCode : 500;
    if (status >= 400 && status < 500) return errors.sendTwilioError(reply, new errors.TwilioApiError(400, 60200, 'Invalid parameter'));
    request.log.error({ err: error }, 'verify emulator error');
    return errors.sendTwilioError(reply, errors.internalError());
  });
  app.setNotFoundHandler((request, reply) => {
    if (request.method === 'GET' && request.url === '/') return reply.code(404).send({ message: 'Twilio Verify emulator: see /phone' });
    return errors.sendTwilioError(reply, errors.notFound(resourcePath(request.url)));
  });
}

export async function buildVerifyEmulator(options: VerifyEmulatorOptions): Promise<FastifyInstance> {
  if (!/^AC[0-9a-fA-F]{32}$/.test(options.accountSid)) throw new Error('buildVerifyEmulator: accountSid must be an Account SID (AC...)');
  if (typeof options.authToken !== 'string' || options.authToken.length === 0)
    throw new Error('buildVerifyEmulator: authToken is required');
  const serviceSid = options.serviceSid ?? DEFAULT_SERVICE_SID;
  if (!/^VA[0-9a-fA-F]{32}$/.test(serviceSid)) throw new Error('buildVerifyEmulator: serviceSid must be a Service SID (VA...)');
  const landlinePrefix = options.landlinePrefix ?? '+1999';
  if (!/^\+\d{1,8}$/.test(landlinePrefix)) throw new Error('buildVerifyEmulator: landlinePrefix must be "+" and 1 to 8 digits');
  const now = options.now ?? Date.now;
  const serviceName = options.serviceName ?? 'Sandbox';

  const store = new VerifyStore();
  const totp = new TotpFactors(store, { now, serviceName });
  const verifications = new Verifications(store, {
    now,
    codeLength: requireInt('codeLength', options.codeLength ?? 6, 4, 10),
    ttlMs: requireInt('verificationTtlSeconds', options.verificationTtlSeconds ?? 600, 1, 86_400) * 1000,
    landlinePrefix,
    keepApproved: options.keepApprovedVerifications ?? false,
  });
  const faults = new FaultQueue();

  // Request logs name method and path only: codes and phone numbers travel in bodies, which are never logged.
  const logger = options.logger
    ? { serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: resourcePath(req.url) }) } }
    : false;
  // forceCloseConnections: close() ends keep-alive sockets too (a test's client may hold one).
  const app = Fastify({ bodyLimit: BODY_LIMIT, logger, forceCloseConnections: true });
  await app.register(formbody);
  guardApi(app, options, serviceSid, faults);
  answerErrorsAsTwilio(app);

  const context: RouteContext = {
    account: { accountSid: options.accountSid, serviceSid, serviceName },
    totp,
    verifications,
    faults,
    reset: () => store.reset(),
  };
  factorRoutes(app, context);
  challengeRoutes(app, context);
  verificationRoutes(app, context);
  controlRoutes(app, context);
  phoneRoutes(app, context, store);
  return app;
}
