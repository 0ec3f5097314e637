/**
 * Where a scenario's server time goes: runs one scenario against a server child started with
 * `node --cpu-prof` (one child per scenario, so one profile per scenario), then prints the top
 * functions of its profile. Not part of `npm run bench` (profiling slows the server down).
 * Run: node --import tsx bench/profile.ts [code-memory|enroll-memory|post-memory|code-redis|post-redis ...]
 * Profiles and summaries: bench/results/profiles/.
 */
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAuthyStub } from './authy-stub';
import { startChild } from './child';
import { formatSummary, summarize } from './cpu-profile';
import { startRedis, type BenchRedis } from './redis';
import { benchVisits, benchWrongCode, type Mode, type ScenarioResult } from './scenarios';
import { formsEnv } from './settings';

const DIR = join(__dirname, 'results', 'profiles');
const ALL = ['code-memory', 'enroll-memory', 'post-memory', 'code-redis', 'post-redis'];

async function profileOne(name: string, authy: Awaited<ReturnType<typeof startAuthyStub>>): Promise<void> {
  const [what, mode] = name.split('-') as [string, Mode];
  if (!['code', 'enroll', 'post'].includes(what) || !['memory', 'redis'].includes(mode)) throw new Error(`unknown scenario ${name}; one of ${ALL.join(', ')}`);
  let redis: BenchRedis | null = null;
  const extra: Record<string, string> = { VISIT_CAPACITY: '1000000' };
  if (mode === 'redis') {
    redis = await startRedis();
    Object.assign(extra, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `prof${Date.now().toString(36)}:` });
  }
  const dir = join(DIR, name);
  rmSync(dir, { recursive: true, force: true });
  const child = await startChild({ label: name, env: formsEnv(authy.url, extra), cpuProfileDir: dir });
  let result: ScenarioResult;
  try {
    const target = { child, ...(redis ? { redisCpuUs: redis.cpuUs } : {}) };
    if (what === 'post') result = await benchWrongCode(target, mode, authy);
    else result = await benchVisits(target, { name: `${what}-page visit`, label: `prof-${name}`, kind: what === 'code' ? 'enrolled' : 'new', mode });
  } finally {
    await child.stop();
    await redis?.stop();
  }
  // The main thread's profile (the largest; the tsx loader thread writes a small one).
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = profiles.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
  if (!main) throw new Error(`no CPU profile in ${dir}`);
  const summary = summarize(join(dir, main), 25);
  const text = `${formatSummary(`${name} (${Math.round(result.load.reqPerSec)} req/s under the profiler, ${result.serverCpuUsPerReq.toFixed(1)} µs CPU/req)`, summary)}\n`;
  writeFileSync(join(DIR, `${name}.txt`), text);
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
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
