/**
 * The cap run: a memory-mode server child whose store holds few visits (VISIT_CAPACITY), 200
 * connections opening fresh visits with long-lived links, so that the store fills within a few
 * seconds and every later entry is refused. What must hold past the cap: each refused entry is
 * the 503 "busy" page (never a 500), the visits already open are untouched, and throughput stays
 * flat (no request scans the store). Reports the answers by status and the throughput of the
 * seconds before the cap against the seconds past it.
 */
import type { ServerChild } from './child';
import type { ScenarioResult } from './scenarios';
import { benchVisits } from './visit-scenarios';
import { CAP_RUN } from './settings';

export interface CapRunResult {
  capacity: number;
  connections: number;
  durationSec: number;
  scenario: ScenarioResult;
  /** Seconds with no refused answer, and seconds where most answers were refused (past the cap). */
  beforeCap: { seconds: number; reqPerSec: number };
  pastCap: { seconds: number; reqPerSec: number };
  /** pastCap ÷ beforeCap req/s. */
  ratio: number;
  /** Answers other than 200, 303, 400 (the page of a refused visit) and 503: must be none. */
  unexpectedStatuses: Record<string, number>;
}

function average(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

export async function capRun(child: ServerChild): Promise<CapRunResult> {
  const scenario = await benchVisits(
    { child },
    {
      name: `cap run: fresh visits past VISIT_CAPACITY=${CAP_RUN.capacity}`,
      label: 'cap',
      kind: 'enrolled',
      mode: 'memory',
      connections: CAP_RUN.connections,
      durationSec: CAP_RUN.durationSec,
      tokenTtlSec: 3600,
    },
  );
  const whole = Math.floor(scenario.load.durationSec);
  const perSecond = scenario.load.perSecond.slice(0, whole);
  const bad = scenario.load.perSecondBad.slice(0, whole);
  const before = perSecond.filter((_, i) => bad[i] === 0);
  const past = perSecond.filter((count, i) => bad[i] > count / 3);
  const unexpectedStatuses = Object.fromEntries(
    Object.entries(scenario.load.statusCodes).filter(([code]) => !['200', '303', '400', '503'].includes(code)),
  );
  const beforeCap = { seconds: before.length, reqPerSec: average(before) };
  const pastCap = { seconds: past.length, reqPerSec: average(past) };
  return {
    capacity: CAP_RUN.capacity,
    connections: CAP_RUN.connections,
    durationSec: scenario.load.durationSec,
    scenario,
    beforeCap,
    pastCap,
    ratio: beforeCap.reqPerSec ? pastCap.reqPerSec / beforeCap.reqPerSec : 0,
    unexpectedStatuses,
  };
}
