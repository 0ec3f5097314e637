/** What every route module receives from the app factory. */
import type { AuthyEmulator } from '../emulator';
import type { FaultQueue } from '../faults';
import * as errors from '../errors';

export interface RouteContext {
  emulator: AuthyEmulator;
  faults: FaultQueue;
  /** Empties the state (emulator control). */
  reset: () => void;
}

/** An Authy user id from the URL; ids are positive integers, anything else cannot exist (60026). */
export function authyIdParam(raw: string): number {
  if (!/^[1-9]\d{0,11}$/.test(raw)) throw errors.userNotFound();
  return Number(raw);
}

/** Both places Authy reads parameters from, body first. */
export function sources(request: { body: unknown; query: unknown }): unknown[] {
  return [request.body, request.query];
}
