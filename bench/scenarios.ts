/**
 * The HTTP scenarios, each a warm-up and a measured autocannon run against the server child,
 * with the child's CPU time read over IPC before and after (so the load generator's own CPU is
 * not counted):
 *   - bare: GET /bare on the child's bare Fastify app (the baseline);
 *   - code page / enroll page: a visit = entry (303, sets the visit cookie) + GET /2fa/flow,
 *     a fresh token, user and client address per visit;
 *   - wrong code: one POST /2fa/verify (303, not followed) per request on visits prepared
 *     beforehand, Authy answering 401 60020 at once.
 */
import type autocannon from 'autocannon';
import { FLOW_COOKIE } from '../forms-server/plugins/visit-cookie';
import type { ServerChild } from './child';
import { headerOf, runLoad, type LoadStats } from './http';
import { FLOOR_ENTRY, FLOOR_PAGE } from './floor-app';
import { LinkSource, nextAddress, type UserKind } from './tokens';
import { LOAD, WRONG_CODE } from './settings';
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
function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (Object.hasOwn(counts, key) ? counts[key] : 0) + 1;
}

/** After a warm-up: the requests it cut short reach the server and end before the clock starts. */
const SETTLE_MS = 300;

async function measured(
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

// ---------------------------------------------------------------- visits: entry + page

interface VisitContext {
  cookie?: string;
  address?: string;
}

const PAGE_MARK: Record<UserKind, string> = { enrolled: 'action="/2fa/verify"', new: 'name="phone"' };

/** Where one visit starts: the entry path (with its link) and the client address it comes from. */
type NextVisit = () => { path: string; address: string };

/**
 * One visit as two requests: the entry (its 303 must set the visit cookie), then the page with
 * that cookie from the same address (it must be the page `mark` names).
 */
function visitRequests(next: NextVisit, pagePath: string, mark: string, checks: Record<string, number>): autocannon.Request[] {
  return [
    {
      method: 'GET',
      setupRequest: (request, context) => {
        const ctx = context as VisitContext;
        const visit = next();
        ctx.address = visit.address;
        delete ctx.cookie;
        return { ...request, path: visit.path, headers: { 'x-forwarded-for': visit.address } };
      },
      onResponse: (status, _body, context, headers) => {
        const ctx = context as VisitContext;
        const line = headerOf(headers as Record<string, unknown>, 'set-cookie').find((l) => l.startsWith(`${FLOW_COOKIE}=`));
        const cookie = line?.slice(FLOW_COOKIE.length + 1).split(';')[0];
        if (status === 303 && cookie) {
          ctx.cookie = cookie;
          bump(checks, 'entries');
        } else bump(checks, 'entryRefused');
      },
    },
    {
      method: 'GET',
      path: pagePath,
      setupRequest: (request, context) => {
        const ctx = context as VisitContext;
        return {
          ...request,
          headers: { 'x-forwarded-for': ctx.address ?? '10.255.255.255', cookie: `${FLOW_COOKIE}=${ctx.cookie ?? 'none'}` },
        };
      },
      onResponse: (status, body) => {
        if (status === 200 && body.includes(mark)) bump(checks, 'rightPage');
        else bump(checks, 'wrongPage');
      },
    },
  ];
}

/** A forms-server visit: a fresh link (token, user, address) each time. */
function linkVisits(links: LinkSource, checks: Record<string, number>): autocannon.Request[] {
  return visitRequests(() => links.next(), '/2fa/flow', PAGE_MARK[links.kind], checks);
}

// ---------------------------------------------------------------- the stack's floor

/**
 * Visits on the stack-floor app (floor-app.ts): the same two requests as a code-page visit (a
 * client address of its own per visit, the cookie read from the 303 and sent with the page, the
 * page checked), with none of the visit's own work on the server.
 */
export async function benchFloor(target: Target): Promise<ScenarioResult> {
  let visits = 0;
  // 10.128.0.0 and up: apart from the visits' addresses (another app, another limiter, all the same).
  const next = () => ({ path: FLOOR_ENTRY, address: nextAddress((1 << 23) + (visits++ % (1 << 22))) });
  const spec = (durationSec: number, checks: Record<string, number>) => ({
    url: target.child.floorUrl,
    connections: LOAD.connections,
    durationSec,
    requests: visitRequests(next, FLOOR_PAGE, PAGE_MARK.enrolled, checks),
  });
  await runLoad(spec(LOAD.warmupSec, {}));
  const checks: Record<string, number> = {};
  return measured('stack floor: entry + code page, no visit work', 'floor', target, 2, checks, () =>
    runLoad(spec(LOAD.durationSec, checks)),
  );
}

// ---------------------------------------------------------------- visits on the forms server

export interface VisitScenario {
  name: string;
  label: string;
  kind: UserKind;
  mode: Mode;
  connections?: number;
  durationSec?: number;
  tokenTtlSec?: number;
  /** Mint every token during the run (short-lived tokens), instead of ahead of it. */
  mintDuringRun?: boolean;
}

export async function benchVisits(
  target: Target,
  scenario: VisitScenario,
): Promise<ScenarioResult & { mintedLate: number; minted: number }> {
  const ttl = scenario.tokenTtlSec ?? 600;
  const connections = scenario.connections ?? LOAD.connections;
  const warmLinks = new LinkSource(`${scenario.label}-warm`, scenario.kind, ttl);
  const warm = await runLoad({
    url: target.child.formsUrl,
    connections,
    durationSec: LOAD.warmupSec,
    requests: linkVisits(warmLinks, {}),
  });

  const links = new LinkSource(scenario.label, scenario.kind, ttl);
  const durationSec = scenario.durationSec ?? LOAD.durationSec;
  if (!scenario.mintDuringRun) {
    // Twice the warm-up's visit rate (a warmed server is faster), minted before the clock starts.
    const visitsPerSec = warm.responses / 2 / warm.durationSec;
    links.prepare(Math.ceil(visitsPerSec * durationSec * 2) + 2 * connections);
  }
  const checks: Record<string, number> = {};
  const result = await measured(scenario.name, scenario.mode, target, 2, checks, () =>
    runLoad({ url: target.child.formsUrl, connections, durationSec, requests: linkVisits(links, checks) }),
  );
  return { ...result, connections, mintedLate: links.mintedLate, minted: links.used };
}

// ---------------------------------------------------------------- wrong-code POSTs

interface PreparedVisit {
  cookie: string;
  address: string;
  body: string;
}

/** Opens `count` visits of enrolled users (max_failures 100) and reads each one's CSRF token. */
async function prepareVisits(baseUrl: string, count: number, label: string): Promise<PreparedVisit[]> {
  const links = new LinkSource(label, 'enrolled', 3600, WRONG_CODE.maxFailures);
  const visits: PreparedVisit[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started += 1;
      const link = links.next();
      const entry = await fetch(`${baseUrl}${link.path}`, { redirect: 'manual', headers: { 'x-forwarded-for': link.address } });
      await entry.arrayBuffer();
      const line = entry.headers.getSetCookie().find((l) => l.startsWith(`${FLOW_COOKIE}=`));
      if (entry.status !== 303 || !line) throw new Error(`preparing visits: entry answered ${entry.status}`);
      const cookie = line.split(';')[0];
      const page = await fetch(`${baseUrl}/2fa/flow`, { headers: { cookie, 'x-forwarded-for': link.address } });
      const html = await page.text();
      const csrf = /name="csrf" value="([^"]*)"/.exec(html)?.[1];
      if (page.status !== 200 || !csrf || !html.includes(PAGE_MARK.enrolled))
        throw new Error(`preparing visits: the code page answered ${page.status}`);
      visits.push({ cookie, address: link.address, body: new URLSearchParams({ csrf, code: WRONG_CODE.code }).toString() });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return visits;
}

