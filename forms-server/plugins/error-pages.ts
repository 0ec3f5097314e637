/**
 * One error handler for the whole server: a named PageError becomes its page; an unreachable
 * store a 503 "try again in a moment"; a bad request its 4xx page; anything else a plain 500
 * page, with the error's kind and stack in the log and nothing of the request.
 */
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CsrfError, ExpiredLinkError, InvalidLinkError, PageError } from '../errors';
import { supportedCatalogue, type MessageKey } from '../i18n';
import type { Observer } from '../observe';
import { renderError, type RenderDeps } from '../render';
import { StoreUnavailableError } from '../store/types';
import { wayFromExpiredLink, wayFromVisit, type WayOn } from '../way-on';

/**
 * The page language for errors raised before a visit is known: the first of the browser's
 * languages (in the header's order) that has a catalogue, else "" (English).
 */
export function localeOf(request: FastifyRequest): string {
  const header = request.headers['accept-language'];
  const tags = typeof header === 'string' ? header.split(',').map((part) => part.split(';')[0]?.trim() ?? '') : [];
  return tags.find((tag) => /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(tag) && supportedCatalogue(tag) !== null) ?? '';
}

function statusOf(error: unknown): number {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : 500;
}

/** The way on from this request's error page: its visit's or its expired link's login, cancelled. */
async function wayOf(error: unknown, request: FastifyRequest, deps: RenderDeps | undefined): Promise<WayOn | undefined> {
  // No store read for a store that is down, nor for each answer of a rate-limited flood.
  if (!deps || error instanceof StoreUnavailableError || statusOf(error) === 429) return undefined;
  if (error instanceof ExpiredLinkError) return wayFromExpiredLink(request, deps);
  if (error instanceof InvalidLinkError) return undefined;
  return wayFromVisit(request, deps);
}

export const errorPages = fp<{ observe?: Observer; deps?: RenderDeps }>(
  async (app, { observe, deps }) => {
    app.setErrorHandler(async (error: unknown, request, reply) => {
      const way = await wayOf(error, request, deps);
      const page = (status: number, key: MessageKey) => renderError(reply, status, key, way?.locale ?? localeOf(request), way?.way);
      if (error instanceof PageError) {
        request.log.info({ err: { type: error.name, detail: error.detail } }, 'request refused');
        if (error instanceof InvalidLinkError) observe?.refused('link', request.log, { detail: error.detail });
        if (error instanceof CsrfError) observe?.refused('csrf', request.log);
        return page(error.statusCode, error.messageKey);
      }
      if (error instanceof StoreUnavailableError) {
        request.log.warn({ err: { type: error.name } }, 'store unavailable');
        observe?.storeUnavailable(request.log);
        reply.header('retry-after', '5');
        return page(503, 'errStoreDown');
      }
      const status = statusOf(error);
      if (status === 413) return page(413, 'errTooLarge');
      if (status === 429) return page(429, 'errRateLimited');
      if (status === 408) return page(408, 'errBadForm');
      if (status >= 400 && status < 500) {
        request.log.info({ err: { type: (error as Error).name, code: (error as { code?: string }).code } }, 'bad request');
        return page(status === 415 ? 415 : 400, 'errBadForm');
      }
      // A bug: log its kind and stack (no request data), show a plain page.
      request.log.error({ err: { type: (error as Error).name, stack: (error as Error).stack } }, 'unexpected error');
      return page(500, 'errInternal');
    });
    app.setNotFoundHandler(async (request, reply) => {
      const way = deps ? await wayFromVisit(request, deps) : undefined;
      return renderError(reply, 404, 'errNotFound', way?.locale ?? localeOf(request), way?.way);
    });
  },
  { name: 'error-pages', dependencies: ['views'] },
);
