/**
 * The bench's report: the machine, the figures as a Markdown table (to paste into the README),
 * and every figure as JSON in bench/results/latest.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';
import type { ActionTiming, BundleSize } from './action';
import type { CapRunResult } from './cap';
import type { MemoryRunResult } from './memory';
import type { ScenarioResult } from './scenarios';
import { LOAD } from './settings';

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  kernel: string;
  commit: string;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machine(): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux.
  }
  const commit = run('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no']) !== '';
  return {
    nproc: Number(run('nproc', [])) || availableParallelism(),
    cpuModel,
    node: process.version,
    kernel: release(),
    commit: commit ? `${commit}${dirty ? ' (working tree changed)' : ''}` : 'unknown',
  };
}

export interface Results {
  date: string;
  machine: Machine;
  load: typeof LOAD;
  bundle: BundleSize;
  action: ActionTiming[];
  http: ScenarioResult[];
  memoryRun: MemoryRunResult | null;
  capRun: CapRunResult | null;
  /** 1-minute load average before and after the run (other work on the machine skews the figures). */
  loadAverage: { start: number | null; end: number | null };
  notes: string[];
}

const n0 = (value: number) => Math.round(value).toLocaleString('en-US');
const n1 = (value: number) => value.toFixed(1);
const n2 = (value: number) => value.toFixed(2);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const ratio = (value: number | null, digits = 2) => (value === null ? '–' : value.toFixed(digits));

function httpTable(results: Results): string[] {
  const head = ['Scenario', 'Store', 'req/s', 'visits/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server CPU (cores)'];
  head.push('other processes (cores)', 'req/s ÷ bare', 'CPU/req ÷ bare', 'Redis ÷ memory');
  const lines = [row(head), row(['---', '---', ...head.slice(2).map(() => '--:')])];
  const bare = results.http.find((s) => s.mode === 'bare');
  for (const s of results.http) {
    const memory = s.mode === 'redis' ? results.http.find((o) => o.mode === 'memory' && o.name === s.name) : undefined;
    const redisCpu = s.redisCpuUsPerReq !== null ? ` (+ redis-server ${n1(s.redisCpuUsPerReq)})` : '';
    const vsMemory = memory
      ? `${n2(s.load.reqPerSec / memory.load.reqPerSec)} (CPU/req ${n2(s.serverCpuUsPerReq / memory.serverCpuUsPerReq)})`
      : '–';
    lines.push(
      row([
        s.name,
        s.mode === 'bare' || s.mode === 'floor' ? '–' : s.mode,
        n0(s.load.reqPerSec),
        s.requestsPerUnit === 2 ? n0(s.load.reqPerSec / 2) : '–',
        n2(s.load.latencyMs.p50),
        n2(s.load.latencyMs.p99),
        `${n1(s.serverCpuUsPerReq)}${redisCpu}`,
        n2(s.serverCpuBusy),
        ratio(s.otherCpuBusy),
        ratio(bare ? s.load.reqPerSec / bare.load.reqPerSec : null),
        ratio(bare ? s.serverCpuUsPerReq / bare.serverCpuUsPerReq : null, 1),
        vsMemory,
      ]),
    );
  }
  return lines;
}

function memoryRunLines(run: MemoryRunResult): string[] {
  const load = run.scenario.load;
  const { rss, heapUsed } = run;
  return [
    `Memory run (memory store): ${run.connections} connections of fresh visits for ${n0(run.durationSec)} s, ` +
      `tokens expiring after ${run.tokenTtlSec} s.`,
    '',
    row(['', 'start', 'peak', 'end', 'end + GC', 'after expiry + GC']),
    row(['---', '--:', '--:', '--:', '--:', '--:']),
    row(['RSS', mib(rss.start), mib(rss.peak), mib(rss.end), mib(rss.endAfterGc), mib(rss.afterExpiry)]),
    row(['heap used', mib(heapUsed.start), mib(heapUsed.peak), mib(heapUsed.end), mib(heapUsed.endAfterGc), mib(heapUsed.afterExpiry)]),
    '',
    `About ${n0(run.openVisitsAtEnd)} visits open at the end (those of the last ${run.tokenTtlSec} s): ` +
      `${(run.heapPerOpenVisit / 1024).toFixed(1)} KiB of live heap per open visit (end + GC less after expiry + GC).`,
    '',
    `Throughput ${n0(load.reqPerSec)} req/s (${n0(load.reqPerSec / 2)} visits/s), ` +
      `first 10 s ${n0(run.throughput.first10sReqPerSec)} req/s, last 10 s ${n0(run.throughput.last10sReqPerSec)} req/s ` +
      `(ratio ${n2(run.throughput.ratio)}); p50 ${n2(load.latencyMs.p50)} ms, p99 ${n2(load.latencyMs.p99)} ms; ` +
      `server CPU ${n1(run.scenario.serverCpuUsPerReq)} µs/req, other processes ${ratio(run.scenario.otherCpuBusy)} cores; ` +
      `answers not 2xx/3xx: ${run.bad}; errors: ${run.errors}; timeouts: ${run.timeouts}.`,
  ];
}

