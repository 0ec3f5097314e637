/**
 * Where a scenario's server time goes: runs one scenario against a fresh server child and
 * profiles the child's main thread (node:inspector) over the measured run only (not the start-up,
 * not the warm-up), then prints the top functions. Not part of `npm run bench` (the profiler
 * slows the server down).
 * Run: node --import tsx bench/profile.ts [code-memory|enroll-memory|post-memory|code-redis|post-redis ...]
 * Profiles (open them in Chrome DevTools) and summaries: bench/results/profiles/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAuthyStub } from './authy-stub';
import { startChild } from './child';
import { formatSummary, summarize } from './cpu-profile';
import { startRedis, type BenchRedis } from './redis';
import type { Mode, ScenarioResult, Target } from './scenarios';
import { benchVisits } from './visit-scenarios';
import { benchWrongCode } from './wrong-code';
import { formsEnv } from './settings';

const DIR = join(__dirname, 'results', 'profiles');
const ALL = ['code-memory', 'enroll-memory', 'post-memory', 'code-redis', 'post-redis'];

async function profileOne(name: string, authy: Awaited<ReturnType<typeof startAuthyStub>>): Promise<void> {
  const [what, mode] = name.split('-') as [string, Mode];
  if (!['code', 'enroll', 'post'].includes(what) || !['memory', 'redis'].includes(mode))
    throw new Error(`unknown scenario ${name}; one of ${ALL.join(', ')}`);
  let redis: BenchRedis | null = null;
  const extra: Record<string, string> = { VISIT_CAPACITY: '1000000' };
  if (mode === 'redis') {
    redis = await startRedis();
    Object.assign(extra, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `prof${Date.now().toString(36)}:` });
  }
  const file = join(DIR, `${name}.cpuprofile`);
  const child = await startChild({ label: name, env: formsEnv(authy.url, extra) });
  let result: ScenarioResult;
  try {
    const target: Target = {
      child,
      around: { start: () => child.profile('start'), end: () => child.profile('stop', file) },
      ...(redis ? { redisCpuUs: () => redis.cpuUs() } : {}),
    };
    if (what === 'post') result = await benchWrongCode(target, mode, authy);
    else
      result = await benchVisits(target, {
        name: `${what}-page visit`,
        label: `prof-${name}`,
        kind: what === 'code' ? 'enrolled' : 'new',
        mode,
      });
  } finally {
    await child.stop();
    await redis?.stop();
  }
  const summary = summarize(file, 25);
  const title =
    `${name} (${Math.round(result.load.reqPerSec)} req/s under the profiler, ${result.serverCpuUsPerReq.toFixed(1)} µs CPU/req, ` +
    `other processes ${result.otherCpuBusy?.toFixed(2) ?? '?'} cores)`;
  const text = `${formatSummary(title, summary)}\n`;
  writeFileSync(join(DIR, `${name}.txt`), text);
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
  mkdirSync(DIR, { recursive: true });
  const authy = await startAuthyStub();
  try {
    for (const name of names) await profileOne(name, authy);
  } finally {
    await authy.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
