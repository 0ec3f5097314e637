/**
 * The forms server's HTTP client for provider calls: a `fetch`-shaped function over node:http(s)
 * with one keep-alive connection pool per origin, so that a code check costs a request on an open
 * connection, not a WHATWG fetch (streams, a new Request and Response, per call). It gives the
 * provider clients exactly what they use of fetch (method, headers, a string body, an abort
 * signal for the timeout, no redirects followed) and answers a real `Response`, so their
 * timeouts and error mapping stay as they are. The Action keeps the platform's fetch.
 *
 * The body is read off the socket before the Response is made, so the Response holds the bytes
 * (BufferedResponse): text(), json() and arrayBuffer() answer from them, once, as fetch's do,
 * without a body stream per call.
 */
import http from 'node:http';
import https from 'node:https';

export interface PoolOptions {
  /** Open connections per origin at most (default 64). */
  maxSockets?: number;
}

/**
 * A pooled socket can report an error between two requests, when neither a request nor the
 * agent listens (seen with test interceptors): without a listener that would crash the process.
 * While a request uses the socket, Node forwards its errors to that request, which rejects.
 */
const guarded = new WeakSet<object>();
function guardSocket(socket: { on: (event: 'error', listener: () => void) => unknown }): void {
  if (guarded.has(socket)) return;
  guarded.add(socket);
  socket.on('error', () => undefined);
}

/**
 * The signal's reason (fetch rejects with it: a DOMException named TimeoutError for
 * AbortSignal.timeout, which the clients recognise by its name). A DOMException is an Error, but
 * not always of this realm's Error (test sandboxes), so any object with a name is kept.
 */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return typeof reason === 'object' && reason !== null && 'name' in reason ? (reason as Error) : new Error('aborted');
}

const UTF8 = new TextDecoder();

/** A Response over bytes already read: each of text(), json(), arrayBuffer() reads them once (then TypeError, as fetch's). */
export class BufferedResponse extends Response {
  #bytes: Buffer | null;
  #read = false;

  constructor(bytes: Buffer | null, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
  }

  #take(): Buffer {
    if (this.#read) throw new TypeError('Body is unusable: Body has already been read');
    this.#read = true;
    const bytes = this.#bytes ?? Buffer.alloc(0);
    this.#bytes = null;
    return bytes;
  }

  /** UTF-8, a leading byte-order mark dropped, as fetch's text(). */
  override async text(): Promise<string> {
    return UTF8.decode(this.#take());
  }

  override async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    return new Uint8Array(bytes).buffer;
  }
}

export function createPooledFetch(options: PoolOptions = {}): { fetch: typeof fetch; close: () => void } {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 64,
    maxFreeSockets: options.maxSockets ?? 64,
    scheduling: 'lifo' as const,
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  function pooledFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : input);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const signal = init.signal ?? undefined;
    const body = typeof init.body === 'string' ? init.body : undefined;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const request = (secure ? https : http).request(url, {
        method: init.method ?? 'GET',
        headers,
        agent: secure ? agents.https : agents.http,
      });
      request.on('socket', guardSocket);
      const onAbort = () => request.destroy(signal ? abortReason(signal) : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      // `on`, not `once`: an aborted request can report more than one error (abort, then hang-up).
      request.on('error', (error) => {
        done();
        reject(signal?.aborted ? abortReason(signal) : error);
      });
      request.once('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => {
          done();
          reject(signal?.aborted ? abortReason(signal) : error);
        });
        response.once('end', () => {
          done();
          const answer = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') answer.set(name, value);
            else if (Array.isArray(value)) for (const item of value) answer.append(name, item);
          }
          // No redirect is followed (the clients ask for redirect: 'error'): a 3xx is answered as it is.
          const status = response.statusCode ?? 502;
          resolve(new BufferedResponse(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: answer }));
        });
      });
      request.end(body);
    });
  }

  return {
    fetch: pooledFetch,
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
