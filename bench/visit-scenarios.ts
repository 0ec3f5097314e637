/**
 * The visit scenarios: a visit is the entry (a 303 that sets the visit cookie), then the page
 * with that cookie from the same client address. On the forms server each visit has a fresh
 * token, user and address (code page: an enrolled user; enroll page: a new one); on the
 * stack-floor app (floor-app.ts) the same two requests meet none of a visit's own work.
 */
import type autocannon from 'autocannon';
import { FLOW_COOKIE } from '../forms-server/plugins/visit-cookie';
import { FLOOR_ENTRY, FLOOR_PAGE } from './floor-app';
import { headerOf, runLoad } from './http';
import { bump, measured, type Mode, type ScenarioResult, type Target } from './scenarios';
import { LOAD } from './settings';
import { LinkSource, nextAddress, type UserKind } from './tokens';

// ---------------------------------------------------------------- visits: entry + page

interface VisitContext {
  cookie?: string;
  address?: string;
}

/** What marks the right page of each kind of visit. */
export const PAGE_MARK: Record<UserKind, string> = { enrolled: 'action="/2fa/verify"', new: 'name="phone"' };

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
