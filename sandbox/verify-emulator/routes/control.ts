/**
 * Emulator controls, not part of Twilio's API (same Basic credentials): inject faults into the
 * next Verify calls (the Authy emulator's fault queue: rate_limit, server_error, hang, malformed),
 * empty the state.
 */
import type { FastifyInstance } from 'fastify';
import { parseFault } from '../../authy-emulator/faults';
import type { RouteContext } from './context';

export function controlRoutes(app: FastifyInstance, { faults, reset }: RouteContext): void {
  app.get('/__emulator/faults', async () => ({ faults: faults.list() }));

  app.post('/__emulator/faults', async (request, reply) => {
    const fault = parseFault(request.body);
    if (typeof fault === 'string') return reply.code(400).send({ message: fault });
    faults.add(fault);
    return { faults: faults.list() };
  });

  app.delete('/__emulator/faults', async () => {
    faults.clear();
    return { faults: [] };
  });

  app.post('/__emulator/reset', async () => {
    reset();
    faults.clear();
    return { reset: true };
  });
}
