/**
 * `npm run bench`: one run, every ratio against a baseline measured in the same run.
 *   1. the bundled Action: its size against Auth0's 100 kB, and onExecutePostLogin against a
 *      bare Action (action.ts);
 *   2. the forms server over real sockets with autocannon, the servers in a child process whose
 *      CPU is read over IPC (scenarios.ts, visit-scenarios.ts, wrong-code.ts): the bare route (baseline), code-page visits,
 *      enroll-page visits and wrong-code POSTs in memory; code-page visits and wrong-code POSTs
 *      on Redis, as ratios to memory;
 *   3. the cap run: a small store filled and kept full by fresh visits (cap.ts);
 *   4. the memory run: 200 connections of fresh visits for a minute (memory.ts).
 * Prints a Markdown table and writes every figure to bench/results/latest.json.
 * Settings: BENCH_DURATION_SEC, BENCH_WARMUP_SEC, BENCH_MEMORY_SEC, BENCH_SKIP=action,redis,cap,memory, BENCH_CAP_SEC,
 * BENCH_LOG_LEVEL (the forms server's LOG_LEVEL, default info), REDIS_URL. Where a scenario's
 * time goes: bench/profile.ts.
 */
import { join } from 'node:path';
import { bundleSize, benchAction } from './action';
import { startAuthyStub } from './authy-stub';
import { startChild, type ServerChild } from './child';
import { capRun } from './cap';
import { memoryRun } from './memory';
import { startRedis } from './redis';
import { machine, markdown, writeResults, type Results } from './report';
import { benchBare, type ScenarioResult } from './scenarios';
import { benchFloor, benchVisits } from './visit-scenarios';
import { benchWrongCode, type WrongCodeResult } from './wrong-code';
import { loadAverage } from './system-cpu';
import { CAP_RUN, LOAD, MEMORY_RUN, WRONG_CODE, formsEnv } from './settings';

const RESULTS_DIR = join(__dirname, 'results');
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()));

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function brief(s: ScenarioResult): string {
  const { load } = s;
  return [
    `${s.name} [${s.mode}]: ${Math.round(load.reqPerSec)} req/s`,
    `p50 ${load.latencyMs.p50.toFixed(2)} ms, p99 ${load.latencyMs.p99.toFixed(2)} ms`,
    `${s.serverCpuUsPerReq.toFixed(1)} µs CPU/req`,
    `server ${s.serverCpuBusy.toFixed(2)} cores, load generator ${s.loadGenCpuBusy.toFixed(2)} cores`,
    `other processes ${s.otherCpuBusy?.toFixed(2) ?? '?'} cores`,
    `statuses ${JSON.stringify(load.statusCodes)}, checks ${JSON.stringify(s.checks)}`,
  ].join(', ');
}

/** The things that make a figure wrong; each one becomes a note and a failed exit. */
function problems(s: ScenarioResult): string[] {
  const found: string[] = [];
  if (s.load.bad > 0) found.push(`${s.name} [${s.mode}]: ${s.load.bad} answers not 2xx/3xx (${JSON.stringify(s.load.statusCodes)})`);
  if (s.load.errors > 0 || s.load.timeouts > 0) found.push(`${s.name} [${s.mode}]: ${s.load.errors} errors, ${s.load.timeouts} timeouts`);
  if (s.checks.wrongPage || s.checks.entryRefused || s.checks.unexpected)
    found.push(`${s.name} [${s.mode}]: unexpected answers ${JSON.stringify(s.checks)}`);
  return found;
}

