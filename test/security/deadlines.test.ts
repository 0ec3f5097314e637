/**
 * Slow and oversized requests over a REAL socket (node:net against `app.listen` on 127.0.0.1):
 * a body dripped one byte per second and headers dripped line by line are cut by
 * REQUEST_TIMEOUT_MS (1000 ms here, the lowest the config allows) long before the drip ends (Node
 * checks that deadline only every `connectionsCheckingInterval`, 30 s by default: the server
 * must set it shorter, or REQUEST_TIMEOUT_MS means nothing for drips shorter than 30 s); an
 * idle connection is closed by CONNECTION_TIMEOUT_MS; an oversized body gets the 413 page;
 * headers over MAX_HEADER_BYTES get a 431 and nothing else.
 */
import { connect, type Socket } from 'node:net';
import { type TestServer } from '../helpers/forms';
import { buildSecurityServer, expectQuietLogs, securityLifecycle } from '../helpers/security-kit';

securityLifecycle({ allowLoopback: true });

/**
 * The deadlines under test. CONNECTION_TIMEOUT_MS (an idle socket) stays at its default of 15 s
 * in the drip tests, so that only REQUEST_TIMEOUT_MS can cut a drip that is never idle for long.
 */
const ENV = { REQUEST_TIMEOUT_MS: '1000', MAX_HEADER_BYTES: '4096' };

async function listening(env: Record<string, string> = {}): Promise<{ server: TestServer; port: number }> {
  const server = await buildSecurityServer({ env: { ...ENV, ...env } });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

interface Exchange {
  socket: Socket;
  /** Everything the server sent. */
  readonly received: string;
  /** Milliseconds from the start to the server's first byte, or null. */
  readonly firstByteMs: number | null;
  /** Resolves with the milliseconds from the start to the close of the connection. */
  closed: Promise<number>;
}

function open(port: number): Exchange {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let firstByteMs: number | null = null;
  socket.on('data', (chunk: Buffer) => {
    if (firstByteMs === null) firstByteMs = Date.now() - started;
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  return {
    socket,
    get received() {
      return received;
    },
    get firstByteMs() {
      return firstByteMs;
    },
    closed,
  };
}

/** Writes `chunks` one by one, `everyMs` apart, while the socket is open. */
function drip(exchange: Exchange, chunks: string[], everyMs: number): { stop: () => void; written: () => number } {
  let written = 0;
  const timer = setInterval(() => {
    if (written >= chunks.length || exchange.socket.destroyed || !exchange.socket.writable) {
      clearInterval(timer);
      return;
    }
    exchange.socket.write(chunks[written] ?? '');
    written += 1;
  }, everyMs);
  return { stop: () => clearInterval(timer), written: () => written };
}

/** Waits for the close, at most `limitMs`; destroys the socket then (so a failing test ends on time). */
async function closedWithin(exchange: Exchange, limitMs: number): Promise<number> {
  const timer = setTimeout(() => exchange.socket.destroy(), limitMs);
  const at = await exchange.closed;
  clearTimeout(timer);
  return at;
}

const statusLine = (text: string) => text.split('\r\n')[0] ?? '';

describe('slow requests are cut', () => {
  test('a 12-byte body dripped one byte per second: cut (408 or closed) within ~2 s, long before the 12 s drip ends', async () => {
    const { server, port } = await listening();
    const exchange = open(port);
    exchange.socket.write(
      'POST /2fa/verify HTTP/1.1\r\nHost: 2fa.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\n',
    );
    const body = drip(exchange, 'code=1234567'.split(''), 1000);
    const at = await closedWithin(exchange, 6000);
    body.stop();
    expect(at).toBeLessThan(3500);
    expect(body.written()).toBeLessThan(5);
    // Either a plain 408 from the server, or nothing at all: never the form handled.
    if (exchange.received !== '') expect(statusLine(exchange.received)).toBe('HTTP/1.1 408 Request Timeout');
    expectQuietLogs(server.logs, ['1234567']);
  });

  test('headers dripped one line every 500 ms (slowloris): cut within ~2 s', async () => {
    const { port } = await listening();
    const exchange = open(port);
    const lines = [
      'GET /2fa/flow HTTP/1.1\r\n',
      'Host: 2fa.example.com\r\n',
      ...Array.from({ length: 20 }, (_, n) => `X-Slow-${n}: ${n}\r\n`),
    ];
    const headers = drip(exchange, lines, 500);
    const at = await closedWithin(exchange, 6000);
    headers.stop();
    expect(at).toBeLessThan(3500);
    expect(headers.written()).toBeLessThan(lines.length);
    if (exchange.received !== '') expect(statusLine(exchange.received)).toBe('HTTP/1.1 408 Request Timeout');
  });

  test('a connection that sends nothing is closed after CONNECTION_TIMEOUT_MS (1000 ms here)', async () => {
    const { port } = await listening({ CONNECTION_TIMEOUT_MS: '1000' });
    const exchange = open(port);
    const at = await closedWithin(exchange, 4000);
    expect(at).toBeGreaterThanOrEqual(900);
    expect(at).toBeLessThan(3000);
  });
});

describe('oversized requests', () => {
  test('a body over 8 kB (announced): the 413 page', async () => {
    const { server, port } = await listening();
    const exchange = open(port);
    const body = `code=${'9'.repeat(9000)}`;
    exchange.socket.write(
      `POST /2fa/verify HTTP/1.1\r\nHost: 2fa.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    await closedWithin(exchange, 4000);
    expect(statusLine(exchange.received)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(exchange.received).toMatch(/content-type: text\/html; charset=utf-8/i);
    expect(exchange.received).toContain('<p role="alert">That was far too much text. Go back and try again.</p>');
    expectQuietLogs(server.logs, ['9'.repeat(64)]);
  });

  test('a body over 8 kB sent chunked (no length announced): the 413 page', async () => {
    const { port } = await listening();
    const exchange = open(port);
    exchange.socket.write(
      'POST /2fa/verify HTTP/1.1\r\nHost: 2fa.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    );
    for (let n = 0; n < 10; n += 1) exchange.socket.write(`400\r\n${'a'.repeat(1024)}\r\n`);
    exchange.socket.write('0\r\n\r\n');
    await closedWithin(exchange, 4000);
    expect(statusLine(exchange.received)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(exchange.received).toContain('That was far too much text.');
  });

  test('headers over MAX_HEADER_BYTES (4 kB here): 431, and the connection closed', async () => {
    const { server, port } = await listening();
    const exchange = open(port);
    exchange.socket.write(`GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nCookie: authy2fa_flow=${'c'.repeat(5000)}\r\n\r\n`);
    await closedWithin(exchange, 4000);
    expect(statusLine(exchange.received)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(server.logs.some((line) => line.includes('c'.repeat(64)))).toBe(false);
  });

  test('headers just under the limit are served as usual (a 400 page: no visit)', async () => {
    const { port } = await listening();
    const exchange = open(port);
    exchange.socket.write(`GET /2fa/flow HTTP/1.1\r\nHost: 2fa.example.com\r\nX-Pad: ${'p'.repeat(3000)}\r\nConnection: close\r\n\r\n`);
    await closedWithin(exchange, 4000);
    expect(statusLine(exchange.received)).toBe('HTTP/1.1 400 Bad Request');
    expect(exchange.received).toContain('Your two-step verification session has ended');
  });
});
