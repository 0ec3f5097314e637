/**
 * Pages are eta templates under views/, compiled once and cached in every mode: @fastify/view
 * turns eta's cache off on each render unless `production` is true (it defaults to
 * NODE_ENV === 'production'), so it is set here explicitly.
 */
import { join } from 'node:path';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import fp from 'fastify-plugin';

export const VIEWS_DIR = join(__dirname, '..', 'views');

export const views = fp(
  async (app) => {
    await app.register(fastifyView, {
      engine: { eta: new Eta({ views: VIEWS_DIR, autoEscape: true, cache: true }) },
      root: VIEWS_DIR,
      production: true,
    });
  },
  { name: 'views' },
);
