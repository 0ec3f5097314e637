/**
 * `sandbox/start.ts` wires the four servers together on 127.0.0.1 (free ports, a temporary
 * data folder): the demo application sends the browser to the tenant, the tenant runs the REAL
 * bundled Action (actions/authy-2fa/code.js, built by `npm run build`), and the Action's
 * redirect is accepted by the forms server. The demo application checks `state` and shows
 * an access_denied answer; SIGTERM stops everything cleanly. Browser journeys through the
 * forms pages are the e2e tests' job.
 *
 * The sandbox runs as a child process, as `npm start` runs it: the forms server's cookie
 * plugin loads an ES module dynamically, which Jest on Node 20 cannot do in-process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSeedFile } from '../../sandbox/tenant/user-store';

const ROOT = join(__dirname, '..', '..');
const CODE_JS = join(ROOT, 'actions', 'authy-2fa', 'code.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  urls: { demo: string; tenant: string; forms: string; authy: string };
}

async function startChild(dataDir: string): Promise<Started> {
  const [demo, tenant, forms, authy] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'sandbox', 'start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      SANDBOX_DATA_DIR: dataDir,
      SANDBOX_DEMO_PORT: String(demo),
      SANDBOX_TENANT_PORT: String(tenant),
      SANDBOX_FORMS_PORT: String(forms),
      SANDBOX_AUTHY_PORT: String(authy),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${out}`)), 15_000);
    const check = () => {
      if (out.includes('Ready in')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    urls: {
      demo: `http://localhost:${demo}`,
      tenant: `http://localhost:${tenant}`,
      forms: `http://localhost:${forms}`,
      authy: `http://localhost:${authy}`,
    },
  };
}

interface Reply {
  status: number;
  location: string | undefined;
  cookies: string[];
  body: string;
}

/** One request, no redirect following; the URL's `localhost` is reached on 127.0.0.1. */
function get(url: string, cookies: string[] = [], form?: Record<string, string>): Promise<Reply> {
  const target = new URL(url);
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.pathname + target.search,
        method: form ? 'POST' : 'GET',
        headers: {
          host: target.host,
          ...(cookies.length ? { cookie: cookies.join('; ') } : {}),
          ...(body !== undefined
            ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const set = res.headers['set-cookie'] ?? [];
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            cookies: set.map((c) => c.split(';')[0]),
            body: text,
          });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Keeps cookies by name, like a browser on `localhost` (ports do not separate cookies). */
class Jar {
  private readonly values = new Map<string, string>();
  add(reply: Reply): Reply {
    for (const c of reply.cookies) {
      const [name, value] = c.split('=') as [string, string];
      if (value === '') this.values.delete(name);
      else this.values.set(name, value);
    }
    return reply;
  }
  list(): string[] {
    return [...this.values].map(([k, v]) => `${k}=${v}`);
  }
}

const describeIfBuilt = existsSync(CODE_JS) ? describe : describe.skip;
if (!existsSync(CODE_JS)) console.warn('sandbox wiring test skipped: run `npm run build` to bundle the Action first');

describeIfBuilt('npm start (sandbox/start.ts)', () => {
  let dir: string;
  let sandbox: Started;
  const users = readSeedFile(join(ROOT, 'sandbox', 'seed-users.json'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-wiring-'));
    sandbox = await startChild(dir);
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when beforeAll failed before assigning it
    if (sandbox && sandbox.child.exitCode === null) sandbox.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the URLs and the demo users', () => {
    expect(sandbox.output()).toContain(sandbox.urls.demo);
    expect(sandbox.output()).toContain(`${sandbox.urls.authy}/phone`);
    for (const u of users) expect(sandbox.output()).toContain(u.email);
  });

  it('generates the local secrets, with a shared secret of at least 32 bytes', () => {
    const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'));
    expect(Buffer.from(secrets.sharedSecret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(secrets.authyApiKey).toEqual(expect.any(String));
  });

  it('the forms server is ready: /readyz is 200, the Authy emulator answers Get Application Details', async () => {
    const ready = await get(`${sandbox.urls.forms}/readyz`);
    expect([ready.status, JSON.parse(ready.body)]).toEqual([200, { ready: true }]);
  });

  it('demo app → tenant login → real Action → forms server accepts the redirect', async () => {
    const jar = new Jar();
    const toTenant = jar.add(await get(`${sandbox.urls.demo}/login?ui_locales=es`, jar.list()));
    expect(toTenant.location?.startsWith(`${sandbox.urls.tenant}/authorize?`)).toBe(true);
    expect(new URL(toTenant.location as string).searchParams.get('ui_locales')).toBe('es');

    const page = jar.add(await get(toTenant.location as string, jar.list()));
    expect(page.status).toBe(200);
    const tx = /name="tx" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const user = users.at(0);
    if (!user) throw new Error('no seed user');
    const toForms = jar.add(await get(`${sandbox.urls.tenant}/login`, jar.list(), { tx, email: user.email, password: user.password }));
    expect(toForms.status).toBe(302);
    const formsUrl = new URL(toForms.location as string);
    expect(formsUrl.origin + formsUrl.pathname).toBe(`${sandbox.urls.forms}/2fa`);
    expect(formsUrl.searchParams.get('state')).toBeTruthy();
    expect(formsUrl.searchParams.get('session_token')).toBeTruthy();

    const accepted = jar.add(await get(formsUrl.toString(), jar.list()));
    expect(accepted.status).toBeLessThan(400);
    // The three servers' cookies coexist on `localhost`.
    const names = jar.list().map((c) => c.split('=')[0]);
    expect(names).toEqual(expect.arrayContaining(['sandbox_demo_session', 'sandbox_tenant_session']));
    expect(new Set(names).size).toBe(names.length);

    // The Action wrote its audit line to the tenant's stdout: the decision, the user hashed.
    const actionLines = sandbox
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{"source":"action",'));
    expect(actionLines.map((line) => JSON.parse(line))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'redirected', msg: 'audit', user: expect.stringMatching(/^[0-9a-f]{32}$/) }),
      ]),
    );
    for (const line of actionLines) expect(line).not.toContain(user.email);
  });

  it('the demo app refuses a foreign state and shows access_denied with its description', async () => {
    const jar = new Jar();
    const toTenant = jar.add(await get(`${sandbox.urls.demo}/login`, jar.list()));
    const state = new URL(toTenant.location as string).searchParams.get('state') as string;

    const forged = await get(`${sandbox.urls.demo}/callback?code=x&state=not-mine`, jar.list());
    expect(forged.status).toBe(400);

    // A fresh login, then the tenant's deny answer arrives with the right state.
    const again = jar.add(await get(`${sandbox.urls.demo}/login`, jar.list()));
    const state2 = new URL(again.location as string).searchParams.get('state') as string;
    expect(state2).not.toBe(state);
    const denied = await get(
      `${sandbox.urls.demo}/callback?error=access_denied&error_description=${encodeURIComponent('Two-step verification was cancelled.')}` +
        `&state=${state2}`,
      jar.list(),
    );
    expect(denied.status).toBe(403);
    expect(denied.body).toContain('Access denied');
    expect(denied.body).toContain('Two-step verification was cancelled.');
  });

  it('prompt=none without a tenant session comes back as login_required', async () => {
    const jar = new Jar();
    const toTenant = jar.add(await get(`${sandbox.urls.demo}/login?prompt=none`, jar.list()));
    const back = jar.add(await get(toTenant.location as string, jar.list()));
    expect(new URL(back.location as string).searchParams.get('error')).toBe('login_required');
    const page = await get(back.location as string, jar.list());
    expect(page.body).toContain('login_required');
  });

  it('stops every server on SIGTERM', async () => {
    const exit = new Promise<number | null>((resolve) => sandbox.child.once('exit', (code) => resolve(code)));
    sandbox.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    await expect(get(`${sandbox.urls.demo}/`)).rejects.toThrow();
  });
});
