/** The stylesheet and the auto-submit script (read once at start), and an empty favicon. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { localeOf } from '../plugins/error-pages';
import { renderError } from '../render';

const STATIC_DIR = join(__dirname, '..', 'static');
const STATIC_FILES: Record<string, { type: string; body: Buffer }> = {
  'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(STATIC_DIR, 'app.css')) },
  'continue.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(STATIC_DIR, 'continue.js')) },
  'recovery.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(STATIC_DIR, 'recovery.js')) },
};

export const staticRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { file: string } }>('/2fa/static/:file', async (request, reply) => {
    const file = Object.hasOwn(STATIC_FILES, request.params.file) ? STATIC_FILES[request.params.file] : undefined;
    if (!file) return renderError(reply, 404, 'errNotFound', localeOf(request));
    return reply.header('content-type', file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });

  // Browsers ask for it on every site; an empty answer keeps their consoles and our logs quiet.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
};
