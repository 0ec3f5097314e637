/**
 * A fault-injecting proxy in front of the Authy emulator, for the attacker's fault tests. The
 * emulator's own fault queue (POST /__emulator/faults) applies faults in order to the next
 * calls, whoever makes them; under a concurrent load the tests need a fault RATE instead, and
 * also reset connections, which the emulator cannot do. So this proxy decides per Authy API call
 * (a seeded PRNG, so a run can be replayed) whether to pass it on or to answer with one of:
 *
 * - `latency`: hold the call past the client's timeout, then pass it on anyway (as a slow Authy
 *   would: the code is checked, or the SMS sent, after the client gave up);
 * - `server_error`: 500 with Authy's body for an internal error (60000), as the emulator sends it;
 * - `rate_limit`: 429 with 60003 ("DoS protection"), as the emulator sends it;
 * - `malformed`: 200 with a truncated JSON body (the emulator's `malformed` fault);
 * - `reset`: the connection reset (RST) without an answer.
 *
 * Only Authy API paths (/protected/, /onetouch/) meet faults; the emulator's controls and phone
 * page pass through untouched. Listens on 127.0.0.1.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { internalError, rateLimited } from '../../sandbox/authy-emulator/errors';

export type ChaosKind = 'latency' | 'server_error' | 'rate_limit' | 'malformed' | 'reset';
export const CHAOS_KINDS: readonly ChaosKind[] = ['latency', 'server_error', 'rate_limit', 'malformed', 'reset'];

export interface ChaosOptions {
  /** The emulator's origin, e.g. http://127.0.0.1:40123. */
  target: string;
  /** Share of Authy API calls that meet a fault, 0 to 1. */
  rate: number;
  seed: number;
  /** How long a `latency` fault holds a call before passing it on. */
  latencyMs: number;
  kinds?: readonly ChaosKind[];
}

export interface ChaosProxy {
  url: string;
  /** Authy API calls passed on untouched, and faults injected, by kind. */
  readonly stats: Record<ChaosKind | 'passed', number>;
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MALFORMED_BODY = '{"success": true, "message": "Token is val';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startChaosProxy(options: ChaosOptions): Promise<ChaosProxy> {
  const target = new URL(options.target);
  const random = prng(options.seed);
  const kinds = options.kinds ?? CHAOS_KINDS;
  const stats: Record<ChaosKind | 'passed', number> = { passed: 0, latency: 0, server_error: 0, rate_limit: 0, malformed: 0, reset: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (closing) return;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host, connection: 'close' },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          if (res.destroyed || res.headersSent) return;
          const headers = { ...answer.headers };
          delete headers.connection;
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(Buffer.concat(chunks));
        });
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isApi = /^\/(protected|onetouch)\//.test(req.url ?? '');
      const kind = isApi && random() < options.rate ? kinds[Math.floor(random() * kinds.length)] : undefined;
      if (!isApi) {
        forward(req, body, res);
        return;
      }
      stats[kind ?? 'passed'] += 1;
      switch (kind) {
        case undefined: {
          forward(req, body, res);
          return;
        }
        case 'latency': {
          const timer = setTimeout(() => {
            timers.delete(timer);
            forward(req, body, res);
          }, options.latencyMs);
          timers.add(timer);
          return;
        }
        case 'server_error': {
          sendJson(res, 500, internalError(500).body());
          return;
        }
        case 'rate_limit': {
          sendJson(res, 429, rateLimited().body());
          return;
        }
        case 'malformed': {
          sendJson(res, 200, MALFORMED_BODY);
          return;
        }
        case 'reset': {
          const socket = req.socket as Socket & { resetAndDestroy?: () => void };
          if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
          else socket.destroy();
          return;
        }
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('chaos proxy: no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    stats,
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
