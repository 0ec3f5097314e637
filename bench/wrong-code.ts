/**
 * The wrong-code scenario: one POST /2fa/verify (303, not followed) per request on visits of
 * enrolled users prepared beforehand (max_failures high enough that nobody locks), Authy's stub
 * answering 401 60020 at once; afterwards, the busiest visit must still be on the code page.
 */
import type autocannon from 'autocannon';
import { FLOW_COOKIE } from '../forms-server/plugins/visit-cookie';
import { headerOf, runLoad } from './http';
import { bump, measured, type Mode, type ScenarioResult, type Target } from './scenarios';
import { LOAD, WRONG_CODE } from './settings';
import { LinkSource } from './tokens';
import { PAGE_MARK } from './visit-scenarios';

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
