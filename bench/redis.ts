/**
 * The Redis of the Redis runs: REDIS_URL when set, else a redis-server of the bench's own on a
 * free port of 127.0.0.1 without persistence (`--save '' --appendonly no`), stopped at the end.
 * For its own server the bench also reads the server's CPU time (/proc/<pid>/stat).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';

export interface BenchRedis {
  url: string;
  /** Whose Redis: the bench's own or REDIS_URL's. */
  own: boolean;
  /** CPU time of the bench's own redis-server, µs; null for REDIS_URL. */
  cpuUs(): number | null;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      text += String(chunk);
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SEC = 100;

function procCpuUs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3; utime and stime are fields 14 and 15.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / TICKS_PER_SEC : null;
  } catch {
    return null;
  }
}

export async function startRedis(): Promise<BenchRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, own: false, cpuUs: () => null, stop: async () => {} };
  const port = await freePort();
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const state = { exited: false };
  child.once('exit', () => {
    state.exited = true;
  });
  const deadline = Date.now() + 5000;
  while (!(await ping(port))) {
    if (state.exited) throw new Error(`${REDIS_SERVER} exited at start (set REDIS_URL to use another Redis)`);
    if (Date.now() > deadline) throw new Error(`${REDIS_SERVER} did not answer on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = child.pid as number;
  return {
    url: `redis://127.0.0.1:${port}`,
    own: true,
    cpuUs: () => procCpuUs(pid),
    async stop() {
      if (state.exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
