/**
 * One error handler for the whole server: a named PageError becomes its page; an unreachable
 * store a 503 "try again in a moment"; a bad request its 4xx page; anything else a plain 500
 * page, with the error's kind and stack in the log and nothing of the request.
 */
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CsrfError, InvalidLinkError, PageError } from '../errors';
import { supportedCatalogue } from '../i18n';
import type { Observer } from '../observe';
import { renderError } from '../render';
import { StoreUnavailableError } from '../store/types';

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

export const errorPages = fp<{ observe?: Observer }>(
  async (app, { observe }) => {
    app.setErrorHandler(async (error: unknown, request, reply) => {
      const locale = localeOf(request);
      if (error instanceof PageError) {
        request.log.info({ err: { type: error.name, detail: error.detail } }, 'request refused');
        if (error instanceof InvalidLinkError) observe?.refused('link', request.log, { detail: error.detail });
        if (error instanceof CsrfError) observe?.refused('csrf', request.log);
        return renderError(reply, error.statusCode, error.messageKey, locale);
      }
      if (error instanceof StoreUnavailableError) {
        request.log.warn({ err: { type: error.name } }, 'store unavailable');
        observe?.storeUnavailable(request.log);
        return renderError(reply.header('retry-after', '5'), 503, 'errStoreDown', locale);
      }
      const status = statusOf(error);
      if (status === 413) return renderError(reply, 413, 'errTooLarge', locale);
      if (status === 429) return renderError(reply, 429, 'errRateLimited', locale);
      if (status === 408) return renderError(reply, 408, 'errBadForm', locale);
      if (status >= 400 && status < 500) {
        request.log.info({ err: { type: (error as Error).name, code: (error as { code?: string }).code } }, 'bad request');
        return renderError(reply, status === 415 ? 415 : 400, 'errBadForm', locale);
      }
      // A bug: log its kind and stack (no request data), show a plain page.
      request.log.error({ err: { type: (error as Error).name, stack: (error as Error).stack } }, 'unexpected error');
      return renderError(reply, 500, 'errInternal', locale);
    });
    app.setNotFoundHandler(async (request, reply) => renderError(reply, 404, 'errNotFound', localeOf(request)));
  },
  { name: 'error-pages', dependencies: ['views'] },
);