export interface WrongCodeResult extends ScenarioResult {
  visits: number;
  /** POSTs the busiest visit took (warm-up included); must stay under max_failures. */
  maxPostsPerVisit: number;
  /** Code checks the Authy stub answered during the measured run. */
  authyVerifies: number;
  /** New TCP connections from the forms server to Authy during the measured run. */
  authyConnections: number;
  /** After the run: a visit still on the code page (nobody locked). */
  stillOnCodePage: boolean;
}

export async function benchWrongCode(
  target: Target,
  mode: Mode,
  authy: { verifies: number; unexpected: number; connections: number },
): Promise<WrongCodeResult> {
  const visits = await prepareVisits(target.child.formsUrl, WRONG_CODE.visits, `post-${mode}`);
  const uses = new Uint32Array(visits.length);
  let turn = 0;
  const requests = (checks: Record<string, number>): autocannon.Request[] => [
    {
      method: 'POST',
      path: '/2fa/verify',
      setupRequest: (request) => {
        const index = turn++ % visits.length;
        uses[index] = (uses[index] ?? 0) + 1;
        const visit = visits[index];
        return {
          ...request,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: visit.cookie, 'x-forwarded-for': visit.address },
          body: visit.body,
        };
      },
      onResponse: (status, _body, _context, headers) => {
        if (status === 303 && headerOf(headers, 'location')[0] === '/2fa/flow') bump(checks, 'seeOther');
        else bump(checks, 'unexpected');
      },
    },
  ];
  const spec = (durationSec: number, checks: Record<string, number>) => ({
    url: target.child.formsUrl,
    connections: LOAD.connections,
    durationSec,
    requests: requests(checks),
  });
  await runLoad(spec(LOAD.warmupSec, {}));
  const checks: Record<string, number> = {};
  let verifies0 = 0;
  let connections0 = 0;
  const result = await measured(
    'wrong-code POST /2fa/verify',
    mode,
    target,
    1,
    checks,
    () => runLoad(spec(LOAD.durationSec, checks)),
    () => {
      verifies0 = authy.verifies;
      connections0 = authy.connections;
    },
  );
  const authyVerifies = authy.verifies - verifies0;
  const authyConnections = authy.connections - connections0;

  // The busiest visit's user must not be locked: its page is still the code page.
  let busiest = 0;
  for (let i = 1; i < uses.length; i++) if (uses[i] > uses[busiest]) busiest = i;
  const check = visits[busiest];
  const page = await fetch(`${target.child.formsUrl}/2fa/flow`, { headers: { cookie: check.cookie, 'x-forwarded-for': check.address } });
  const html = await page.text();
  return {
    ...result,
    visits: visits.length,
    maxPostsPerVisit: uses[busiest],
    authyVerifies,
    authyConnections,
    stillOnCodePage: page.status === 200 && html.includes(PAGE_MARK.enrolled),
  };
}
