/**
 * An instant Authy in the bench's own process: every code check is wrong (401, error 60020,
 * the body Authy documents), answered at once, so a wrong-code POST measures the forms server
 * and not the network. Counts what it was asked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTHY_KEY } from './settings';

const TOKEN_INVALID = JSON.stringify({
  success: false,
  error_code: '60020',
  message: 'Token is invalid',
  token: 'is invalid',
  errors: { message: 'Token is invalid' },
});
const VERIFY = /^\/protected\/json\/verify\/[0-9]{6,8}\/[0-9]+\?force=true$/;

export interface AuthyStub {
  url: string;
  /** Code checks answered 401 60020. */
  verifies: number;
  /** Anything else (wrong path, no force=true, wrong key): answered 404, and a sign the bench is off. */
  unexpected: number;
  /** TCP connections the forms server opened to it. */
  connections: number;
  close(): Promise<void>;
}

export async function startAuthyStub(): Promise<AuthyStub> {
  const stub = { verifies: 0, unexpected: 0, connections: 0 } as AuthyStub;
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && VERIFY.test(request.url ?? '') && request.headers['x-authy-api-key'] === AUTHY_KEY) {
      stub.verifies += 1;
      response.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(TOKEN_INVALID) });
      response.end(TOKEN_INVALID);
      return;
    }
    stub.unexpected += 1;
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"success":false,"message":"not found","error_code":"60000"}');
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => {
    stub.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stub;
}
