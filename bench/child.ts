/**
 * The parent's handle on a server child (server-child.ts): start it with the forms server's
 * environment, read its CPU time and memory over IPC, stop it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ChildReply, ChildRequest, CpuReply, MemReply, ReadyReply } from './child-protocol';

export interface CpuSample {
  /** user + system, µs. */
  cpuUs: number;
  atNs: bigint;
}

export interface ServerChild {
  formsUrl: string;
  bareUrl: string;
  /** The stack-floor app (floor-app.ts). */
  floorUrl: string;
  pid: number;
  cpu(): Promise<CpuSample>;
  mem(gc?: boolean): Promise<MemReply>;
  /** Starts the child's CPU profiler, or stops it and writes the profile to `file`. */
  profile(action: 'start' | 'stop', file?: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env: Record<string, string>;
  label: string;
}

const CHILD = join(__dirname, 'server-child.ts');

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export async function startChild(options: StartOptions): Promise<ServerChild> {
  const execArgv = ['--expose-gc', '--import', 'tsx'];
  // The forms server logs (JSON, at LOG_LEVEL) go to /dev/null: written, as in production, but not shown.
  const child: ChildProcess = fork(CHILD, [], {
    execArgv,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (reply: ChildReply) => void>();
  let nextId = 1;
  let exited = false;

  const ready = new Promise<ReadyReply>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server child (${options.label}) exited with ${code} before it was ready`)));
    child.on('message', (reply: ChildReply) => {
      if (reply.type === 'ready') resolve(reply);
      else waiting.get(reply.id)?.(reply);
    });
  });
  child.on('exit', () => {
    exited = true;
  });

  function ask<R extends ChildReply>(request: WithoutId<ChildRequest>): Promise<R> {
    const id = nextId++;
    return new Promise<R>((resolve, reject) => {
      if (exited) {
        reject(new Error('server child has exited'));
        return;
      }
      waiting.set(id, (reply) => {
        waiting.delete(id);
        resolve(reply as R);
      });
      child.send({ ...request, id });
    });
  }

  const info = await ready;
  return {
    formsUrl: `http://127.0.0.1:${info.formsPort}`,
    bareUrl: `http://127.0.0.1:${info.barePort}`,
    floorUrl: `http://127.0.0.1:${info.floorPort}`,
    pid: info.pid,
    async cpu() {
      const reply = await ask<CpuReply>({ type: 'cpu' });
      return { cpuUs: reply.user + reply.system, atNs: BigInt(reply.atNs) };
    },
    mem: (gc = false) => ask<MemReply>({ type: 'mem', gc }),
    async profile(action, file) {
      const reply = await ask<Extract<ChildReply, { type: 'profile' }>>({ type: 'profile', action, ...(file ? { file } : {}) });
      if (reply.error) throw new Error(`profiler: ${reply.error}`);
    },
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ask({ type: 'stop' });
      await gone;
    },
  };
}