/** What the stack costs before any visit work, and what each visit scenario adds on top (µs of server CPU per request). */
function floorSummary(results: Results): string | null {
  const bare = results.http.find((s) => s.mode === 'bare');
  const floor = results.http.find((s) => s.mode === 'floor');
  if (!bare || !floor) return null;
  const added = results.http
    .filter((s) => s.mode === 'memory' && s.requestsPerUnit === 2)
    .map((s) => `${s.name} ${n1(s.serverCpuUsPerReq - floor.serverCpuUsPerReq)}`);
  return (
    `Stack floor (floor-app.ts: the forms server's logger, rate limit, views and security headers around a visit-shaped pair of ` +
    `routes that do no visit work): ${n1(floor.serverCpuUsPerReq)} µs CPU/req, ${ratio(floor.load.reqPerSec / bare.load.reqPerSec)} ` +
    `of the bare route's req/s. Added by the visit's own work (link check, store, audit line, metrics), µs CPU/req: ${added.join(', ')}.`
  );
}

function capRunLines(run: CapRunResult): string[] {
  const statuses = Object.entries(run.scenario.load.statusCodes)
    .map(([code, count]) => `${code}: ${n0(count)}`)
    .join(', ');
  return [
    `Cap run (memory store, VISIT_CAPACITY=${n0(run.capacity)}): ${run.connections} connections of fresh visits for ` +
      `${n0(run.durationSec)} s with hour-long links, so the store fills and every later entry is refused. ` +
      `Before the cap ${n0(run.beforeCap.reqPerSec)} req/s (${run.beforeCap.seconds} s), past it ` +
      `${n0(run.pastCap.reqPerSec)} req/s (${run.pastCap.seconds} s): ratio ${n2(run.ratio)}. Answers: ${statuses} ` +
      '(503: the busy page of a refused entry; 400: the page request of a refused visit, which has no cookie).',
  ];
}

export function markdown(results: Results): string {
  const m = results.machine;
  const { start, end } = results.loadAverage;
  const lines: string[] = [];
  lines.push(
    `Machine: ${m.nproc} CPU (\`nproc\`), ${m.cpuModel}, Node ${m.node}, Linux ${m.kernel}; commit ${m.commit}; ${results.date}; ` +
      `load average ${start ?? '?'} at the start, ${end ?? '?'} at the end.`,
  );
  lines.push(
    'HTTP over real sockets (autocannon in the bench process, the servers in a child process), ' +
      `${results.load.connections} connections, ${results.load.durationSec} s each after a ${results.load.warmupSec} s warm-up. ` +
      'A visit is 2 requests (entry 303 + page 200). ' +
      "Server CPU: the child's `process.cpuUsage()` over the run per response (1.00 cores = one core busy). " +
      "Other processes: the rest of the machine's busy CPU (/proc/stat) during the run; the figures are only as good as that is low. " +
      'The bare route is bounded by the load generator as much as by the server (both share 2 cores), ' +
      'so CPU/req ÷ bare is the cleaner cost ratio.',
  );
  lines.push('', ...httpTable(results), '');
  const floorLine = floorSummary(results);
  if (floorLine) lines.push(floorLine, '');
  lines.push('| Action `onExecutePostLogin` (sandbox runtime) | CPU µs per login | bare Action CPU µs | ratio |');
  lines.push('|---|--:|--:|--:|');
  for (const a of results.action) {
    lines.push(row([a.user === 'enrolled' ? 'enrolled user' : 'new user (email sealed)', n1(a.bundledUs), n1(a.bareUs), n2(a.ratio)]));
  }
  const { bytes, shareOfLimit } = results.bundle;
  lines.push('');
  lines.push(
    `Bundled Action \`code.js\`: ${n0(bytes)} bytes = ${(shareOfLimit * 100).toFixed(1)} % of Auth0's 100 kB limit ` +
      `(ratio ${n2(shareOfLimit)}).`,
  );
  if (results.capRun) lines.push('', ...capRunLines(results.capRun));
  if (results.memoryRun) lines.push('', ...memoryRunLines(results.memoryRun));
  if (results.notes.length > 0) {
    lines.push('');
    for (const note of results.notes) lines.push(`- ${note}`);
  }
  return lines.join('\n');
}

export function writeResults(results: Results, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