async function withChild<T>(label: string, env: Record<string, string>, work: (child: ServerChild) => Promise<T>): Promise<T> {
  const child = await startChild({ label, env });
  try {
    return await work(child);
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  const notes: string[] = [];
  const failures: string[] = [];
  const http: ScenarioResult[] = [];
  const record = (s: ScenarioResult) => {
    say(`  ${brief(s)}`);
    http.push(s);
    failures.push(...problems(s));
  };
  const checkWrongCode = (s: WrongCodeResult) => {
    const line =
      `wrong code [${s.mode}]: Authy was asked ${s.authyVerifies} code checks on ${s.authyConnections} new TCP connections; ` +
      `the busiest visit took ${s.maxPostsPerVisit} POSTs (of ${WRONG_CODE.maxFailures - 1} allowed), ` +
      `and is still on the code page: ${s.stillOnCodePage}.`;
    say(`  ${line}`);
    notes.push(line);
    if (s.maxPostsPerVisit >= WRONG_CODE.maxFailures)
      failures.push(`wrong code [${s.mode}]: a visit took ${s.maxPostsPerVisit} POSTs (locks at ${WRONG_CODE.maxFailures})`);
    if (!s.stillOnCodePage) failures.push(`wrong code [${s.mode}]: the busiest visit is no longer on the code page`);
    // Requests cut when the run stops may have reached Authy without an answer counted here.
    if (Math.abs(s.authyVerifies - s.load.responses) > 2 * LOAD.connections) {
      failures.push(`wrong code [${s.mode}]: ${s.load.responses} POSTs answered but Authy saw ${s.authyVerifies} code checks`);
    }
  };

  const bundle = bundleSize();
  say(`Bundled Action: ${bundle.bytes} bytes (${(bundle.shareOfLimit * 100).toFixed(1)} % of 100 kB)`);
  let action: Results['action'] = [];
  if (!skip.has('action')) {
    say('Action onExecutePostLogin vs a bare Action (sandbox runtime)…');
    action = await benchAction();
    for (const a of action) say(`  ${a.user}: ${a.bundledUs.toFixed(1)} µs vs ${a.bareUs.toFixed(1)} µs (${a.ratio.toFixed(2)}x)`);
  }

  const authy = await startAuthyStub();
  let memory: Results['memoryRun'] = null;
  let cap: Results['capRun'] = null;
  try {
    say(`Forms server, memory store (${LOAD.connections} connections, ${LOAD.durationSec} s each)…`);
    await withChild('memory', formsEnv(authy.url, { VISIT_CAPACITY: '1000000' }), async (child) => {
      const target = { child };
      record(await benchBare(target));
      record(await benchFloor(target));
      record(await benchVisits(target, { name: 'code-page visit', label: 'code-mem', kind: 'enrolled', mode: 'memory' }));
      record(await benchVisits(target, { name: 'enroll-page visit', label: 'enroll-mem', kind: 'new', mode: 'memory' }));
      const post = await benchWrongCode(target, 'memory', authy);
      record(post);
      checkWrongCode(post);
    });

    if (!skip.has('redis')) {
      const redis = await startRedis();
      say(`Forms server, Redis store (${redis.own ? 'own redis-server' : 'REDIS_URL'})…`);
      try {
        const prefix = `bench${Date.now().toString(36)}:`;
        await withChild(
          'redis',
          formsEnv(authy.url, { VISIT_CAPACITY: '1000000', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix }),
          async (child) => {
            const target = { child, redisCpuUs: () => redis.cpuUs() };
            record(await benchVisits(target, { name: 'code-page visit', label: 'code-redis', kind: 'enrolled', mode: 'redis' }));
            const post = await benchWrongCode(target, 'redis', authy);
            record(post);
            checkWrongCode(post);
          },
        );
        if (!redis.own) notes.push("Redis: REDIS_URL (not the bench's own redis-server), so its CPU is not measured.");
      } finally {
        await redis.stop();
      }
    }

    if (!skip.has('cap')) {
      say(`Cap run (VISIT_CAPACITY=${CAP_RUN.capacity}, ${CAP_RUN.connections} connections of fresh visits)…`);
      cap = await withChild('cap-run', formsEnv(authy.url, { VISIT_CAPACITY: String(CAP_RUN.capacity) }), (child) => capRun(child));
      say(`  ${brief(cap.scenario)}`);
      say(
        `  before the cap ${Math.round(cap.beforeCap.reqPerSec)} req/s (${cap.beforeCap.seconds} s), ` +
          `past it ${Math.round(cap.pastCap.reqPerSec)} req/s (${cap.pastCap.seconds} s): ratio ${cap.ratio.toFixed(2)}`,
      );
      if (Object.keys(cap.unexpectedStatuses).length > 0)
        failures.push(`cap run: answers other than 200, 303, 400 and 503: ${JSON.stringify(cap.unexpectedStatuses)}`);
      if (cap.scenario.load.errors > 0 || cap.scenario.load.timeouts > 0)
        failures.push(`cap run: ${cap.scenario.load.errors} errors, ${cap.scenario.load.timeouts} timeouts`);
      if (cap.beforeCap.seconds < 1 || cap.pastCap.seconds < 5)
        failures.push(`cap run: ${cap.beforeCap.seconds} s before the cap and ${cap.pastCap.seconds} s past it (too few to compare)`);
      else if (cap.ratio < 0.5) failures.push(`cap run: throughput past the cap fell to ${cap.ratio.toFixed(2)} of before`);
    }

    if (!skip.has('memory')) {
      say('Memory run (200 connections of fresh visits)…');
      memory = await withChild(
        'memory-run',
        formsEnv(authy.url, {
          VISIT_MAX_SECONDS: String(MEMORY_RUN.visitMaxSeconds),
          NODE_OPTIONS: `--max-old-space-size=${MEMORY_RUN.heapLimitMiB}`,
        }),
        (child) => memoryRun(child),
      );
      say(`  ${brief(memory.scenario)}`);
      say(`  RSS start ${memory.rss.start}, peak ${memory.rss.peak}, end ${memory.rss.end}, after expiry ${memory.rss.afterExpiry}`);
      failures.push(...problems(memory.scenario));
    }
  } finally {
    await authy.close();
  }
  if (authy.unexpected > 0) failures.push(`the Authy stub got ${authy.unexpected} requests that were not code checks`);

  notes.push(
    'Each visit has its own token (random nonce), user id and client address ' +
      '(X-Forwarded-For through TRUST_PROXY=127.0.0.1, RATE_LIMIT_PER_MINUTE=100000): the rate limit is counted on every request ' +
      'but no bucket fills.',
    `Wrong-code POSTs: ${WRONG_CODE.visits} visits prepared beforehand per store (max_failures ${WRONG_CODE.maxFailures}), ` +
      'taken in turn; the Authy stub (in the bench process) answers 401 60020 at once.',
    `The forms server logs at LOG_LEVEL=${process.env.BENCH_LOG_LEVEL ?? 'info'} to /dev/null; ` +
      'the throughput children run with VISIT_CAPACITY=1000000, the memory run with the default.',
    `Memory run: VISIT_MAX_SECONDS=${MEMORY_RUN.visitMaxSeconds} (its smallest value, as long as the run), ` +
      `NODE_OPTIONS=--max-old-space-size=${MEMORY_RUN.heapLimitMiB} (docs/deploy.md's heap limit for the default VISIT_CAPACITY), ` +
      `so the visits are shortened by the token's exp (${MEMORY_RUN.tokenTtlSec} s): a visit ends with its link.`,
  );
  for (const failure of failures) notes.push(`PROBLEM: ${failure}`);

  const results: Results = {
    date: new Date().toISOString(),
    machine: machine(),
    load: LOAD,
    bundle,
    action,
    http,
    memoryRun: memory,
    capRun: cap,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    notes,
  };
  const file = writeResults(results, RESULTS_DIR);
  process.stdout.write(`\n${markdown(results)}\n\nAll figures: ${file}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
