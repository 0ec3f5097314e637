/**
 * The sandbox phone: /phone (HTML), /phone.json (the same data for tests), the list fragment
 * phone.js refreshes, Approve / Deny form posts, and the page's two static files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ASSET_PATH, renderPhoneList, renderPhonePage } from '../views/phone-page';
import type { RouteContext } from './context';

const PUBLIC_DIR = join(__dirname, '..', 'public');
const ASSETS: Record<string, { type: string; body: string }> = {
  'phone.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'phone.css'), 'utf8') },
  'phone.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'phone.js'), 'utf8') },
};

/** Only this origin's own files; no inline script or style. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin') // no-referrer would make browsers send `Origin: null` on the form posts
    .header('cache-control', 'no-store');
}

/** A form post from another site must not approve a push request: the Origin, when sent, must be this host. */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** What the page says after Approve or Deny (the redirect's `answered`), so a press is never met with silence. */
function answeredNotice(answered: string | undefined): string | null {
  if (answered === 'approved') return 'Approved. Go back to the sign-in page and press "I approved it".';
  if (answered === 'denied') return 'Denied. The sign-in page counts it as one wrong try.';
  if (answered === 'none') return 'That request was already answered or has expired: nothing changed.';
  return null;
}

export function phoneRoutes(app: FastifyInstance, { emulator }: RouteContext): void {
  app.get<{ Querystring: { answered?: string } }>('/phone', async (request, reply) =>
    pageHeaders(reply)
      .type('text/html; charset=utf-8')
      .send(renderPhonePage(emulator.phones(), answeredNotice(request.query.answered))),
  );

  app.get('/phone/fragment', async (_request, reply) =>
    pageHeaders(reply).type('text/html; charset=utf-8').send(renderPhoneList(emulator.phones())),
  );

  // Browsers ask for it; an empty answer keeps their consoles free of 404s.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  app.get('/phone.json', async (_request, reply) => reply.header('cache-control', 'no-store').send({ phones: emulator.phones() }));

  app.get<{ Params: { file: string } }>(`${ASSET_PATH}/:file`, async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
    if (!asset) return reply.code(404).type('text/plain').send('Not found');
    return reply.header('x-content-type-options', 'nosniff').type(asset.type).send(asset.body);
  });

  app.post<{ Params: { uuid: string; decision: string } }>('/phone/approval/:uuid/:decision', async (request, reply) => {
    const { uuid, decision } = request.params;
    if (decision !== 'approve' && decision !== 'deny') return reply.code(404).type('text/plain').send('Not found');
    if (!sameOrigin(request)) return reply.code(403).type('text/plain').send('Cross-site request refused');
    // Already answered or expired: nothing changes, the page simply shows the current state.
    const changed = emulator.resolveApproval(uuid.toLowerCase(), decision === 'approve' ? 'approved' : 'denied');
    return reply.redirect(`/phone?answered=${changed ? (decision === 'approve' ? 'approved' : 'denied') : 'none'}`, 303);
  });
}
