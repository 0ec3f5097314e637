/**
 * The memory run: a fresh memory-mode server child, 200 connections opening fresh visits
 * (entry + code page) for a minute. The visit's longest life is a setting (VISIT_MAX_SECONDS),
 * but at least 60 s, as long as the run; a visit also ends with its link, so the tokens are
 * minted during the run with a short `exp` (20 s) and the run reaches a steady state. Reports the child's RSS (start, peak,
 * end, and once the run's visits have expired), the answers that were not 2xx/3xx, the errors,
 * and the throughput of the first and last 10 seconds.
 */
import type { ServerChild } from './child';
import type { MemReply } from './child-protocol';
import type { ScenarioResult } from './scenarios';
import { benchVisits } from './visit-scenarios';
import { MEMORY_RUN } from './settings';
import { LinkSource } from './tokens';

export interface MemorySample {
  atSec: number;
  rss: number;
  heapUsed: number;
}

export interface MemoryRunResult {
  connections: number;
  durationSec: number;
  tokenTtlSec: number;
  scenario: ScenarioResult;
  rss: { start: number; peak: number; end: number; endAfterGc: number; afterExpiry: number };
  heapUsed: { start: number; peak: number; end: number; endAfterGc: number; afterExpiry: number };
  /** Visits opened in the last token lifetime of the run: about the visits still open at its end. */
  openVisitsAtEnd: number;
  /** Live heap per open visit at the end of the run (end after GC less start, over open visits), bytes. */
  heapPerOpenVisit: number;
  /** Answers that were not 2xx or 3xx, and socket errors and timeouts: all must be 0. */
  bad: number;
  errors: number;
  timeouts: number;
  throughput: { first10sReqPerSec: number; last10sReqPerSec: number; ratio: number; perSecond: number[] };
  samples: MemorySample[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function average(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

export async function memoryRun(child: ServerChild): Promise<MemoryRunResult> {
  const start: MemReply = await child.mem(true);
  const samples: MemorySample[] = [{ atSec: 0, rss: start.rss, heapUsed: start.heapUsed }];
  const t0 = Date.now();
  const state = { sampling: true };
  const sampler = (async () => {
    while (state.sampling) {
      await sleep(1000);
      const m = await child.mem(false);
      samples.push({ atSec: (Date.now() - t0) / 1000, rss: m.rss, heapUsed: m.heapUsed });
    }
  })();

  const scenario = await benchVisits(
    { child },
    {
      name: 'memory run: fresh visits (entry + code page)',
      label: 'mem',
      kind: 'enrolled',
      mode: 'memory',
      connections: MEMORY_RUN.connections,
      durationSec: MEMORY_RUN.durationSec,
      tokenTtlSec: MEMORY_RUN.tokenTtlSec,
      mintDuringRun: true,
    },
  );
  state.sampling = false;
  await sampler;
  const end = await child.mem(false);
  samples.push({ atSec: (Date.now() - t0) / 1000, rss: end.rss, heapUsed: end.heapUsed });
  const endedAt = Date.now();
  // What is live with the run's last visits still open.
  const endGc = await child.mem(true);

  // Once every visit of the run has expired, one more visit lets the store drop them (the memory
  // store drops what expired on its next call), then a full GC.
  await sleep(Math.max(0, MEMORY_RUN.tokenTtlSec * 1000 + 1500 - (Date.now() - endedAt)));
  const link = new LinkSource('mem-after', 'enrolled', 60).next();
  const entry = await fetch(`${child.formsUrl}${link.path}`, { redirect: 'manual', headers: { 'x-forwarded-for': link.address } });
  await entry.arrayBuffer();
  const after = await child.mem(true);
  samples.push({ atSec: (Date.now() - t0) / 1000, rss: after.rss, heapUsed: after.heapUsed });

  // Whole seconds of the measured run only (its last bucket is partial).
  const perSecond = scenario.load.perSecond.slice(0, Math.floor(scenario.load.durationSec));
  const first = average(perSecond.slice(0, 10));
  const last = average(perSecond.slice(-10));
  // Each visit is two responses; those of the last token lifetime are still open.
  const openVisitsAtEnd = Math.round(perSecond.slice(-MEMORY_RUN.tokenTtlSec).reduce((a, b) => a + b, 0) / 2);
  return {
    connections: MEMORY_RUN.connections,
    durationSec: scenario.load.durationSec,
    tokenTtlSec: MEMORY_RUN.tokenTtlSec,
    scenario,
    rss: { start: start.rss, peak: Math.max(...samples.map((s) => s.rss)), end: end.rss, endAfterGc: endGc.rss, afterExpiry: after.rss },
    heapUsed: {
      start: start.heapUsed,
      peak: Math.max(...samples.map((s) => s.heapUsed)),
      end: end.heapUsed,
      endAfterGc: endGc.heapUsed,
      afterExpiry: after.heapUsed,
    },
    openVisitsAtEnd,
    heapPerOpenVisit: openVisitsAtEnd ? (endGc.heapUsed - after.heapUsed) / openVisitsAtEnd : 0,
    bad: scenario.load.bad,
    errors: scenario.load.errors,
    timeouts: scenario.load.timeouts,
    throughput: { first10sReqPerSec: first, last10sReqPerSec: last, ratio: first ? last / first : 0, perSecond },
    samples,
  };
}
