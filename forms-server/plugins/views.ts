/**
 * Pages are eta templates under views/, compiled once and cached in every mode: @fastify/view
 * turns eta's cache off on each render unless `production` is true (it defaults to
 * NODE_ENV === 'production'), so it is set here explicitly.
 *
 * Eta resolves every template and include path again on each render (a JSON cache key, then
 * path joins and the views-directory check); the names come from our own templates and code,
 * so each answer is kept after its first (checked) resolution.
 */
import { join } from 'node:path';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import fp from 'fastify-plugin';

export const VIEWS_DIR = join(__dirname, '..', 'views');

type ResolvePath = NonNullable<Eta['resolvePath']>;

/** An Eta whose resolved template paths are remembered (only successful resolutions: a refused path throws every time). */
export function createEta(): Eta {
  const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true });
  const resolve = eta.resolvePath;
  const resolved = new Map<string, string>();
  const remembered: ResolvePath = function (template, options) {
    const key = `${String(this.config.views)}\0${options?.filepath ?? ''}\0${template}`;
    let path = resolved.get(key);
    if (path === undefined) {
      path = resolve.call(this, template, options);
      resolved.set(key, path);
    }
    return path;
  };
  eta.resolvePath = remembered;
  return eta;
}

export const views = fp(
  async (app) => {
    await app.register(fastifyView, {
      engine: { eta: createEta() },
      root: VIEWS_DIR,
      production: true,
    });
  },
  { name: 'views' },
);
