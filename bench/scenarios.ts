/**
 * The HTTP scenarios, each a warm-up and a measured autocannon run against the server child,
 * with the child's CPU time read over IPC before and after (so the load generator's own CPU is
 * not counted). Here: what they share (`measured`) and the bare route, GET /bare on the child's
 * bare Fastify app (the baseline). The visits (code page, enroll page, the stack floor) are in
 * visit-scenarios.ts, the wrong-code POSTs in wrong-code.ts.
 */
import type { ServerChild } from './child';
import { runLoad, type LoadStats } from './http';
import { LOAD } from './settings';
import { machineBusyUs } from './system-cpu';

export type Mode = 'memory' | 'redis';

export interface ScenarioResult {
  name: string;
  /** 'bare': the baseline route; 'floor': the stack-floor app (floor-app.ts). */
  mode: Mode | 'bare' | 'floor';
  connections: number;
  load: LoadStats;
  /** Requests per visit (2 for a visit scenario, 1 otherwise). */
  requestsPerUnit: number;
  /** The server child's CPU time over the run divided by responses, µs. */
  serverCpuUsPerReq: number;
  /** The server child's CPU time over wall time (1 = one core busy). */
  serverCpuBusy: number;
  /** The load generator's (this process's) CPU over wall time. */
  loadGenCpuBusy: number;
  /** The bench's own redis-server's CPU per response, µs (Redis runs only). */
  redisCpuUsPerReq: number | null;
  /** CPU the rest of the machine (other processes) used during the run, in cores; null off Linux. */
  otherCpuBusy: number | null;
  /** What the scenario checked in the answers (right pages, cookies, 303s to the flow). */
  checks: Record<string, number>;
}

export interface Target {
  child: ServerChild;
  /** Called just before and just after each measured run (not the warm-ups), e.g. to profile it. */
  around?: { start(): Promise<void>; end(): Promise<void> };
  /** CPU time of the Redis server, µs, when the bench runs it. */
  redisCpuUs?: () => number | null;
}

/** Counts one more `key`. */
export function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (Object.hasOwn(counts, key) ? counts[key] : 0) + 1;
}

/** After a warm-up: the requests it cut short reach the server and end before the clock starts. */
const SETTLE_MS = 300;

export async function measured(
  name: string,
  mode: ScenarioResult['mode'],
  target: Target,
  requestsPerUnit: number,
  checks: Record<string, number>,
  run: () => Promise<LoadStats>,
  atStart?: () => void,
): Promise<ScenarioResult> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  atStart?.();
  await target.around?.start();
  const machine0 = machineBusyUs();
  const cpu0 = await target.child.cpu();
  const self0 = process.cpuUsage();
  const redis0 = target.redisCpuUs?.() ?? null;
  const load = await run();
  const cpu1 = await target.child.cpu();
  const self = process.cpuUsage(self0);
  const redis1 = target.redisCpuUs?.() ?? null;
  const machine1 = machineBusyUs();
  await target.around?.end();
  const wallUs = Number(cpu1.atNs - cpu0.atNs) / 1000;
  const serverCpuUs = cpu1.cpuUs - cpu0.cpuUs;
  const selfUs = self.user + self.system;
  const redisUs = redis0 !== null && redis1 !== null ? redis1 - redis0 : null;
  const otherUs = machine0 !== null && machine1 !== null ? machine1 - machine0 - serverCpuUs - selfUs - (redisUs ?? 0) : null;
  return {
    name,
    mode,
    connections: LOAD.connections,
    load,
    requestsPerUnit,
    serverCpuUsPerReq: serverCpuUs / Math.max(1, load.responses),
    serverCpuBusy: serverCpuUs / wallUs,
    loadGenCpuBusy: selfUs / wallUs,
    redisCpuUsPerReq: redisUs !== null ? redisUs / Math.max(1, load.responses) : null,
    otherCpuBusy: otherUs !== null ? Math.max(0, otherUs) / wallUs : null,
    checks,
  };
}

// ---------------------------------------------------------------- bare

export async function benchBare(target: Target): Promise<ScenarioResult> {
  const spec = (durationSec: number) => ({
    url: `${target.child.bareUrl}/bare`,
    connections: LOAD.connections,
    durationSec,
    requests: [{ method: 'GET' as const, path: '/bare' }],
  });
  await runLoad(spec(LOAD.warmupSec));
  return measured('bare route (GET /bare)', 'bare', target, 1, {}, () => runLoad(spec(LOAD.durationSec)));
}
