/**
 * Reads a V8 CPU profile (node --cpu-prof) and says where the time goes: the functions with the
 * most self time, the functions with the most inclusive time (each counted once per sample,
 * whatever the recursion), and self time by origin (a package under node_modules, Node's own
 * code, the project's files).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Entry {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleShare: number;
  self: Entry[];
  inclusive: Entry[];
  byOrigin: Entry[];
}

const ROOT = process.cwd();

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
}

function keyOf(frame: CallFrame): string {
  // tsx compiles each TypeScript file to a line or two: its line numbers say nothing.
  const url = shortUrl(frame.url);
  const where = url ? ` ${url}${url.endsWith('.ts') ? '' : `:${frame.lineNumber + 1}`}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

function originOf(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  return url.split('/').slice(0, 2).join('/');
}

function top(map: Map<string, number>, totalMs: number, n: number): Entry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms, share: ms / totalMs }));
}

export function summarize(file: string, n = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas.at(i + 1) ?? profile.timeDeltas.at(i) ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const key = keyOf(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + ms);
    const origin = originOf(node.callFrame);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  });
  const busyMs = totalMs - idleMs;
  return {
    totalMs,
    idleShare: totalMs ? idleMs / totalMs : 0,
    self: top(self, busyMs, n),
    inclusive: top(inclusive, busyMs, n),
    byOrigin: top(byOrigin, busyMs, n),
  };
}

export function formatSummary(title: string, summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `${title}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${pct(summary.idleShare)} idle; shares below are of the busy time`,
  ];
  lines.push('  self time:');
  for (const e of summary.self) lines.push(`    ${pct(e.share)}  ${e.name}`);
  lines.push('  inclusive time:');
  for (const e of summary.inclusive) lines.push(`    ${pct(e.share)}  ${e.name}`);
  lines.push('  self time by origin:');
  for (const e of summary.byOrigin) lines.push(`    ${pct(e.share)}  ${e.name}`);
  return lines.join('\n');
}
