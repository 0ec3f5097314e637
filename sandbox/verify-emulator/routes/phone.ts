/** The sandbox phone: /phone (HTML), /phone.json (the same data for tests), the fragment phone.js refreshes, and its assets. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { twilioTime } from '../shapes';
import type { VerifyStore } from '../store';
import { ASSET_PATH, renderPhoneList, renderPhonePage, type VerifyPhoneView } from '../views/phone-page';
import type { RouteContext } from './context';

/** The Authy emulator's phone page files: the same look, and the same refresh script. */
const PUBLIC_DIR = join(__dirname, '..', '..', 'authy-emulator', 'public');
const ASSETS: Record<string, { type: string; body: string }> = {
  'phone.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'phone.css'), 'utf8') },
  'phone.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'phone.js'), 'utf8') },
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
}

export function phoneView(context: RouteContext, store: VerifyStore): VerifyPhoneView {
  return {
    phones: [...store.phones.entries()].map(([to, messages]) => ({
      to,
      messages: [...messages].reverse().map((m) => ({ channel: m.channel, code: m.code, at: twilioTime(m.atMs) })),
    })),
    factors: context.totp.currentCodes().map(({ factor, code, secondsLeft }) => ({
      identity: factor.identity,
      factor_sid: factor.sid,
      friendly_name: factor.friendlyName,
      status: factor.status,
      code,
      seconds_left: secondsLeft,
      digits: factor.codeLength,
      time_step: factor.timeStep,
      alg: factor.alg,
    })),
  };
}

export function phoneRoutes(app: FastifyInstance, context: RouteContext, store: VerifyStore): void {
  const html = (reply: FastifyReply, body: string) => pageHeaders(reply).type('text/html; charset=utf-8').send(body);
  app.get('/phone', async (_request, reply) => html(reply, renderPhonePage(phoneView(context, store))));
  app.get('/phone/fragment', async (_request, reply) => html(reply, renderPhoneList(phoneView(context, store))));
  app.get('/phone.json', async (_request, reply) => reply.header('cache-control', 'no-store').send(phoneView(context, store)));
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  app.get<{ Params: { file: string } }>(`${ASSET_PATH}/:file`, async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
    if (!asset) return reply.code(404).type('text/plain').send('Not found');
    return reply.header('x-content-type-options', 'nosniff').type(asset.type).send(asset.body);
  });
}
