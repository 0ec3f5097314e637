/** OneTouch push: create an approval request, read its status. */
import type { FastifyInstance } from 'fastify';
import * as errors from '../errors';
import { MAX_VALUE_LENGTH, mapParam, param } from '../request-params';
import { authyIdParam, sources, type RouteContext } from './context';

/** Authy's default lifetime of an approval request: one day. */
export const DEFAULT_SECONDS_TO_EXPIRE = 86_400;
const MAX_SECONDS_TO_EXPIRE = 30 * 86_400;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function onetouchRoutes(app: FastifyInstance, { emulator }: RouteContext): void {
  app.post<{ Params: { authy_id: string } }>('/onetouch/json/users/:authy_id/approval_requests', async (request) => {
    const id = authyIdParam(request.params.authy_id);
    const from = sources(request);
    const message = param(from, ['message']);
    if (message === undefined || message.trim() === '') throw errors.invalidParameter('message');
    if (message.length > MAX_VALUE_LENGTH) throw errors.invalidParameter('message', 'is too long');
    const secondsRaw = param(from, ['seconds_to_expire']);
    const seconds = secondsRaw === undefined ? DEFAULT_SECONDS_TO_EXPIRE : Number(secondsRaw);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS_TO_EXPIRE) {
      throw errors.invalidParameter('seconds_to_expire', 'is not a valid Integer');
    }
    const approval = emulator.createApproval(id, message, seconds, mapParam(from, 'details'), mapParam(from, 'hidden_details'));
    return { approval_request: { uuid: approval.uuid }, success: true };
  });

  app.get<{ Params: { uuid: string } }>('/onetouch/json/approval_requests/:uuid', async (request) => {
    if (!UUID.test(request.params.uuid)) throw errors.approvalRequestNotFound();
    return { approval_request: emulator.approval(request.params.uuid.toLowerCase()), success: true };
  });
}
