/**
 * A real Redis for the Redis store's tests. `REDIS_URL` when set (CI starts one), else a
 * redis-server of our own (Debian's /usr/bin/redis-server, or REDIS_SERVER_PATH) on a free port
 * of 127.0.0.1, without persistence, stopped after the test file. With neither, the suites skip
 * with one line, except under CI=true, where they fail instead.
 *
 * Tests that stop and restart Redis always use a server of their own (never the shared one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';
const INSTALL_HINT = 'apt-get install -y redis-server, or set REDIS_URL';

/** `describe` when a Redis can be had (REDIS_URL or redis-server), `describe.skip` otherwise; throws in CI without one. */
export function redisDescribe(): jest.Describe {
  if (process.env.REDIS_URL || existsSync(REDIS_SERVER)) return describe;
  return skipOrFail(`the Redis store tests need REDIS_URL or ${REDIS_SERVER}`);
}

/** `describe` when redis-server can be started here (tests that stop and restart it); see redisDescribe. */
export function redisServerDescribe(): jest.Describe {
  if (existsSync(REDIS_SERVER)) return describe;
  return skipOrFail(`the Redis restart tests need ${REDIS_SERVER}`);
}

function skipOrFail(what: string): jest.Describe {
  if (process.env.CI === 'true') throw new Error(`In CI, ${what}: ${INSTALL_HINT}`);
  if (firstToSay()) process.stderr.write(`Skipping: ${what}; ${INSTALL_HINT}.\n`);
  return describe.skip;
}

/** One line per run, not one per test file (files run in separate workers). */
function firstToSay(): boolean {
  const marker = join(tmpdir(), `authy-2fa-no-redis-${process.ppid}`);
  try {
    if (Date.now() - statSync(marker).mtimeMs < 10 * 60_000) return false;
    rmSync(marker, { force: true });
  } catch {
    // No marker yet.
  }
  try {
    writeFileSync(marker, '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

export interface RedisTarget {
  url: string;
  /** Stops the server if this helper started it (the shared REDIS_URL one is left running). */
  stop(): Promise<void>;
}

/** REDIS_URL, or a redis-server of our own. */
export async function sharedRedis(): Promise<RedisTarget> {
  const url = process.env.REDIS_URL;
  if (url) return { url, stop: async () => {} };
  return startRedisServer();
}

export interface RedisServer extends RedisTarget {
  port: number;
  /** Starts it again on the same port (after `stop()`). */
  start(): Promise<void>;
  /** Kills it at once (no clean shutdown), as a crash would. */
  kill(): Promise<void>;
}

/** A redis-server of our own on a free port of 127.0.0.1, no persistence; `args` add settings (e.g. --requirepass). */
export async function startRedisServer(options: { port?: number; args?: string[] } = {}): Promise<RedisServer> {
  const chosen = options.port ?? (await freePort());
  const extra = options.args ?? [];
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    if (child) return;
    const spawned = spawn(
      REDIS_SERVER,
      ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...extra],
      {
        stdio: 'ignore',
      },
    );
    child = spawned;
    spawned.once('exit', () => {
      if (child === spawned) child = null;
    });
    await waitForPort(chosen, 10_000, () => child === spawned, extra.includes('--requirepass'));
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    if (!running) return;
    child = null;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return { url: `redis://127.0.0.1:${chosen}`, port: chosen, start, stop: () => halt('SIGTERM'), kill: () => halt('SIGKILL') };
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, stillRunning: () => boolean, needsAuth: boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await answersPing(port, needsAuth)) return;
    if (!stillRunning()) throw new Error(`redis-server on port ${port} exited at start`);
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** True when a server answers PING (with a password set, its NOAUTH refusal is an answer too). */
function answersPing(port: number, needsAuth: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith(needsAuth ? '-NOAUTH' : '+PONG')));
  });
}

/** A key prefix no other test uses. */
export function uniquePrefix(label = 'test'): string {
  return `authy2fa-test:${label}:${randomBytes(6).toString('hex')}:`;
}
