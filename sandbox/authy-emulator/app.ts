/**
 * The Authy API emulator as a Fastify app: the Authy HTTP API (same paths, X-Authy-API-Key,
 * force semantics, Authy's error bodies), a phone page showing the codes each phone would
 * receive, and controls for tests (faults, disabled users). Build it, then `inject` or listen.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { AuthyEmulator, type EmulatorSettings } from './emulator';
import * as errors from './errors';
import { FaultQueue, serveFault, type Fault } from './faults';
import { EmulatorStore } from './store';
import type { RouteContext } from './routes/context';
import { appDetailsRoutes } from './routes/app-details';
import { codesRoutes } from './routes/codes';
import { controlRoutes } from './routes/control';
import { onetouchRoutes } from './routes/onetouch';
import { phoneRoutes } from './routes/phone';
import { usersRoutes } from './routes/users';

export interface AuthyEmulatorOptions {
  /** The key clients must send in X-Authy-API-Key. */
  apiKey: string;
  /** JSON file that keeps the state across restarts; in memory when absent. */
  dataFile?: string;
  /** Digits of app, SMS and voice codes: 6 to 8, default 7 (as the Authy app). */
  digits?: number;
  /** TOTP period, default 30 s. */
  periodSeconds?: number;
  /** Clock in ms since the epoch, default Date.now; tests pass their own. */
  now?: () => number;
  logger?: boolean;
  /** How long an SMS or voice code is valid, default 600 s (Authy: 10 minutes). */
  sentCodeTtlSeconds?: number;
  /** National numbers starting with this are landlines (users/new answers 60082); default "999". */
  landlinePrefix?: string;
}

/** Every Authy API path starts with one of these; /__emulator is the emulator's own control API. */
const API_PREFIXES = ['/protected/', '/onetouch/'];
const CONTROL_PREFIX = '/__emulator/';
/** Authy's bodies are a few fields; anything bigger is not a client of this API. */
const BODY_LIMIT = 16 * 1024;

function requireInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`buildAuthyEmulator: ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time comparison of the sent key with the configured one. */
function keyMatches(sent: string | string[] | undefined, expected: Buffer): boolean {
  return typeof sent === 'string' && timingSafeEqual(digest(sent), expected);
}

/** Request URLs as logged: the code in verify/{token}/{id} is a secret and never reaches a log. */
export function redactUrl(url: string): string {
  return url.replace(/(\/verify\/)[^/?]+/, '$1[redacted]');
}

const MALFORMED_BODY = '{"success": true, "message": "Token is val';

/** The emulator's settings from the options; a bad option throws, naming it. */
function emulatorSettings(options: AuthyEmulatorOptions): EmulatorSettings {
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0) throw new Error('buildAuthyEmulator: apiKey is required');
  const digits = requireInt('digits', options.digits ?? 7, 6, 8);
  const periodSeconds = requireInt('periodSeconds', options.periodSeconds ?? 30, 1, 300);
  const sentCodeTtlSeconds = requireInt('sentCodeTtlSeconds', options.sentCodeTtlSeconds ?? 600, 1, 86_400);
  const landlinePrefix = options.landlinePrefix ?? '999';
  if (!/^\d{1,6}$/.test(landlinePrefix)) throw new Error('buildAuthyEmulator: landlinePrefix must be 1 to 6 digits');
  return { digits, periodSeconds, now: options.now ?? Date.now, sentCodeTtlMs: sentCodeTtlSeconds * 1000, landlinePrefix };
}

/** Authy clients POST with an empty JSON body (remove); treat it as no parameters. */
function acceptEmptyJson(app: FastifyInstance): void {
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    return jsonParser(request, text, done);
  });
}

/**
 * A delay for the "hang" fault. Hung requests are released when the app closes, so tests and
 * shutdowns never wait on them.
 */
function releasableHang(app: FastifyInstance): (ms: number) => Promise<void> {
  const hangs = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const release of [...hangs]) release();
  });
  return (ms: number) =>
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

/** API and control paths need the API key; API calls then meet the next queued fault, if any. */
function guardApi(app: FastifyInstance, apiKey: string, faults: FaultQueue): void {
  const expectedKey = digest(apiKey);
  const hang = releasableHang(app);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url;
    const isApi = API_PREFIXES.some((p) => path.startsWith(p));
    if (!isApi && !path.startsWith(CONTROL_PREFIX)) return;
    if (!keyMatches(request.headers['x-authy-api-key'], expectedKey)) return errors.sendAuthyError(reply, errors.invalidApiKey());
    if (!isApi) return;
    const fault: Fault | undefined = faults.take();
    if (!fault) return;
    return serveFault(fault, reply, {
      rateLimited: (r) => errors.sendAuthyError(r, errors.rateLimited()),
      serverError: (r, status) => errors.sendAuthyError(r, errors.internalError(status)),
      malformedBody: MALFORMED_BODY,
      hang,
    });
  });
}

/** Errors in Authy's shape: named Authy errors as they are, unreadable requests as 60001, the rest as 60000. */
function answerErrorsAsAuthy(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof errors.AuthyApiError) return errors.sendAuthyError(reply, error);
    const statusCode = (error as { statusCode?: unknown }).statusCode;
    const status = typeof statusCode === 'number' ? statusCode : 500;
    if (status >= 400 && status < 500) {
      // Unreadable bodies (bad JSON, too large, unknown type): Authy's "Invalid request".
      return errors.sendAuthyError(reply, errors.invalidRequest());
    }
    request.log.error({ err: error }, 'authy emulator error');
    return errors.sendAuthyError(reply, errors.internalError());
  });

  app.setNotFoundHandler((request, reply) => {
    const body = { message: 'Not found', success: false, errors: { message: 'Not found' }, error_code: '60000' };
    const home = request.method === 'GET' && request.url === '/';
    return reply.code(404).send(home ? { ...body, message: 'Authy emulator: see /phone' } : body);
  });
}

export async function buildAuthyEmulator(options: AuthyEmulatorOptions): Promise<FastifyInstance> {
  const settings = emulatorSettings(options);
  const store = new EmulatorStore(options.dataFile);
  const emulator = new AuthyEmulator(store, settings);
  const faults = new FaultQueue();

  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: options.logger ? { serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url) }) } } : false,
  });

  await app.register(formbody);
  acceptEmptyJson(app);
  guardApi(app, options.apiKey, faults);
  answerErrorsAsAuthy(app);

  const context: RouteContext = { emulator, faults, reset: () => store.reset() };
  appDetailsRoutes(app);
  usersRoutes(app, context);
  codesRoutes(app, context);
  onetouchRoutes(app, context);
  controlRoutes(app, context);
  phoneRoutes(app, context);

  return app;
}
