/** Reading the tenant's form posts (login form, /continue, token requests). */
import type { FastifyRequest } from 'fastify';

/** A non-empty string field, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A shallow copy of the parsed body, or {} when there is none. */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
}
