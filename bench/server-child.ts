/**
 * The child process the bench loads: the forms server (settings from the environment, as
 * server.ts reads them; the store from REDIS_URL or in memory) and, beside it in the same
 * process, a bare Fastify app (`GET /bare`, logger off) as the baseline and the stack-floor app
 * (floor-app.ts). Over IPC it reports its ports, its CPU time (`process.cpuUsage()`) and its
 * memory, profiles itself on request (node:inspector), and stops on request.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import Fastify from 'fastify';
import { buildFormsServer } from '../forms-server/app';
import { loadConfig } from '../forms-server/config';
import { createStore } from '../forms-server/store';
import type { ChildReply, ChildRequest } from './child-protocol';
import { buildFloorApp } from './floor-app';

function send(message: ChildReply): void {
  process.send?.(message);
}

let session: Session | null = null;

function post(method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session?.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** The main thread's CPU profile over a window the parent chooses (the measured run, not the start-up). */
async function profile(action: 'start' | 'stop', file?: string): Promise<void> {
  if (action === 'start') {
    session = new Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 500 });
    await post('Profiler.start');
    return;
  }
  const { profile: data } = (await post('Profiler.stop')) as { profile: unknown };
  session?.disconnect();
  session = null;
  if (file) writeFileSync(file, JSON.stringify(data));
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const store = await createStore({
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    keyPrefix: config.redisKeyPrefix,
    capacity: config.visitCapacity,
    onError: (error) => process.stderr.write(`bench child: store error: ${error.message}\n`),
  });
  const forms = await buildFormsServer(config, { store });
  await forms.listen({ host: '127.0.0.1', port: 0 });

  const floor = await buildFloorApp(config);
  await floor.listen({ host: '127.0.0.1', port: 0 });

  const bare = Fastify({ logger: false });
  bare.get('/bare', async () => 'ok');
  await bare.listen({ host: '127.0.0.1', port: 0 });

  const portOf = (app: typeof bare) => {
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return address.port;
  };

  process.on('message', (raw: ChildRequest) => {
    switch (raw.type) {
      case 'cpu': {
        const { user, system } = process.cpuUsage();
        send({ type: 'cpu', id: raw.id, user, system, atNs: process.hrtime.bigint().toString() });
        return;
      }
      case 'mem': {
        if (raw.gc) (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        send({
          type: 'mem',
          id: raw.id,
          rss: m.rss,
          heapUsed: m.heapUsed,
          heapTotal: m.heapTotal,
          external: m.external,
          arrayBuffers: m.arrayBuffers,
        });
        return;
      }
      case 'profile':
        profile(raw.action, raw.file).then(
          () => send({ type: 'profile', id: raw.id }),
          (error: unknown) => send({ type: 'profile', id: raw.id, error: String(error) }),
        );
        return;
      case 'stop':
        void (async () => {
          await Promise.allSettled([forms.close(), floor.close(), bare.close()]);
          await store.close().catch(() => undefined);
          send({ type: 'stopped', id: raw.id });
          process.exit(0);
        })();
        return;
    }
  });
  process.on('disconnect', () => process.exit(0));

  send({
    type: 'ready',
    formsPort: portOf(forms as unknown as typeof bare),
    barePort: portOf(bare),
    floorPort: portOf(floor as unknown as typeof bare),
    pid: process.pid,
    redis: Boolean(config.redisUrl),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench child: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
