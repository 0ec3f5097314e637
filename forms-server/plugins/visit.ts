/**
 * The visit plugin: finds the browser's visit (cookie), checks the CSRF token of every POST,
 * runs one user action through the state machine, performs its effects and saves the result.
 *
 * Saves are compare-and-set: when a parallel request on the same visit saved first, the
 * effects' outcomes (which never ask for more effects) are applied again to the fresher copy,
 * so nothing that Authy or the attempt counters reported is lost.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { safeEqual } from '../../lib/safe-equal';
import { perform, type EffectDeps } from '../effects';
import { BadFormError, CsrfError, SessionEndedError } from '../errors';
import { renderVisit, type RenderDeps } from '../render';
import { next, type EffectOutcome, type Transition, type UserAction } from '../visit/machine';
import type { Visit } from '../visit/visit';
import { readVisitCookie } from './visit-cookie';

export const VISIT_PAGE = '/2fa/flow';
const SAVE_ATTEMPTS = 5;

export type Form = Record<string, unknown>;

export interface Visits {
  /** The browser's visit; a 400 page when there is none. */
  load(request: FastifyRequest): Promise<Visit>;
  /** Runs the user action that the posted form asks for, then redirects to the visit's page. */
  act(request: FastifyRequest, reply: FastifyReply, action: (form: Form) => UserAction): Promise<FastifyReply>;
  render(reply: FastifyReply, visit: Visit): Promise<FastifyReply>;
}

declare module 'fastify' {
  interface FastifyInstance {
    visits: Visits;
  }
}

export type VisitPluginOptions = RenderDeps & Omit<EffectDeps, 'log' | 'store' | 'now'>;

function formOf(request: FastifyRequest): Form {
  const value = request.body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadFormError('body is not a form');
  return value as Form;
}

export const visitPlugin = fp<VisitPluginOptions>(
  async (app, options) => {
    const { store, now } = options;

    async function load(request: FastifyRequest): Promise<Visit> {
      const id = readVisitCookie(request);
      if (!id) throw new SessionEndedError('no visit cookie');
      const visit = await store.getVisit<Visit>(id, now());
      if (!visit) throw new SessionEndedError('visit unknown or expired');
      return visit;
    }

    /** Saves `changed`; if another request saved first, applies `replay` to the stored copy and tries again. */
    async function commit(changed: Visit, replay: (fresh: Visit) => Visit): Promise<void> {
      let candidate = changed;
      for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt += 1) {
        if (await store.saveVisit(candidate, now())) return;
        const fresh = await store.getVisit<Visit>(changed.id, now());
        if (!fresh) throw new SessionEndedError('visit ended while saving');
        candidate = replay(fresh);
      }
    }

    /**
     * Claims the visit for the effects: saves the transition's visit (compare-and-set) before any
     * provider call, so that of two presses of one button on one visit only one sends an SMS or a
     * push; the other, seeing the saved claim, is refused by the machine (or asks again for a code
     * check, which the attempt reservations govern). Null when the visit kept changing under us.
     */
    async function claim(visit: Visit, action: UserAction, transition: Transition): Promise<Transition | null> {
      let candidate = transition;
      for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt += 1) {
        if (candidate.effects.length === 0) return candidate;
        if (await store.saveVisit(candidate.visit, now()))
          return { ...candidate, visit: { ...candidate.visit, version: candidate.visit.version + 1 } };
        const fresh = await store.getVisit<Visit>(visit.id, now());
        if (!fresh) throw new SessionEndedError('visit ended while saving');
        candidate = next(fresh, action, now());
      }
      return null;
    }

    async function runEffects(request: FastifyRequest, claimed: Transition): Promise<{ visit: Visit; outcomes: EffectOutcome[] }> {
      const deps: EffectDeps = { ...options, log: request.log };
      const outcomes: EffectOutcome[] = [];
      let current = claimed.visit;
      for (const effect of claimed.effects) {
        const outcome = await perform(effect, current, deps);
        outcomes.push(outcome);
        current = next(current, outcome, now()).visit;
      }
      return { visit: current, outcomes };
    }

    async function act(request: FastifyRequest, reply: FastifyReply, toAction: (form: Form) => UserAction): Promise<FastifyReply> {
      const form = formOf(request);
      const visit = await load(request);
      if (typeof form.csrf !== 'string' || !safeEqual(form.csrf, visit.csrf)) throw new CsrfError();
      const action = toAction(form);
      const transition = next(visit, action, now());
      if (transition.badForm) throw new BadFormError(transition.badForm);
      // Input refused outright: the same page at once, with the reason, as a 422.
      if (transition.status)
        return renderVisit(reply, transition.visit, options, { status: transition.status, typed: transition.typed ?? {} });

      const claimed = await claim(visit, action, transition);
      if (claimed && claimed.effects.length > 0) {
        const { visit: done, outcomes } = await runEffects(request, claimed);
        await commit(done, (fresh) => outcomes.reduce((v, outcome) => next(v, outcome, now()).visit, fresh));
      } else if (claimed) {
        await commit(claimed.visit, (fresh) => {
          const again = next(fresh, action, now());
          return again.effects.length === 0 ? again.visit : fresh;
        });
      }
      return reply.code(303).header('location', VISIT_PAGE).send();
    }

    app.decorate('visits', { load, act, render: (reply: FastifyReply, visit: Visit) => renderVisit(reply, visit, options) });
  },
  { name: 'visits', dependencies: ['views'] },
);
