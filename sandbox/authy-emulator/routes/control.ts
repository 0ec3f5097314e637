/**
 * Emulator controls, not part of Authy's API: inject faults into the next calls, disable a
 * user's Authy account, mark a user as having the app, empty the state. Same API key as Authy.
 */
import type { FastifyInstance } from 'fastify';
import { parseFault } from '../faults';
import { authyIdParam, type RouteContext } from './context';

const USER_FLAGS = {
  disable: { disabled: true },
  enable: { disabled: false },
  register: { registered: true },
  unregister: { registered: false },
} as const;

export function controlRoutes(app: FastifyInstance, { emulator, faults, reset }: RouteContext): void {
  app.get('/__emulator/faults', async () => ({ faults: faults.list(), success: true }));

  app.post('/__emulator/faults', async (request, reply) => {
    const fault = parseFault(request.body);
    if (typeof fault === 'string') return reply.code(400).send({ message: fault, success: false });
    faults.add(fault);
    return { faults: faults.list(), success: true };
  });

  app.delete('/__emulator/faults', async () => {
    faults.clear();
    return { faults: [], success: true };
  });

  app.post<{ Params: { authy_id: string; action: string } }>('/__emulator/users/:authy_id/:action', async (request, reply) => {
    const { action } = request.params;
    if (!Object.hasOwn(USER_FLAGS, action)) return reply.code(404).send({ message: 'unknown action', success: false });
    const id = authyIdParam(request.params.authy_id);
    emulator.setFlags(id, USER_FLAGS[action as keyof typeof USER_FLAGS]);
    return { status: emulator.status(id), success: true };
  });

  app.post('/__emulator/reset', async () => {
    reset();
    faults.clear();
    return { success: true };
  });
}
