/** One-time codes: verify/{token}/{id}, sms/{id}, call/{id}. */
import type { FastifyInstance } from 'fastify';
import { flag } from '../request-params';
import { authyIdParam, sources, type RouteContext } from './context';

export function codesRoutes(app: FastifyInstance, { emulator }: RouteContext): void {
  app.get<{ Params: { token: string; authy_id: string } }>('/protected/json/verify/:token/:authy_id', async (request) => {
    const id = authyIdParam(request.params.authy_id);
    const proved = emulator.verify(id, request.params.token, flag(sources(request), 'force'));
    // `success` is the STRING "true" here, as Authy sends it.
    const answer: Record<string, unknown> = { message: 'Token is valid.', token: 'is valid', success: 'true' };
    if (proved) {
      answer.device = {
        id: null,
        os_type: proved.via === 'authy' ? 'iphone' : proved.via,
        registration_date: Math.floor(emulator.settings.now() / 1000),
        registration_method: null,
        registration_country: null,
        registration_region: null,
        registration_city: null,
        country: null,
        region: null,
        city: null,
        ip: null,
        last_account_recovery_at: null,
        last_sync_date: null,
      };
    }
    return answer;
  });

  app.get<{ Params: { authy_id: string } }>('/protected/json/sms/:authy_id', async (request) => {
    const sent = emulator.sendCode(authyIdParam(request.params.authy_id), 'sms', flag(sources(request), 'force'));
    if (sent.ignored) {
      return {
        message: 'Ignored: SMS is not needed for smartphones. Pass force=true if you want to actually send it anyway.',
        cellphone: sent.cellphone,
        device: 'iphone',
        ignored: true,
        success: true,
      };
    }
    return { message: 'SMS token was sent', cellphone: sent.cellphone, success: true };
  });

  app.get<{ Params: { authy_id: string } }>('/protected/json/call/:authy_id', async (request) => {
    const sent = emulator.sendCode(authyIdParam(request.params.authy_id), 'call', flag(sources(request), 'force'));
    if (sent.ignored) {
      return {
        message:
          'Call ignored. User is using App Tokens and this call is not necessary. ' +
          'Pass force=true if you still want to call users that are using the App.',
        cellphone: sent.cellphone,
        device: 'iphone',
        ignored: true,
        success: true,
      };
    }
    return { message: 'Call started...', cellphone: sent.cellphone, success: true };
  });
}
