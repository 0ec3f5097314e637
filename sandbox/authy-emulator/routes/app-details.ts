/**
 * GET /protected/json/app/details: Authy's "Get Application Details" (Twilio, "Authy
 * Applications", https://www.twilio.com/docs/authy/api/applications), which answers
 * `{ app: { name, plan, sms_enabled, phone_calls_enabled, app_id, onetouch_enabled },
 * message: "Application information.", success: true }`; the optional `user_ip` parameter
 * changes nothing. The forms server's /readyz calls it to check the API key (a wrong key gets
 * the 401 60001 of every other call, app.ts guardApi; faults apply as to the other calls).
 */
import type { FastifyInstance } from 'fastify';

/** The emulated application: SMS, voice and OneTouch on, as the sandbox uses them. */
export const EMULATED_APP = {
  name: 'Authy emulator',
  plan: 'pay_as_you_go',
  sms_enabled: true,
  phone_calls_enabled: true,
  app_id: 1,
  onetouch_enabled: true,
} as const;

export function appDetailsRoutes(app: FastifyInstance): void {
  app.get('/protected/json/app/details', async () => ({ app: EMULATED_APP, message: 'Application information.', success: true }));
}
