/** The forms server's provider transport over a real local socket: keep-alive, timeouts, no redirects. */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { BufferedResponse, createPooledFetch } from '../../forms-server/pooled-fetch';

let server: http.Server;
let base = '';
const seen: { method: string; url: string; body: string; key: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        body,
        key: request.headers['x-authy-api-key'] as string | undefined,
      });
      if (request.url === '/slow') setTimeout(() => response.end('{}'), 1000);
      else if (request.url === '/redirect') response.writeHead(302, { location: 'http://example.com/' }).end();
      else response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: '60020', success: false }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('one keep-alive connection serves consecutive calls (in a clean process, without any HTTP interceptor)', () => {
  const fixture = join(__dirname, '..', 'fixtures', 'forms', 'pooled-fetch-keepalive.ts');
  const out = execFileSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 20_000 });
  expect(JSON.parse(out)).toEqual({ statuses: [200, 200, 200], sockets: 1 });
});

test('sends method, headers and form body; answers a Response', async () => {
  const pool = createPooledFetch();
  try {
    for (let i = 0; i < 3; i += 1) {
      const response = await pool.fetch(`${base}/protected/json/users/new`, {
        method: 'POST',
        headers: { 'X-Authy-API-Key': 'k', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'user%5Bemail%5D=a%40b.c',
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error_code: '60020', success: false });
    }
    expect(seen.slice(-3)).toEqual(
      Array(3).fill({ method: 'POST', url: '/protected/json/users/new', body: 'user%5Bemail%5D=a%40b.c', key: 'k' }),
    );
  } finally {
    pool.close();
  }
});

test('the abort signal of a timeout rejects with its TimeoutError, as fetch does', async () => {
  const pool = createPooledFetch();
  try {
    await expect(pool.fetch(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
  } finally {
    pool.close();
  }
});

test('a redirect is answered as it is, never followed; a refused connection rejects', async () => {
  const pool = createPooledFetch();
  try {
    expect((await pool.fetch(`${base}/redirect`, { redirect: 'error' })).status).toBe(302);
    await expect(pool.fetch('http://127.0.0.1:1/', {})).rejects.toThrow();
  } finally {
    pool.close();
  }
});

test('a connection the server drops mid-answer rejects (the client maps it to "Authy unavailable"), and the pool goes on', async () => {
  const dropper = http.createServer((request) => request.socket.destroy());
  await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
  const dropped = `http://127.0.0.1:${(dropper.address() as AddressInfo).port}`;
  const pool = createPooledFetch();
  try {
    await expect(pool.fetch(`${dropped}/protected/json/verify/1234567/1`, {})).rejects.toThrow();
    expect((await pool.fetch(`${base}/after`, {})).status).toBe(401);
  } finally {
    pool.close();
    dropper.close();
  }
});

test('the answer is a Response whose body is read once, as fetch gives it', async () => {
  const pool = createPooledFetch();
  try {
    const response = await pool.fetch(`${base}/once`, {});
    expect(response).toBeInstanceOf(Response);
    expect(response.ok).toBe(false);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe('{"error_code":"60020","success":false}');
    await expect(response.json()).rejects.toThrow(TypeError);
  } finally {
    pool.close();
  }
});

test('text() decodes UTF-8 without a leading byte-order mark; json() of a bad body rejects with a SyntaxError', async () => {
  const bom = new BufferedResponse(Buffer.from('\ufeff{"ä":1}', 'utf8'), { status: 200 });
  expect(await bom.text()).toBe('{"ä":1}');
  expect(await new BufferedResponse(Buffer.from('\ufeff{"ä":1}', 'utf8'), { status: 200 }).json()).toEqual({ ä: 1 });
  await expect(new BufferedResponse(Buffer.from('{', 'utf8'), { status: 200 }).json()).rejects.toThrow(SyntaxError);
  expect(await new BufferedResponse(null, { status: 204 }).text()).toBe('');
  expect(new Uint8Array(await new BufferedResponse(Buffer.from([1, 2]), { status: 200 }).arrayBuffer())).toEqual(new Uint8Array([1, 2]));
});
