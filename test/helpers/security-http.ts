/**
 * A browser without a browser, for the attacker's tests over real sockets: plain HTTP/1.1 with
 * node:http, one cookie jar, redirects followed by hand (so every hop can be checked), and a
 * chosen source address on the loopback network (127.0.0.2, 127.0.0.3, …), so that parallel
 * "browsers" look like different clients to a per-IP rate limit, as they would in the wild.
 *
 * Every sandbox server listens on 127.0.0.1 and is named `localhost` in its URLs; requests go
 * to 127.0.0.1 with the URL's host in the Host header.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  form?: Record<string, string>;
  /** A JSON body (instead of a form). */
  json?: unknown;
  headers?: Record<string, string>;
  /** Milliseconds before the request is given up (the answer is then status 0). */
  timeoutMs?: number;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The fields of the first form of `html` whose action matches `action`, with its action URL. */
export function formOf(html: string, action: RegExp): { action: string; fields: Record<string, string> } | null {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attributes = match[1];
    const actionValue = decodeEntities(/\baction="([^"]*)"/.exec(attributes)?.[1] ?? '');
    if (!action.test(actionValue)) continue;
    const fields: Record<string, string> = {};
    const inner = match[2];
    for (const input of inner.matchAll(/<input\b[^>]*>/g)) {
      const name = /\bname="([^"]*)"/.exec(input[0])?.[1];
      const value = /\bvalue="([^"]*)"/.exec(input[0])?.[1];
      if (name !== undefined && value !== undefined) fields[decodeEntities(name)] = decodeEntities(value);
    }
    return { action: actionValue, fields };
  }
  return null;
}

export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  /** Every answer this browser got, in order. */
  readonly history: HttpAnswer[] = [];

  constructor(readonly localAddress = '127.0.0.1') {}

  async get(url: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    return this.send('GET', url, options);
  }

  async post(url: string, form: Record<string, string>, options: RequestOptions = {}): Promise<HttpAnswer> {
    return this.send('POST', url, { ...options, form });
  }

  /** Follows 301/302/303 (as GET) until an answer that is not a redirect, or `stop` says so. */
  async follow(answer: HttpAnswer, stop: (url: URL) => boolean = () => false, maxHops = 10): Promise<HttpAnswer> {
    let current = answer;
    for (let hop = 0; hop < maxHops; hop += 1) {
      const location = current.headers.location;
      if (![301, 302, 303].includes(current.status) || typeof location !== 'string') return current;
      const next = new URL(location, current.url);
      if (stop(next)) return current;
      current = await this.get(next.href);
    }
    throw new Error(`more than ${maxHops} redirects from ${answer.url}`);
  }

  /** Any method, e.g. `DELETE`, or a POST with a JSON body. */
  async request(method: string, url: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    return this.send(method, url, options);
  }

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keepCookies(headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private send(method: string, url: string, options: RequestOptions): Promise<HttpAnswer> {
    const target = new URL(url);
    const body = options.form
      ? new URLSearchParams(options.form).toString()
      : options.json !== undefined
        ? JSON.stringify(options.json)
        : undefined;
    const type = options.form ? 'application/x-www-form-urlencoded' : 'application/json';
    const cookie = this.cookieHeader();
    const headers: Record<string, string> = {
      host: target.host,
      accept: 'text/html',
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined ? { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) } : {}),
      ...options.headers,
    };
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: target.hostname === 'localhost' ? '127.0.0.1' : target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method,
          headers,
          localAddress: this.localAddress,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            this.keepCookies(res.headers);
            const answer = {
              url: target.href,
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            };
            this.history.push(answer);
            resolve(answer);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (options.timeoutMs !== undefined) {
        req.setTimeout(options.timeoutMs, () => {
          req.destroy();
          const answer = { url: target.href, status: 0, headers: {}, body: '' };
          this.history.push(answer);
          resolve(answer);
        });
      }
      req.end(body);
    });
  }
}
